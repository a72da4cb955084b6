// The capture lab's readers of run-time values (scripts/lab/runtime-values.ts) on the forms QEMU's
// command line and qemu.conf take.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cgroupDeviceAcl, deviceNumber, pathsInXml, tpmEmulatorSockets, vhostNetByMac } from '../scripts/lab/runtime-values.js';

describe('vhostNetByMac', () => {
  it('reads the JSON -netdev/-device pairs libvirt 9.0+ writes', () => {
    const cmdline = [
      '-netdev', '{"type":"tap","fd":"29","vhost":true,"vhostfd":"31","id":"hostnet0"}',
      '-device', '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:AA:00:01","bus":"pci.0","addr":"0x3"}',
      '-netdev', '{"type":"user","id":"hostnet1"}',
      '-device', '{"driver":"e1000","netdev":"hostnet1","id":"net1","mac":"52:54:00:aa:00:02","bus":"pci.0","addr":"0x4"}',
      '-netdev', '{"type":"tap","fd":"33","id":"hostnet2"}',
      '-device', '{"driver":"virtio-net-pci","netdev":"hostnet2","id":"net2","mac":"52:54:00:aa:00:03"}',
    ];
    expect(vhostNetByMac(cmdline)).toEqual({ '52:54:00:aa:00:01': true, '52:54:00:aa:00:02': false, '52:54:00:aa:00:03': false });
  });

  it('reads the key=value form', () => {
    const cmdline = ['-netdev', 'tap,fd=22,vhost=on,vhostfd=24,id=hostnet0', '-device', 'virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:0b:0c:0d'];
    expect(vhostNetByMac(cmdline)).toEqual({ '52:54:00:0b:0c:0d': true });
  });
});

describe('tpmEmulatorSockets', () => {
  it('finds the swtpm sockets of chrtpm chardevs in order', () => {
    expect(tpmEmulatorSockets([
      '-chardev', '{"backend":"socket","id":"chrtpm","addr":{"type":"unix","path":"/run/libvirt/qemu/swtpm/1-g-swtpm.sock"}}',
      '-chardev', 'socket,id=chrtpm1,path=/run/libvirt/qemu/swtpm/1-g-swtpm1.sock',
      '-chardev', 'pty,id=charserial0',
    ])).toEqual(['/run/libvirt/qemu/swtpm/1-g-swtpm.sock', '/run/libvirt/qemu/swtpm/1-g-swtpm1.sock']);
  });
});

describe('pathsInXml', () => {
  it('finds every absolute path in attributes and text, unescaped', () => {
    const xml = `<domain><devices><disk><source file='/var/lib/a b&amp;c.qcow2'/><backingStore><source dev="/dev/loop3"/></backingStore></disk>
      <rng><backend model='random'>/dev/urandom</backend></rng><serial type='pty'><source path='/dev/pts/4'/></serial><name>notapath</name></devices></domain>`;
    expect(pathsInXml(xml).sort()).toEqual(['/dev/loop3', '/dev/pts/4', '/dev/urandom', '/var/lib/a b&c.qcow2']);
  });

  it('returns only paths that occur in the XML, for any attribute value', () => {
    fc.assert(fc.property(fc.stringMatching(/^\/[a-z0-9/ ._-]{0,20}$/), (path) => {
      const xml = `<x><source file='${path.replace(/&/g, '&amp;')}'/></x>`;
      expect(pathsInXml(xml)).toEqual([path]);
    }));
  });
});

describe('deviceNumber', () => {
  it('gives the numbers of /dev/null (1:3), null for a file and "missing" for a path that is not there', () => {
    expect(deviceNumber('', '/dev/null')).toEqual({ major: 1, minor: 3, kind: 'char' });
    expect(deviceNumber('', '/etc/hostname')).toBeNull();
    expect(deviceNumber('', '/nonexistent/virt-audit')).toBe('missing');
  });
});

describe('cgroupDeviceAcl', () => {
  const conf = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'virt-audit-qemuconf-')), 'qemu.conf');
    writeFileSync(file, text);
    return file;
  };

  it('reads a multi-line list, ignores a commented one, absent when unset', () => {
    expect(cgroupDeviceAcl(conf('#cgroup_device_acl = [ "/dev/x" ]\ncgroup_device_acl = [\n  "/dev/null", "/dev/full",\n  "/dev/kvm"\n]\n'))).toEqual(['/dev/null', '/dev/full', '/dev/kvm']);
    expect(cgroupDeviceAcl(conf('#cgroup_device_acl = [\n#  "/dev/null"\n#]\nuser = "root"\n'))).toBeUndefined();
    expect(cgroupDeviceAcl('/nonexistent/qemu.conf')).toBeUndefined();
  });
});
