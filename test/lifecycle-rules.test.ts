// One test per rule of libvirt's QEMU driver that decides which records a lifecycle writes and in what
// order (docs/libvirt-rules.md). Each domain XML is written from the libvirt code path it exercises
// (qemu_cgroup.c, qemu_hotplug.c, qemu_interface.c, domain_audit.c), and the device numbers come from
// host values, so nothing depends on the host that runs the tests.
import { describe, expect, it } from 'vitest';
import { auditBlockCopy, auditDiskSnapshot, auditFailedStart, auditHotplug, auditMediaChange, auditNetBridgeChange, auditReboot, auditResourceUpdate, auditStart, parseDeviceXml, parseDomainXml, type EmitInput, type HostValues, type LibvirtVersion, type StatPath } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';

const UUID = '4dea22b3-1d52-d8f3-2516-782e98ab3fa0';
const CGROUP = '/sys/fs/cgroup/machine.slice/machine-qemu\\x2d7\\x2drules.scope/libvirt/';
const char = (major: number, minor: number) => ({ major, minor, kind: 'char' as const });
const block = (major: number, minor: number) => ({ major, minor, kind: 'block' as const });

/** The guest's host: Linux's fixed device numbers, a few disks, no /dev/mapper/control unless added. */
const HOST: HostValues = {
  devices: {
    '/dev/null': char(1, 3), '/dev/full': char(1, 7), '/dev/zero': char(1, 5), '/dev/random': char(1, 8),
    '/dev/urandom': char(1, 9), '/dev/ptmx': char(5, 2), '/dev/kvm': char(10, 232), '/dev/userfaultfd': char(10, 126),
    '/dev/net/tun': char(10, 200), '/dev/vhost-net': char(10, 238), '/dev/sdb': block(8, 16), '/dev/sdc': block(8, 32),
    '/dev/sr0': block(11, 0), '/dev/vg0/base': block(253, 1), '/dev/vg0/top': block(253, 2), '/dev/ttyS1': char(4, 65),
    '/dev/input/event3': char(13, 67), '/dev/hwrng': char(10, 183), '/dev/tpm0': char(10, 224),
    '/var/lib/libvirt/images/a.qcow2': null, '/var/lib/libvirt/images/base.qcow2': null,
  },
};

/** Paths the host values do not list are no devices: the tests never stat this host. */
const NOT_HERE: StatPath = () => 'not-a-device';

const options = (version: LibvirtVersion = '9.0', hostValues: HostValues = HOST) => ({ libvirtVersion: version, hostValues, stat: NOT_HERE });

const domainXml = (devices: string, { type = 'kvm', extra = '' } = {}) =>
  `<domain type='${type}'><name>rules</name><uuid>${UUID}</uuid><memory unit='KiB'>1048576</memory><vcpu>2</vcpu>${extra}` +
  `<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices>${devices}</devices></domain>`;

const wire = (records: readonly EmitInput[]) => records.map((record) => `${buildPayload(record)!} res=${String(record.res)}`);
const head = (resrc: string, reason: string, type = 'kvm') => `virt=${type} resrc=${resrc} reason=${reason} vm="rules" uuid=${UUID}`;
const acl = (reason: 'allow' | 'deny', path: string, rdev: string, perms: string, type = 'kvm') =>
  `${head('cgroup', reason, type)} cgroup="${CGROUP}" class=path path="${path}" rdev=${rdev} acl=${perms} res=success`;
const defaultList = (type = 'kvm') => [
  acl('allow', '/dev/null', '01:03', 'rw', type), acl('allow', '/dev/full', '01:07', 'rw', type), acl('allow', '/dev/zero', '01:05', 'rw', type),
  acl('allow', '/dev/random', '01:08', 'rw', type), acl('allow', '/dev/urandom', '01:09', 'rw', type), acl('allow', '/dev/ptmx', '05:02', 'rw', type),
];
const denyAll = (type = 'kvm') => `${head('cgroup', 'deny', type)} cgroup="${CGROUP}" class=all res=success`;
const pty = (type = 'kvm') => `${head('cgroup', 'allow', type)} cgroup="${CGROUP}" class=major category=pty maj=88 acl=rw res=success`;

/** The cgroup records of a start (qemuSetupDevicesCgroup), nothing else. */
const startAcls = (xml: string, version: LibvirtVersion = '9.0', hostValues: HostValues = HOST) =>
  wire(auditStart(parseDomainXml(xml), { ...options(version, hostValues), vmPid: 4711, cgroup: { path: CGROUP } }).filter((record) => record.resrc === 'cgroup'));

const hotplug = (domain: string, device: string, action: 'attach' | 'detach', extra: { success?: boolean; hostValues?: HostValues; version?: LibvirtVersion } = {}) =>
  wire(auditHotplug(parseDomainXml(domain), parseDeviceXml(device).domain, action, {
    ...options(extra.version, extra.hostValues), cgroup: { path: CGROUP }, ...(extra.success === undefined ? {} : { success: extra.success }),
  }));

const BLOCK_DISK = `<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vdb' bus='virtio'/></disk>`;

describe('cgroup ACLs of a start (qemuSetupDevicesCgroup)', () => {
  it('block disks come after the default list and before the pty major; file images write nothing', () => {
    expect(startAcls(domainXml(`<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/><target dev='vda'/></disk>${BLOCK_DISK}`)))
      .toEqual([denyAll(), ...defaultList(), acl('allow', '/dev/kvm', '0A:E8', 'rw'), acl('allow', '/dev/sdb', '08:10', 'rw'), pty()]);
  });

  it('<readonly/> disks and cdroms get acl=r (virDomainDiskDefPostParse makes cdroms read-only)', () => {
    const xml = domainXml(`<disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='vdc'/><readonly/></disk>` +
      `<disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='sda' bus='sata'/></disk>`);
    expect(startAcls(xml).slice(8, 10)).toEqual([acl('allow', '/dev/sdc', '08:20', 'r'), acl('allow', '/dev/sr0', '0B:00', 'r')]);
  });

  it('every image of a backing chain: the top as the disk says, every backing image read-only (qemuSetupImageChainCgroup)', () => {
    const xml = domainXml(`<disk type='block' device='disk'><driver name='qemu' type='qcow2'/><source dev='/dev/vg0/top'/>` +
      `<backingStore type='file'><format type='qcow2'/><source file='/var/lib/libvirt/images/base.qcow2'/>` +
      `<backingStore type='block'><format type='raw'/><source dev='/dev/vg0/base'/><backingStore/></backingStore></backingStore>` +
      `<target dev='vda' bus='virtio'/></disk>`);
    expect(startAcls(xml).slice(8, 10)).toEqual([acl('allow', '/dev/vg0/top', 'FD:02', 'rw'), acl('allow', '/dev/vg0/base', 'FD:01', 'r')]);
  });

  it('a device-mapper disk: its targets right after it, with its permissions (virDevMapperGetTargets)', () => {
    const hostValues: HostValues = {
      devices: { ...HOST.devices, '/dev/block/8:16': block(8, 16), '/dev/block/8:32': block(8, 32) },
      deviceMapperTargets: { '/dev/vg0/top': ['/dev/block/8:16', '/dev/block/8:32'] },
    };
    const xml = domainXml(`<disk type='block' device='disk'><source dev='/dev/vg0/top'/><target dev='vda'/><readonly/></disk>`);
    expect(startAcls(xml, '9.0', hostValues).slice(8, 11)).toEqual([
      acl('allow', '/dev/vg0/top', 'FD:02', 'r'), acl('allow', '/dev/block/8:16', '08:10', 'r'), acl('allow', '/dev/block/8:32', '08:20', 'r'),
    ]);
  });

  it('a qcow2 data file is allowed with its image from libvirt 11, not in 9.0', () => {
    const xml = domainXml(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/a.qcow2'>` +
      `<dataStore type='block'><format type='raw'/><source dev='/dev/sdc'/></dataStore></source><target dev='vda'/></disk>`);
    // <dataStore> sits inside <source> in libvirt's XML (tests/qemuxmlconfdata/disk-qcow2-datafile-store.xml)
    expect(startAcls(xml, '9.0').filter((line) => line.includes('/dev/sdc'))).toEqual([]);
    expect(startAcls(xml, '11.3').filter((line) => line.includes('/dev/sdc'))).toEqual([acl('allow', '/dev/sdc', '08:20', 'rw')]);
  });

  it('console 0 duplicating serial 0 of type dev gets no second ACL (virDomainSkipBackcompatConsole)', () => {
    const xml = domainXml(`<serial type='dev'><source path='/dev/ttyS1'/><target port='0'/></serial>` +
      `<console type='dev'><source path='/dev/ttyS1'/><target type='serial' port='0'/></console>`);
    const lines = wire(auditStart(parseDomainXml(xml), { ...options(), vmPid: 4711, cgroup: { path: CGROUP } }));
    expect(lines.filter((line) => line.includes('/dev/ttyS1'))).toEqual([
      acl('allow', '/dev/ttyS1', '04:41', 'rw'),
      `${head('chardev', 'start')} old-chardev="?" new-chardev="/dev/ttyS1" res=success`,
    ]);
  });

  it('inputs come before RNGs, after the chardevs and TPMs', () => {
    const xml = domainXml(`<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>` +
      `<input type='evdev'><source dev='/dev/input/event3'/></input>` +
      `<tpm model='tpm-crb'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>` +
      `<serial type='dev'><source path='/dev/ttyS1'/><target port='0'/></serial>`);
    expect(startAcls(xml).slice(9)).toEqual([
      acl('allow', '/dev/ttyS1', '04:41', 'rw'), acl('allow', '/dev/tpm0', '0A:E0', 'rw'),
      acl('allow', '/dev/input/event3', '0D:43', 'rw'), acl('allow', '/dev/hwrng', '0A:B7', 'rw'),
    ]);
  });

  it('a VFIO PCI hostdev: its IOMMU group (a host value) then /dev/vfio/vfio; without the group only the container', () => {
    const pci = domainXml(`<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>`);
    const hostValues: HostValues = { devices: { ...HOST.devices, '/dev/vfio/12': char(243, 0), '/dev/vfio/vfio': char(10, 196) }, hostdevPaths: { '0000:01:00.0': '/dev/vfio/12' } };
    expect(startAcls(pci, '9.0', hostValues).slice(9)).toEqual([acl('allow', '/dev/vfio/12', 'F3:00', 'rw'), acl('allow', '/dev/vfio/vfio', '0A:C4', 'rw')]);
    expect(startAcls(pci, '9.0', { ...hostValues, hostdevPaths: {} }).slice(9)).toEqual([acl('allow', '/dev/vfio/vfio', '0A:C4', 'rw')]);
  });

  it('the sound major: a sound card with SDL first, or VNC / no graphics where qemu.conf allows host audio', () => {
    const sound = (graphics: string) => domainXml(`${graphics}<sound model='ich9'/>`);
    const major = `${head('cgroup', 'allow')} cgroup="${CGROUP}" class=major category=sound maj=74 acl=rw res=success`;
    expect(startAcls(sound("<graphics type='sdl'/>"))).toContain(major);
    expect(startAcls(sound("<graphics type='vnc' port='-1'/>"))).not.toContain(major);
    expect(startAcls(sound("<graphics type='vnc' port='-1'/>"), '9.0', { ...HOST, vncAllowHostAudio: true })).toContain(major);
    expect(startAcls(sound(''), '9.0', { ...HOST, nogfxAllowHostAudio: true })).toContain(major);
    expect(startAcls(sound(''))).not.toContain(major);
  });

  it('a path that is gone on the guest host fails the allow (rdev=?) and the start', () => {
    const records = auditStart(parseDomainXml(domainXml(`<serial type='dev'><source path='/dev/ttyUSB9'/><target port='0'/></serial>`)), {
      libvirtVersion: '9.0', hostValues: HOST, stat: (path) => (path === '/dev/ttyUSB9' ? 'missing' : 'not-a-device'), vmPid: 4711, cgroup: { path: CGROUP },
    });
    const lines = wire(records);
    expect(lines).toContain(`${head('cgroup', 'allow')} cgroup="${CGROUP}" class=path path="/dev/ttyUSB9" rdev=? acl=rw res=failed`);
    expect(lines.at(-1)).toBe(`virt=kvm op=start reason=booted vm="rules" uuid=${UUID} vm-pid=0 res=failed`);
  });
});

describe('the default ACL list by libvirt version', () => {
  const none = domainXml('', { type: 'qemu' });
  const kvm = domainXml('');

  it('9.0: /dev/kvm is the last entry, for every guest type', () => {
    expect(startAcls(none, '9.0')).toEqual([denyAll('qemu'), ...defaultList('qemu'), acl('allow', '/dev/kvm', '0A:E8', 'rw', 'qemu'), pty('qemu')]);
  });

  it('11.3: /dev/userfaultfd joins after /dev/kvm (TCG guests too)', () => {
    expect(startAcls(none, '11.3')).toEqual([
      denyAll('qemu'), ...defaultList('qemu'), acl('allow', '/dev/kvm', '0A:E8', 'rw', 'qemu'), acl('allow', '/dev/userfaultfd', '0A:7E', 'rw', 'qemu'), pty('qemu'),
    ]);
  });

  it('12.9: TCG guests get no /dev/kvm; KVM guests get it right after the list', () => {
    expect(startAcls(none, '12.9')).toEqual([denyAll('qemu'), ...defaultList('qemu'), acl('allow', '/dev/userfaultfd', '0A:7E', 'rw', 'qemu'), pty('qemu')]);
    expect(startAcls(kvm, '12.9')).toEqual([denyAll(), ...defaultList(), acl('allow', '/dev/userfaultfd', '0A:7E', 'rw'), acl('allow', '/dev/kvm', '0A:E8', 'rw'), pty()]);
  });

  it('12.9: a KVM guest whose host has no /dev/kvm fails its allow (no existence check for it)', () => {
    const without: HostValues = { devices: Object.fromEntries(Object.entries(HOST.devices!).filter(([path]) => path !== '/dev/kvm')) };
    const gone: StatPath = (path) => (path === '/dev/kvm' ? 'missing' : 'not-a-device');
    const lines = wire(auditStart(parseDomainXml(kvm), { libvirtVersion: '12.9', hostValues: without, stat: gone, vmPid: 4711, cgroup: { path: CGROUP } }));
    expect(lines).toContain(`${head('cgroup', 'allow')} cgroup="${CGROUP}" class=path path="/dev/kvm" rdev=? acl=rw res=failed`);
    expect(lines.at(-1)).toContain('vm-pid=0 res=failed');
  });

  it('entries missing on the guest host are skipped (virFileExists); qemu.conf cgroup_device_acl replaces the list', () => {
    const noKvm: HostValues = { devices: { ...HOST.devices } };
    expect(startAcls(kvm, '9.0', { ...noKvm, cgroupDeviceAcl: ['/dev/null', '/dev/sdb'] })).toEqual([
      denyAll(), acl('allow', '/dev/null', '01:03', 'rw'), acl('allow', '/dev/sdb', '08:10', 'rw'), pty(),
    ]);
  });
});

describe('hot-plug and unplug (qemu_hotplug.c)', () => {
  const guest = domainXml(`<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/><target dev='vda'/></disk>`);

  it('a block disk: allow, then the attach record; unplug: the detach record, then deny rwm', () => {
    expect(hotplug(guest, BLOCK_DISK, 'attach')).toEqual([acl('allow', '/dev/sdb', '08:10', 'rw'), `${head('disk', 'attach')} old-disk="?" new-disk="/dev/sdb" res=success`]);
    expect(hotplug(guest, BLOCK_DISK, 'detach')).toEqual([`${head('disk', 'detach')} old-disk="/dev/sdb" new-disk="?" res=success`, acl('deny', '/dev/sdb', '08:10', 'rwm')]);
  });

  it('a failed attach: allow, the record with res=failed, deny (qemuDomainStorageSourceChainAccessRevoke)', () => {
    expect(hotplug(guest, BLOCK_DISK, 'attach', { success: false })).toEqual([
      acl('allow', '/dev/sdb', '08:10', 'rw'), `${head('disk', 'attach')} old-disk="?" new-disk="/dev/sdb" res=failed`, acl('deny', '/dev/sdb', '08:10', 'rwm'),
    ]);
  });

  it('a refused detach writes only the failed record (qemuDomainRemoveAuditDevice)', () => {
    expect(hotplug(guest, BLOCK_DISK, 'detach', { success: false })).toEqual([`${head('disk', 'detach')} old-disk="/dev/sdb" new-disk="?" res=failed`]);
  });

  it('/dev/mapper/control, where it exists, is denied before each image (qemuTeardownImageCgroup)', () => {
    const withMapper: HostValues = { devices: { ...HOST.devices, '/dev/mapper/control': char(10, 236) } };
    expect(hotplug(guest, BLOCK_DISK, 'detach', { hostValues: withMapper })).toEqual([
      `${head('disk', 'detach')} old-disk="/dev/sdb" new-disk="?" res=success`, acl('deny', '/dev/mapper/control', '0A:EC', 'rwm'), acl('deny', '/dev/sdb', '08:10', 'rwm'),
    ]);
  });

  it('managed persistent reservations: /dev/mapper/control allowed before the image; kept while another disk uses them', () => {
    const withMapper: HostValues = { devices: { ...HOST.devices, '/dev/mapper/control': char(10, 236) } };
    const pr = `<disk type='block' device='lun'><source dev='/dev/sdc'><reservations managed='yes'/></source><target dev='sdc' bus='scsi'/></disk>`;
    expect(hotplug(guest, pr, 'attach', { hostValues: withMapper })).toEqual([
      acl('allow', '/dev/mapper/control', '0A:EC', 'rw'), acl('allow', '/dev/sdc', '08:20', 'rw'), `${head('disk', 'attach')} old-disk="?" new-disk="/dev/sdc" res=success`,
    ]);
    const twoPr = domainXml(`${pr}<disk type='block' device='lun'><source dev='/dev/sdb'><reservations managed='yes'/></source><target dev='sdd' bus='scsi'/></disk>`);
    expect(hotplug(twoPr, BLOCK_DISK.replace("dev='vdb'", "dev='sdd'"), 'detach', { hostValues: withMapper })).toEqual([
      `${head('disk', 'detach')} old-disk="/dev/sdb" new-disk="?" res=success`, acl('deny', '/dev/sdb', '08:10', 'rwm'),
    ]);
  });

  it('an NVMe disk: the VFIO container, then its IOMMU group read-write even when read-only; no disk record (not local storage)', () => {
    const nvme = `<disk type='nvme' device='disk'><source type='pci' managed='yes' namespace='1'><address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></source><target dev='vdc'/><readonly/></disk>`;
    const hostValues: HostValues = { devices: { ...HOST.devices, '/dev/vfio/7': char(243, 1), '/dev/vfio/vfio': char(10, 196) }, hostdevPaths: { '0000:02:00.0': '/dev/vfio/7' } };
    expect(hotplug(guest, nvme, 'attach', { hostValues })).toEqual([acl('allow', '/dev/vfio/vfio', '0A:C4', 'rw'), acl('allow', '/dev/vfio/7', 'F3:01', 'rw')]);
    expect(hotplug(domainXml(nvme), nvme, 'detach', { hostValues })).toEqual([acl('deny', '/dev/vfio/vfio', '0A:C4', 'rwm'), acl('deny', '/dev/vfio/7', 'F3:01', 'rwm')]);
  });

  it('a floppy cannot be hot-plugged: nothing is written', () => {
    expect(hotplug(guest, `<disk type='block' device='floppy'><source dev='/dev/sdb'/><target dev='fda'/></disk>`, 'attach')).toEqual([]);
  });

  it('a chardev of type dev: allow rw / attach; detach / deny rw; failed: allow, failed, deny', () => {
    const serial = `<serial type='dev'><source path='/dev/ttyS1'/><target port='1'/></serial>`;
    const attach = `${head('chardev', 'attach')} old-chardev="?" new-chardev="/dev/ttyS1"`;
    expect(hotplug(guest, serial, 'attach')).toEqual([acl('allow', '/dev/ttyS1', '04:41', 'rw'), `${attach} res=success`]);
    expect(hotplug(guest, serial, 'detach')).toEqual([`${head('chardev', 'detach')} old-chardev="/dev/ttyS1" new-chardev="?" res=success`, acl('deny', '/dev/ttyS1', '04:41', 'rw')]);
    expect(hotplug(guest, serial, 'attach', { success: false })).toEqual([acl('allow', '/dev/ttyS1', '04:41', 'rw'), `${attach} res=failed`, acl('deny', '/dev/ttyS1', '04:41', 'rw')]);
  });

  it('an RNG: a successful attach writes only the allow; a failed one the failed record and no deny for an ACL-list path', () => {
    const rng = `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`;
    expect(hotplug(guest, rng, 'attach')).toEqual([acl('allow', '/dev/urandom', '01:09', 'rw')]);
    expect(hotplug(guest, rng, 'attach', { success: false })).toEqual([acl('allow', '/dev/urandom', '01:09', 'rw'), `${head('rng', 'attach')} old-rng="?" new-rng="/dev/urandom" res=failed`]);
    expect(hotplug(guest, rng, 'detach')).toEqual([`${head('rng', 'detach')} old-rng="/dev/urandom" new-rng="?" res=success`]);
  });

  it('an evdev input: allow / attach; a detach writes only the deny (rwm)', () => {
    const input = `<input type='evdev'><source dev='/dev/input/event3'/></input>`;
    expect(hotplug(guest, input, 'attach')).toEqual([acl('allow', '/dev/input/event3', '0D:43', 'rw'), `${head('evdev', 'attach')} path=/dev/input/event3 res=success`]);
    expect(hotplug(guest, input, 'detach')).toEqual([acl('deny', '/dev/input/event3', '0D:43', 'rwm')]);
  });

  it('a USB hostdev by vendor/product: printed 000.000 at start when libvirt never found it; a failed attach of one writes nothing', () => {
    const byId = `<hostdev mode='subsystem' type='usb'><source><vendor id='0x1d6b'/><product id='0x0104'/></source></hostdev>`;
    const definition = parseDomainXml(domainXml(byId));
    expect(wire(auditFailedStart(definition, { ...options(), stage: 'prepare-host' })).filter((line) => line.includes('resrc=dev')))
      .toEqual([`${head('dev', 'start')} bus=usb device="000.000" res=success`]);
    expect(hotplug(guest, byId, 'attach', { success: false })).toEqual([]);
  });

  it('a memory module: its backing allowed, mem update total → total + size; unplug: the update, then deny rwm', () => {
    const nvdimm = `<memory model='nvdimm'><source><path>/dev/pmem0</path></source><target><size unit='MiB'>512</size><node>0</node></target></memory>`;
    const hostValues: HostValues = { devices: { ...HOST.devices, '/dev/pmem0': block(259, 0) } };
    expect(hotplug(guest, nvdimm, 'attach', { hostValues })).toEqual([acl('allow', '/dev/pmem0', '103:00', 'rw'), `${head('mem', 'update')} old-mem=1048576 new-mem=1572864 res=success`]);
    expect(hotplug(guest, nvdimm, 'detach', { hostValues })).toEqual([`${head('mem', 'update')} old-mem=1048576 new-mem=524288 res=success`, acl('deny', '/dev/pmem0', '103:00', 'rwm')]);
    const dimm = `<memory model='dimm'><target><size unit='KiB'>131072</size><node>0</node></target></memory>`;
    expect(hotplug(guest, dimm, 'attach', { success: false })).toEqual([`${head('mem', 'update')} old-mem=1048576 new-mem=1179648 res=failed`]);
  });

  it('a USB hostdev: /dev/bus/usb/BBB/DDD allowed, the dev record; unplug denies it rwm', () => {
    const usb = `<hostdev mode='subsystem' type='usb'><source><address bus='1' device='5'/></source></hostdev>`;
    const hostValues: HostValues = { devices: { ...HOST.devices, '/dev/bus/usb/001/005': char(189, 4) } };
    expect(hotplug(guest, usb, 'attach', { hostValues })).toEqual([acl('allow', '/dev/bus/usb/001/005', 'BD:04', 'rw'), `${head('dev', 'attach')} bus=usb device="001.005" res=success`]);
    expect(hotplug(guest, usb, 'detach', { hostValues })).toEqual([`${head('dev', 'detach')} bus=usb device="001.005" res=success`, acl('deny', '/dev/bus/usb/001/005', 'BD:04', 'rwm')]);
  });
});

describe('NIC opens (qemuInterfaceBridgeConnect, qemuInterfaceOpenVhostNet)', () => {
  const bridge = `<interface type='bridge'><mac address='52:54:00:12:34:56'/><source bridge='br0'/><model type='virtio'/></interface>`;
  const opens = (xml: string, hostValues: HostValues = HOST) =>
    wire(auditStart(parseDomainXml(xml), { ...options('9.0', hostValues), vmPid: 1, cgroup: null }).filter((record) => record.reason === 'open'));
  const open = (path: string, rdev: string, res = 'success', type = 'kvm') => `${head('net', 'open', type)} net=52:54:00:12:34:56 path="${path}" rdev=${rdev} res=${res}`;

  it('a KVM guest opens the tap and vhost-net; a TCG guest only the tap', () => {
    expect(opens(domainXml(bridge))).toEqual([open('/dev/net/tun', '0A:C8'), open('/dev/vhost-net', '0A:EE')]);
    expect(opens(domainXml(bridge, { type: 'qemu' }))).toEqual([open('/dev/net/tun', '0A:C8', 'success', 'qemu')]);
  });

  it('12.9 opens vhost-net for Hyper-V guests too; 9.0 does not', () => {
    const hyperv = domainXml(bridge, { type: 'hyperv' });
    const opensFor = (version: LibvirtVersion) =>
      wire(auditStart(parseDomainXml(hyperv), { ...options(version), vmPid: 1, cgroup: null }).filter((record) => record.reason === 'open'));
    expect(opensFor('12.9')).toEqual([open('/dev/net/tun', '0A:C8', 'success', 'hyperv'), open('/dev/vhost-net', '0A:EE', 'success', 'hyperv')]);
    expect(opensFor('9.0')).toEqual([open('/dev/net/tun', '0A:C8', 'success', 'hyperv')]);
  });

  it('<driver name="qemu"/> and non-virtio models open no vhost-net', () => {
    expect(opens(domainXml(bridge.replace('</interface>', "<driver name='qemu'/></interface>")))).toEqual([open('/dev/net/tun', '0A:C8')]);
    expect(opens(domainXml(bridge.replace("type='virtio'", "type='e1000'")))).toEqual([open('/dev/net/tun', '0A:C8')]);
  });

  it('vhost-net libvirt could not open: a failed record, then its success record after the loop', () => {
    const hostValues: HostValues = { ...HOST, vhostNet: { '52:54:00:12:34:56': false } };
    expect(opens(domainXml(bridge), hostValues)).toEqual([open('/dev/net/tun', '0A:C8'), open('/dev/vhost-net', '0A:EE', 'failed'), open('/dev/vhost-net', '0A:EE')]);
  });

  it('device numbers are the guest host\'s, and a tap device from the host values replaces /dev/net/tun', () => {
    const hostValues: HostValues = { devices: { '/dev/tap-custom': char(10, 99), '/dev/vhost-net': char(10, 77) }, tapDevice: '/dev/tap-custom' };
    expect(opens(domainXml(bridge), hostValues)).toEqual([open('/dev/tap-custom', '0A:63'), open('/dev/vhost-net', '0A:4D')]);
  });
});

describe('vCPU, IOThread and memory changes', () => {
  const domain = parseDomainXml(domainXml(''));
  const vcpu = (from: number, to: number, res = 'success') => `${head('vcpu', 'update')} old-vcpu=${from} new-vcpu=${to} res=${res}`;

  it('setvcpus writes one record per vCPU added or removed (qemuDomainHotplugAddVcpu, qemuDomainRemoveVcpu)', () => {
    expect(wire(auditResourceUpdate(domain, 'vcpu', 1, 3))).toEqual([vcpu(1, 2), vcpu(2, 3)]);
    expect(wire(auditResourceUpdate(domain, 'vcpu', 4, 2))).toEqual([vcpu(4, 3), vcpu(3, 2)]);
    expect(wire(auditResourceUpdate(domain, 'vcpu', 2, 6, { vcpusPerEntity: 2 }))).toEqual([vcpu(2, 4), vcpu(4, 6)]);
  });

  it('a failed vCPU change stops at its first entity', () => {
    expect(wire(auditResourceUpdate(domain, 'vcpu', 1, 3, { success: false }))).toEqual([vcpu(1, 2, 'failed')]);
  });

  it('IOThreads one at a time; memory (a module plugged) one record', () => {
    expect(wire(auditResourceUpdate(domain, 'iothread', 1, 2))).toEqual([`${head('iothread', 'update')} old-iothread=1 new-iothread=2 res=success`]);
    expect(wire(auditResourceUpdate(domain, 'mem', 1048576, 1572864))).toEqual([`${head('mem', 'update')} old-mem=1048576 new-mem=1572864 res=success`]);
  });
});

describe('change of media (qemuDomainChangeEjectableMedia)', () => {
  const live = domainXml(`<disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='sda' bus='sata'/><readonly/></disk>`);
  const change = (xml: string, success = true) =>
    wire(auditMediaChange(parseDomainXml(live), parseDeviceXml(xml).domain.devices.disks[0]!, { ...options(), cgroup: { path: CGROUP }, success }));

  it('the new medium allowed read-only, the update pair old → new, then the old medium denied', () => {
    expect(change(`<disk type='block' device='cdrom'><source dev='/dev/sdc'/><target dev='sda' bus='sata'/></disk>`)).toEqual([
      acl('allow', '/dev/sdc', '08:20', 'r'), `${head('disk', 'update')} old-disk="/dev/sr0" new-disk="/dev/sdc" res=success`, acl('deny', '/dev/sr0', '0B:00', 'rwm'),
    ]);
  });

  it('an eject: the update record to "?" and the old medium denied', () => {
    expect(change(`<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>`)).toEqual([
      `${head('disk', 'update')} old-disk="/dev/sr0" new-disk="?" res=success`, acl('deny', '/dev/sr0', '0B:00', 'rwm'),
    ]);
  });

  it('refused by QEMU: the new medium is denied again', () => {
    expect(change(`<disk type='block' device='cdrom'><source dev='/dev/sdc'/><target dev='sda' bus='sata'/></disk>`, false)).toEqual([
      acl('allow', '/dev/sdc', '08:20', 'r'), `${head('disk', 'update')} old-disk="/dev/sr0" new-disk="/dev/sdc" res=failed`, acl('deny', '/dev/sdc', '08:20', 'rwm'),
    ]);
  });
});

describe('a failed start at each stage', () => {
  const definition = parseDomainXml(domainXml(`${BLOCK_DISK}<serial type='pty'><target port='0'/></serial>`));
  const seclabels = [{ model: 'dac', label: '+64055:+64055', imageLabel: '+64055:+64055' }];
  const label = (res = 'success') => `virt=kvm vm="rules" uuid=${UUID} vm-ctx=+64055:+64055 img-ctx=+64055:+64055 model=dac res=${res}`;
  const tail = [
    `${head('disk', 'start')} old-disk="?" new-disk="/dev/sdb" res=success`,
    `${head('mem', 'start')} old-mem=0 new-mem=1048576 res=success`,
    `${head('vcpu', 'start')} old-vcpu=0 new-vcpu=2 res=success`,
    `virt=kvm op=start reason=booted vm="rules" uuid=${UUID} vm-pid=0 res=failed`,
  ];
  const failed = (stage: 'labels' | 'prepare-host' | 'command-line' | 'after-cgroup') =>
    wire(auditFailedStart(definition, { ...options(), stage, seclabels, cgroup: { path: CGROUP } }));

  it('after the cgroup was set up (QEMU refusing a device): labels, every ACL, then the definition\'s devices', () => {
    expect(failed('after-cgroup')).toEqual([label(), denyAll(), ...defaultList(), acl('allow', '/dev/kvm', '0A:E8', 'rw'), acl('allow', '/dev/sdb', '08:10', 'rw'), pty(), ...tail]);
  });

  it('before the cgroup: labels and the devices only; label generation failing: a failed label record', () => {
    expect(failed('prepare-host')).toEqual([label(), ...tail]);
    expect(failed('command-line')).toEqual([label(), ...tail]);
    expect(failed('labels')).toEqual([label('failed'), ...tail]);
  });

  it('in qemuBuildCommandLine (e.g. a TPM passthrough node it cannot open): the NIC opens of qemuBuildNetCommandLine, before it; none at prepare-host', () => {
    const nic = `<interface type='ethernet'><mac address='52:54:00:12:34:57'/><target dev='tap9' managed='yes'/><model type='virtio'/></interface>`;
    const withNic = parseDomainXml(domainXml(`${BLOCK_DISK}${nic}<serial type='pty'><target port='0'/></serial>`));
    const at = (stage: 'prepare-host' | 'command-line') =>
      wire(auditFailedStart(withNic, { ...options(), stage, seclabels, cgroup: { path: CGROUP } })).filter((line) => line.includes(' reason=open '));
    const open = (path: string, rdev: string) => `${head('net', 'open')} net=52:54:00:12:34:57 path="${path}" rdev=${rdev} res=success`;
    expect(at('command-line')).toEqual([open('/dev/net/tun', '0A:C8'), open('/dev/vhost-net', '0A:EE')]);
    expect(at('prepare-host')).toEqual([]);
  });
});

describe('a rendering made on another host from the same inputs is the same', () => {
  it('whatever the fallback stat says, paths the host values list decide', () => {
    const xml = domainXml(`${BLOCK_DISK}<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='virtio'/></interface>`);
    const render = (stat: StatPath) => wire(auditStart(parseDomainXml(xml), { libvirtVersion: '11.3', hostValues: HOST, stat, vmPid: 9, cgroup: { path: CGROUP } }));
    const elsewhere: StatPath = (path) => (path.startsWith('/dev/') ? char(99, 99) : 'missing');
    expect(render(elsewhere)).toEqual(render(NOT_HERE));
  });
});

describe('a live bridge change (qemuDomainChangeNetBridge)', () => {
  const domain = parseDomainXml(domainXml(''));
  const net = (reason: string, res = 'success') =>
    `${head('net', reason)} old-net=${reason === 'detach' ? '"52:54:00:12:34:56"' : '"?"'} new-net=${reason === 'attach' ? '"52:54:00:12:34:56"' : '"?"'} res=${res}`;

  it('9.0: a detach and an attach; a refused attach puts the NIC back (a second attach)', () => {
    expect(wire(auditNetBridgeChange(domain, '52:54:00:12:34:56'))).toEqual([net('detach'), net('attach')]);
    expect(wire(auditNetBridgeChange(domain, '52:54:00:12:34:56', { success: false }))).toEqual([net('detach'), net('attach', 'failed'), net('attach')]);
  });

  it('11.3 and 12.9 reattach the tap without a record', () => {
    expect(auditNetBridgeChange(domain, '52:54:00:12:34:56', { libvirtVersion: '11.3' })).toEqual([]);
    expect(auditNetBridgeChange(domain, '52:54:00:12:34:56', { libvirtVersion: '12.9' })).toEqual([]);
  });
});

describe('disk images changing under a running guest (qemu_snapshot.c, qemuDomainBlockCopyCommon)', () => {
  const guest = parseDomainXml(domainXml(`<disk type='block' device='disk'><source dev='/dev/vg0/base'/><target dev='vda'/></disk>`));
  const overlay = { target: 'vda', source: { type: 'block', path: '/dev/vg0/top', dataStore: null } };
  const jobOptions = (success = true) => ({ ...options(), cgroup: { path: CGROUP }, success });

  it('an external snapshot: the overlay allowed read-write, then disk reason=snapshot old top → overlay', () => {
    expect(wire(auditDiskSnapshot(guest, [overlay], jobOptions()))).toEqual([
      acl('allow', '/dev/vg0/top', 'FD:02', 'rw'), `${head('disk', 'snapshot')} old-disk="/dev/vg0/base" new-disk="/dev/vg0/top" res=success`,
    ]);
  });

  it('a refused snapshot: the failed record, then the overlay denied', () => {
    expect(wire(auditDiskSnapshot(guest, [overlay], jobOptions(false)))).toEqual([
      acl('allow', '/dev/vg0/top', 'FD:02', 'rw'), `${head('disk', 'snapshot')} old-disk="/dev/vg0/base" new-disk="/dev/vg0/top" res=failed`, acl('deny', '/dev/vg0/top', 'FD:02', 'rwm'),
    ]);
  });

  it('a block copy: the destination chain allowed, then disk reason=mirror with no old image', () => {
    const destination = parseDeviceXml(`<disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='vda'/></disk>`).domain.devices.disks[0]!;
    expect(wire(auditBlockCopy(guest, destination, jobOptions()))).toEqual([acl('allow', '/dev/sdc', '08:20', 'rw'), `${head('disk', 'mirror')} old-disk="?" new-disk="/dev/sdc" res=success`]);
  });

  it('a transient disk at boot: its overlay snapshot after the cgroup, and the start record names the overlay', () => {
    const xml = domainXml(`<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/><target dev='vda'/><transient/></disk>`);
    const lines = wire(auditStart(parseDomainXml(xml), { ...options(), vmPid: 5, cgroup: { path: CGROUP } })).filter((line) => line.includes('resrc=disk'));
    expect(lines).toEqual([
      `${head('disk', 'snapshot')} old-disk="/var/lib/libvirt/images/a.qcow2" new-disk="/var/lib/libvirt/images/a.qcow2.TRANSIENT-rules" res=success`,
      `${head('disk', 'start')} old-disk="?" new-disk="/var/lib/libvirt/images/a.qcow2.TRANSIENT-rules" res=success`,
    ]);
    const restored = wire(auditStart(parseDomainXml(xml), { ...options(), vmPid: 5, reason: 'restored', cgroup: { path: CGROUP } })).filter((line) => line.includes('resrc=disk'));
    expect(restored).toEqual([`${head('disk', 'start')} old-disk="?" new-disk="/var/lib/libvirt/images/a.qcow2" res=success`]);
  });
});

describe('a guest reboot (qemuProcessFakeReboot*)', () => {
  const tdx = parseDomainXml(domainXml('', { extra: "<launchSecurity type='tdx'/>" }));

  it('12.9 recreates a TDX guest: stop destroyed, a whole start, start booted with the new pid', () => {
    const lines = wire(auditReboot(tdx, { ...options('12.9'), vmPid: 5150, cgroup: { path: CGROUP } }));
    expect(lines[0]).toBe(`virt=kvm op=stop reason=destroyed vm="rules" uuid=${UUID} vm-pid=0 res=success`);
    expect(lines.slice(1)).toEqual(wire(auditStart(tdx, { ...options('12.9'), vmPid: 5150, cgroup: { path: CGROUP } })));
    expect(lines.at(-1)).toBe(`virt=kvm op=start reason=booted vm="rules" uuid=${UUID} vm-pid=5150 res=success`);
  });

  it('9.0 and 11.3 reset in place, and other guests too: nothing', () => {
    expect(auditReboot(tdx, { ...options('11.3'), vmPid: 1 })).toEqual([]);
    expect(auditReboot(parseDomainXml(domainXml('')), { ...options('12.9'), vmPid: 1 })).toEqual([]);
  });
});
