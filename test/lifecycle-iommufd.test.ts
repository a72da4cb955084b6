// iommufd PCI hostdevs (`<driver name='vfio' iommufd='yes'/>`), libvirt 12.9 — from code, no capture (no
// iommufd-capable device here). 12.9's source is not reachable from this machine (Debian's pool answers
// 404 for libvirt_12.9.0-1~bpo13+1, the code index holds no 12.x qemu_*.c); the rules were read from
// Debian's 12.9 binaries, objdump -d (docs/libvirt-rules.md, "iommufd"):
// - qemuSetupHostdevCgroup returns 0 first when virHostdevIsPCIDeviceWithIOMMUFD (subsystem PCI, driver
//   vfio, iommufd yes): libvirt opens /dev/iommu (virIOMMUFDOpenDevice) and the VFIO cdev
//   (virPCIDeviceOpenVfioFd) itself and hands QEMU descriptors — nothing is allowed, nothing audited;
// - qemuTeardownHostdevCgroup has no such test: qemuDomainGetHostdevPath still gives the IOMMU group's
//   node, which is denied rwm; virHostdevNeedsVFIO is false for it, so /dev/vfio/vfio is not denied;
// - qemuDomainNeedsVFIO counts PCI hostdevs *without* iommufd (virDomainDefHasPCIHostdevWithoutIOMMUFD);
// - qemuDomainAttachHostPCIDevice calls qemuSetupHostdevCgroup unchanged (no iommufd test at the call
//   site), opens the VFIO cdev and /dev/iommu (qemuProcessOpenVfioDeviceFd, qemuProcessOpenIommuFd), and
//   when QEMU refuses the device (qemuMonitorAddDeviceProps, or the iommufd object before it) writes
//   virDomainAuditHostdev(…, "attach", false) and then calls qemuTeardownHostdevCgroup, as 9.0 and 11.3 do.
// 9.0 and 11.3 have no iommufd: the attribute changes nothing there.
import { describe, expect, it } from 'vitest';
import { auditHotplug, auditStart, parseDeviceXml, parseDomainXml, type EmitInput, type HostValues, type LibvirtVersion } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';

const UUID = '2c9e7a14-0d3b-4f6a-8b51-7e4d3c2b1a09';
const CGROUP = '/sys/fs/cgroup/machine.slice/machine-qemu\\x2d4\\x2diommufd.scope/libvirt/';
const char = (major: number, minor: number) => ({ major, minor, kind: 'char' as const });
const HOST: HostValues = {
  devices: {
    '/dev/null': char(1, 3), '/dev/full': char(1, 7), '/dev/zero': char(1, 5), '/dev/random': char(1, 8), '/dev/urandom': char(1, 9),
    '/dev/ptmx': char(5, 2), '/dev/kvm': char(10, 232), '/dev/userfaultfd': char(10, 126), '/dev/iommu': char(10, 123),
    '/dev/vfio/12': char(243, 0), '/dev/vfio/13': char(243, 1), '/dev/vfio/vfio': char(10, 196), '/dev/vfio/devices/vfio0': char(237, 0),
  },
  hostdevPaths: { '0000:01:00.0': '/dev/vfio/12', '0000:02:00.0': '/dev/vfio/13' },
};
const VFIO_PATHS = ['/dev/vfio/12', '/dev/vfio/13', '/dev/vfio/vfio', '/dev/iommu', '/dev/vfio/devices/vfio0'];
const hostdev = (bus: string, iommufd: string | null) =>
  `<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'${iommufd === null ? '' : ` iommufd='${iommufd}'`}/>`
  + `<source><address domain='0x0000' bus='${bus}' slot='0x00' function='0x0'/></source></hostdev>`;
const guest = (devices: string) => parseDomainXml(`<domain type='kvm'><name>iommufd</name><uuid>${UUID}</uuid><memory unit='KiB'>1048576</memory>`
  + `<vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${devices}</devices></domain>`);
const options = (version: LibvirtVersion) => ({ libvirtVersion: version, hostValues: HOST, stat: () => 'not-a-device' as const, cgroup: { path: CGROUP } });
const wire = (records: readonly EmitInput[]) => records.map((record) => `${buildPayload(record)!} res=${String(record.res)}`);
/** The cgroup records that name a VFIO or iommufd node, as "reason path acl". */
const vfioAcls = (records: readonly EmitInput[]) => wire(records).flatMap((line) => {
  const match = /resrc=cgroup reason=(\w+) .*path="([^"]+)" rdev=\S+ acl=(\w+)/.exec(line);
  return match && VFIO_PATHS.includes(match[2]!) ? [`${match[1]} ${match[2]} ${match[3]}`] : [];
});
const hostdevRecord = (reason: string, device: string, res: string) => expect.stringMatching(new RegExp(`resrc=dev reason=${reason} .*bus=pci device="${device.replace(/[.]/g, '\\.')}" res=${res}$`));

describe('qemuSetupHostdevCgroup (start, attach)', () => {
  it('12.9: a hostdev through iommufd is allowed nothing — no group node, no container, no /dev/iommu, no cdev', () => {
    const records = auditStart(guest(hostdev('0x01', 'yes')), { ...options('12.9'), vmPid: 4711 });
    expect(vfioAcls(records)).toEqual([]);
    expect(wire(records)).toContainEqual(hostdevRecord('start', '0000:01:00.0', 'success'));
  });

  it.each(['9.0', '11.3'] as const)('%s: no iommufd in this release — the group node and the container, as for any VFIO hostdev', (version) => {
    expect(vfioAcls(auditStart(guest(hostdev('0x01', 'yes')), { ...options(version), vmPid: 4711 }))).toEqual(['allow /dev/vfio/12 rw', 'allow /dev/vfio/vfio rw']);
  });

  it("12.9: iommufd='no' (or absent) is plain VFIO", () => {
    for (const iommufd of ['no', null]) {
      expect(vfioAcls(auditStart(guest(hostdev('0x01', iommufd)), { ...options('12.9'), vmPid: 4711 }))).toEqual(['allow /dev/vfio/12 rw', 'allow /dev/vfio/vfio rw']);
    }
  });

  it('12.9 qemuDomainAttachHostPCIDevice: attached through iommufd: the hostdev record alone; refused by QEMU: the failed record, then qemuTeardownHostdevCgroup denies the group node (it has no iommufd test)', () => {
    const device = parseDeviceXml(hostdev('0x01', 'yes')).domain;
    expect(wire(auditHotplug(guest(''), device, 'attach', options('12.9')))).toEqual([hostdevRecord('attach', '0000:01:00.0', 'success')]);
    const failed = auditHotplug(guest(''), device, 'attach', { ...options('12.9'), success: false });
    expect(wire(failed)[0]).toEqual(hostdevRecord('attach', '0000:01:00.0', 'failed'));
    expect(vfioAcls(failed)).toEqual(['deny /dev/vfio/12 rwm']);
  });
});

describe('qemuTeardownHostdevCgroup and qemuDomainNeedsVFIO (detach)', () => {
  it('12.9: detached from iommufd: the record, then its group node denied rwm; the container is not its to deny', () => {
    const records = auditHotplug(guest(hostdev('0x01', 'yes')), parseDeviceXml(hostdev('0x01', 'yes')).domain, 'detach', options('12.9'));
    expect(wire(records)[0]).toEqual(hostdevRecord('detach', '0000:01:00.0', 'success'));
    expect(vfioAcls(records)).toEqual(['deny /dev/vfio/12 rwm']);
  });

  it('12.9: a plain VFIO hostdev leaving a guest whose other hostdev uses iommufd takes the container with it; 9.0 and 11.3 keep it', () => {
    const live = guest(hostdev('0x01', null) + hostdev('0x02', 'yes'));
    const detach = (version: LibvirtVersion) => vfioAcls(auditHotplug(live, parseDeviceXml(hostdev('0x01', null)).domain, 'detach', options(version)));
    expect(detach('12.9')).toEqual(['deny /dev/vfio/12 rwm', 'deny /dev/vfio/vfio rwm']);
    expect(detach('11.3')).toEqual(['deny /dev/vfio/12 rwm']);
    expect(detach('9.0')).toEqual(['deny /dev/vfio/12 rwm']);
  });
});
