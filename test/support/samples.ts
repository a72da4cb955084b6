// One record in the JSON form per libvirt 9.0 layout; the compiler checks them against the types.
import type { LibvirtRecord, RecordEnvelope } from '../../src/index.js';

export const SAMPLE_UUID = 'c7a5fdbd-cdaf-9455-926a-d65c16db1809';

export const ENVELOPE: RecordEnvelope = {
  node: null, time: null, serial: 1, pid: 1, uid: 0, auid: 4294967295, ses: 4294967295,
  exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null, res: 'success',
};
const domain = { virt: 'kvm', vm: 'demo', uuid: SAMPLE_UUID } as const;
const resource = { ...ENVELOPE, ...domain, type: 'VIRT_RESOURCE' } as const;

// One object per layout; the compiler checks them against the types, the test against the layouts.
export const SAMPLES: Record<string, LibvirtRecord> = {
  'control.lifecycle': { ...ENVELOPE, ...domain, type: 'VIRT_CONTROL', op: 'stop', reason: 'saved', 'vm-pid': 0 },
  'control.init': { ...ENVELOPE, ...domain, type: 'VIRT_CONTROL', op: 'init', 'vm-pid': 1, 'init-pid': 2, 'pid-ns': 3 },
  'machine-id': { ...ENVELOPE, ...domain, type: 'VIRT_MACHINE_ID', 'vm-ctx': '+0:+0', 'img-ctx': null, model: 'dac' },
  'resource.disk': { ...resource, resrc: 'disk', reason: 'mirror', 'old-disk': null, 'new-disk': '/d' },
  'resource.fs': { ...resource, resrc: 'fs', reason: 'start', 'old-fs': null, 'new-fs': '/srv' },
  'resource.net': { ...resource, resrc: 'net', reason: 'attach', 'old-net': null, 'new-net': '52:54:00:00:00:01' },
  'resource.chardev': { ...resource, resrc: 'chardev', reason: 'start', 'old-chardev': null, 'new-chardev': '/dev/pts/1' },
  'resource.rng': { ...resource, resrc: 'rng', reason: 'detach', 'old-rng': '/dev/urandom', 'new-rng': null },
  'resource.smartcard': { ...resource, resrc: 'smartcard', reason: 'start', 'old-smartcard': null, 'new-smartcard': 'nss-smartcard-device' },
  'resource.net-open': { ...resource, resrc: 'net', reason: 'open', net: '52:54:00:00:00:01', path: '/dev/net/tun', rdev: '0A:C8' },
  'resource.dev': { ...resource, resrc: 'dev', reason: 'start', bus: 'mdev', device: '53764d0e-85a0-42b4-af5c-2046b460b1dc' },
  'resource.hostdev-disk': { ...resource, resrc: 'hostdev', reason: 'attach', disk: '/dev/sdb' },
  'resource.hostdev-chardev': { ...resource, resrc: 'hostdev', reason: 'attach', chardev: '/dev/ttyUSB0' },
  'resource.tpm': { ...resource, resrc: 'tpm', reason: 'start', device: '/dev/tpm0' },
  'resource.tpm-emulator': { ...resource, resrc: 'tpm-emulator', reason: 'start', device: '/run/swtpm.sock' },
  'resource.tpm-external': { ...resource, resrc: 'tpm-external', reason: 'start', device: '/run/ext.sock' },
  'resource.cgroup-all': { ...resource, resrc: 'cgroup', reason: 'deny', cgroup: null, class: 'all' },
  'resource.cgroup-major': { ...resource, resrc: 'cgroup', reason: 'allow', cgroup: '/c/', class: 'major', category: 'pty', maj: '88', acl: 'rw' },
  'resource.cgroup-path': { ...resource, resrc: 'cgroup', reason: 'allow', cgroup: '/c/', class: 'path', path: '/dev/null', rdev: '01:03', acl: 'rw' },
  'resource.mem': { ...resource, resrc: 'mem', reason: 'update', 'old-mem': 1, 'new-mem': 2 },
  'resource.vcpu': { ...resource, resrc: 'vcpu', reason: 'start', 'old-vcpu': 0, 'new-vcpu': 2 },
  'resource.iothread': { ...resource, resrc: 'iothread', reason: 'update', 'old-iothread': 1, 'new-iothread': 2 },
  'resource.shmem': { ...resource, resrc: 'shmem', reason: 'attach', size: 4194304, path: '/dev/shm/s' },
  'resource.ivshmem-socket': { ...resource, resrc: 'ivshmem-socket', reason: 'start', path: null },
  'resource.evdev': { ...resource, resrc: 'evdev', reason: 'start', path: '/dev/input/event3' },
};

