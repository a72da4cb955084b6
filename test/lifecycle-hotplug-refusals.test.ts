// Hot-plug steps libvirt refuses, and which of them it audits (src/qemu/qemu_hotplug.c, 9.0 to 12.9):
// a floppy is never hot-plugged (qemuDomainAttachDeviceDiskLiveInternal) and only some disks can be
// unplugged (qemuDomainDetachPrepDisk) — both refused before any audit call; a detach QEMU refuses after
// libvirt asked for it (qemuDomainDetachDeviceLive → qemuDomainRemoveAuditDevice) is the device's
// record with res=failed and nothing else. The real captures of each are in examples/matrix (guests
// `floppy` and `failed-detach`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditHotplug, parseDeviceXml, parseDomainXml, type EmitInput, type LibvirtVersion } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';

const UUID = '0b7c2d61-55a3-4c1e-9f7a-3a1c5e0d9b42';
const CGROUP = '/sys/fs/cgroup/machine.slice/machine-qemu\\x2d3\\x2drefusals.scope/libvirt/';
const wire = (records: readonly EmitInput[]) => records.map((record) => `${buildPayload(record)!} res=${String(record.res)}`);
const guest = (devices: string) =>
  parseDomainXml(`<domain type='qemu'><name>refusals</name><uuid>${UUID}</uuid><memory unit='KiB'>131072</memory><vcpu>1</vcpu>`
    + `<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`);
const disk = (device: string, bus: string | null, target: string, path: string) =>
  `<disk type='block' device='${device}'><driver name='qemu' type='raw'/><source dev='${path}'/><target dev='${target}'${bus === null ? '' : ` bus='${bus}'`}/></disk>`;
/** The disks' node is a block device (an accepted detach denies it after the record); nothing else exists. */
const options = (version: LibvirtVersion, success?: boolean) => ({
  libvirtVersion: version, cgroup: { path: CGROUP }, ...(success === undefined ? {} : { success }),
  stat: (path: string) => (path === '/dev/loop4' ? { major: 7, minor: 4, kind: 'block' as const } : 'missing' as const),
});
const detach = (live: string, given: string, version: LibvirtVersion = '9.0', success?: boolean) =>
  wire(auditHotplug(guest(live), parseDeviceXml(given).domain, 'detach', options(version, success)));
const VERSIONS: readonly LibvirtVersion[] = ['9.0', '11.3', '12.9'];

describe('qemuDomainDetachPrepDisk: which disks can be unplugged', () => {
  it.each(VERSIONS)('%s: a floppy, an IDE or SATA disk and an IDE cdrom are refused before any audit', (version) => {
    for (const [device, bus, target] of [['floppy', 'fdc', 'fda'], ['disk', 'ide', 'hdb'], ['disk', 'sata', 'sda'], ['cdrom', 'ide', 'hdc'], ['cdrom', 'sata', 'sdb']] as const) {
      const xml = disk(device, bus, target, '/dev/loop4');
      expect(detach(xml, xml, version), `${device} on ${bus}`).toEqual([]);
    }
  });

  it('virtio, usb and scsi disks, usb and scsi cdroms are unplugged: the record, then the deny', () => {
    for (const [device, bus, target] of [['disk', 'virtio', 'vdb'], ['disk', 'usb', 'sda'], ['lun', 'scsi', 'sdc'], ['cdrom', 'usb', 'sdd'], ['cdrom', 'scsi', 'sde']] as const) {
      const xml = disk(device, bus, target, '/dev/loop4');
      const lines = detach(xml, xml);
      expect(lines[0], `${device} on ${bus}`).toBe(`virt=qemu resrc=disk reason=detach vm="refusals" uuid=${UUID} old-disk="/dev/loop4" new-disk="?" res=success`);
      expect(lines[1]).toMatch(/^virt=qemu resrc=cgroup reason=deny .* path="\/dev\/loop4" rdev=07:04 acl=rwm res=success$/);
    }
  });

  it("judges the guest's disk of that target, not the XML given to the detach", () => {
    // the live disk is an IDE one: a detach XML that says virtio for the same target is still refused
    expect(detach(disk('disk', 'ide', 'hdb', '/dev/loop4'), disk('disk', 'virtio', 'hdb', '/dev/loop4'))).toEqual([]);
    // and the other way round
    expect(detach(disk('disk', 'virtio', 'vdb', '/dev/loop4'), disk('disk', 'ide', 'vdb', '/dev/loop4'))).toHaveLength(2);
  });

  it("a disk without <target bus=…> takes libvirt's default from its name (virDomainDiskDefPostParse)", () => {
    fc.assert(fc.property(fc.constantFrom('hd', 'sd', 'vd', 'xvd', 'ubd', 'fd'), fc.constantFrom('a', 'b', 'c', 'z'), (prefix, letter) => {
      const device = prefix === 'fd' ? 'floppy' : 'disk';
      const xml = disk(device, null, `${prefix}${letter}`, '/dev/loop4');
      const unpluggable = prefix === 'sd' || prefix === 'vd';
      expect(detach(xml, xml).length > 0).toBe(unpluggable);
    }));
  });
});

describe('a floppy', () => {
  it.each(VERSIONS)('%s: is never hot-plugged: the attach writes nothing, whatever QEMU would say', (version) => {
    const root = disk('disk', 'virtio', 'vda', '/dev/loop1');
    for (const success of [true, false]) {
      expect(wire(auditHotplug(guest(root), parseDeviceXml(disk('floppy', 'fdc', 'fdb', '/dev/loop2')).domain, 'attach', options(version, success)))).toEqual([]);
    }
  });
});

describe('a detach QEMU refuses (qemuDomainRemoveAuditDevice)', () => {
  it.each(VERSIONS)('%s: the device record with res=failed, no deny', (version) => {
    const xml = disk('disk', 'virtio', 'vdb', '/dev/loop4');
    expect(detach(xml, xml, version, false)).toEqual([`virt=qemu resrc=disk reason=detach vm="refusals" uuid=${UUID} old-disk="/dev/loop4" new-disk="?" res=failed`]);
  });

  it('a refused DIMM unplug is the memory update, failed, from the total with the module to the total without', () => {
    const dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>";
    const live = guest(disk('disk', 'virtio', 'vda', '/dev/loop1') + dimm);
    expect(wire(auditHotplug(live, parseDeviceXml(dimm).domain, 'detach', options('9.0', false)))).toEqual([
      `virt=qemu resrc=mem reason=update vm="refusals" uuid=${UUID} old-mem=${live.memoryKiB} new-mem=${live.memoryKiB - 131072} res=failed`,
    ]);
  });
});

describe('an attach that fails between the cgroup allow and QEMU (failedBeforeQemu)', () => {
  // qemu_hotplug.c, 9.0 and 11.3: a failure after qemuSetup*Cgroup / …ChainAccessAllow and before the monitor
  // (labels, namespace, address, props) jumps to cleanup/error, past the virDomainAudit* call, to the teardown
  const DEVICES = [
    disk('disk', 'virtio', 'vdb', '/dev/loop4'),
    `<serial type='dev'><source path='/dev/loop4'/><target port='1'/></serial>`,
    `<input type='evdev'><source dev='/dev/loop4'/></input>`,
    `<rng model='virtio'><backend model='random'>/dev/loop4</backend></rng>`,
    `<filesystem type='mount'><source dir='/srv/share'/><target dir='share'/></filesystem>`,
  ];
  const attach = (xml: string, version: LibvirtVersion, failure: { success?: boolean; failedBeforeQemu?: boolean }) =>
    auditHotplug(guest(''), parseDeviceXml(xml).domain, 'attach', { ...options(version), ...failure });

  it.each(VERSIONS)('%s: the allow and the deny of a refused attach, without its device record', (version) => {
    for (const xml of DEVICES) {
      const refused = attach(xml, version, { success: false });
      const before = attach(xml, version, { failedBeforeQemu: true });
      expect(wire(before), xml).toEqual(wire(refused.filter((record) => record.resrc === 'cgroup')));
      expect(before.every((record) => record.res === 'success'), xml).toBe(true);
    }
  });

  it('a block disk: allow rw… then deny, nothing of the disk itself', () => {
    const lines = wire(attach(DEVICES[0]!, '9.0', { failedBeforeQemu: true }));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^virt=qemu resrc=cgroup reason=allow .* path="\/dev\/loop4" rdev=07:04 acl=rw res=success$/);
    expect(lines[1]).toMatch(/^virt=qemu resrc=cgroup reason=deny .* path="\/dev\/loop4" rdev=07:04 acl=rwm res=success$/);
  });

  it('is an attach failure only', () => {
    expect(() => auditHotplug(guest(DEVICES[0]!), parseDeviceXml(DEVICES[0]!).domain, 'detach', { ...options('9.0'), failedBeforeQemu: true })).toThrow(TypeError);
  });
});
