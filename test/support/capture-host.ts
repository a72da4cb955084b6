// The host values of the capture in examples/, which was made before journals carried them: the device
// nodes libvirt stat()ed there. Their numbers are the kernel's fixed assignments
// (Documentation/admin-guide/devices.txt: mem 1:3/5/7/8/9, ptmx 5:2, misc tun 10:200, kvm 10:232);
// that /dev/kvm existed is stated by the capture itself (its guest "kvm" ran with KVM acceleration).
// /dev/vhost-net is not needed: none of its KVM guests has a tap NIC.
import type { HostValues } from '../../emitter/index.js';

const char = (major: number, minor: number) => ({ major, minor, kind: 'char' as const });

export const EXAMPLES_CAPTURE_HOST: HostValues = {
  devices: {
    '/dev/null': char(1, 3),
    '/dev/zero': char(1, 5),
    '/dev/full': char(1, 7),
    '/dev/random': char(1, 8),
    '/dev/urandom': char(1, 9),
    '/dev/ptmx': char(5, 2),
    '/dev/kvm': char(10, 232),
    '/dev/net/tun': char(10, 200),
  },
};
