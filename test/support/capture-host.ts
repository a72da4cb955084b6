// The host values of the capture in examples/, which was made before journals carried them
// (examples/libvirt-capture.host-values.json): the device nodes libvirt stat()ed there. Their numbers are
// the kernel's fixed assignments (Documentation/admin-guide/devices.txt: mem 1:3/5/7/8/9, ptmx 5:2, misc
// tun 10:200, kvm 10:232); that /dev/kvm existed is stated by the capture itself (its guest "kvm" ran with
// KVM acceleration). /dev/vhost-net is not needed: none of its KVM guests has a tap NIC.
import { readFileSync } from 'node:fs';
import type { HostValues } from '../../emitter/index.js';
import { EXAMPLES } from './examples.js';

export const EXAMPLES_CAPTURE_HOST = JSON.parse(readFileSync(`${EXAMPLES}libvirt-capture.host-values.json`, 'utf8')) as HostValues;
