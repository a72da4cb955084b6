// The journal replay (test/support/journal-replay.ts) maps every step kind of the contract with the
// capture lab to the builder, passing each step's run-time values and the journal's libvirt version.
import { describe, expect, it } from 'vitest';
import { auditFailedStart, auditHotplug, auditMediaChange, auditResourceUpdate, auditStart, auditStop, parseDeviceXml, parseDomainXml, type EmitInput, type HostValues } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';
import type { GuestJournal } from '../scripts/lab/journal.js';
import { libvirtVersionOf, rebuiltPayloads } from './support/journal-replay.js';

const UUID = '0b5e0a7c-6f43-4c1e-9b55-3b0f7d7e2a11';
const LIVE = `<domain type='qemu'><name>replay</name><uuid>${UUID}</uuid><memory unit='KiB'>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>` +
  `<devices><disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='sda' bus='sata'/></disk></devices></domain>`;
const RUNTIME: HostValues = {
  devices: { '/dev/null': { major: 1, minor: 3, kind: 'char' }, '/dev/kvm': { major: 10, minor: 232, kind: 'char' }, '/dev/userfaultfd': { major: 10, minor: 126, kind: 'char' },
    '/dev/sr0': { major: 11, minor: 0, kind: 'block' }, '/dev/sdc': { major: 8, minor: 32, kind: 'block' }, '/dev/ttyS1': { major: 4, minor: 65, kind: 'char' } },
  cgroupDeviceAcl: ['/dev/null', '/dev/userfaultfd'],
  seclabels: [{ model: 'dac', label: '+64055:+64055', imageLabel: '+64055:+64055' }],
};
const CDROM = `<disk type='block' device='cdrom'><source dev='/dev/sdc'/><target dev='sda' bus='sata'/></disk>`;
const SERIAL = `<serial type='dev'><source path='/dev/ttyS1'/><target port='1'/></serial>`;

const steps = [
  { kind: 'start', reason: 'booted', liveXml: LIVE, vmPid: 41, cgroup: '/cg/', runtime: RUNTIME },
  { kind: 'attach', liveXml: LIVE, deviceXml: SERIAL, cgroup: '/cg/', success: false, runtime: RUNTIME },
  { kind: 'media-change', liveXml: LIVE, deviceXml: CDROM, oldSource: '/dev/sr0', cgroup: '/cg/', runtime: RUNTIME },
  { kind: 'update', resource: 'vcpu', liveXml: LIVE, oldValue: 1, newValue: 3 },
  { kind: 'stop', reason: 'destroyed', liveXml: LIVE },
  { kind: 'failed-start', definitionXml: LIVE, seclabels: RUNTIME.seclabels, stage: 'qemu-refused-device', cgroup: '/cg/', runtime: RUNTIME },
];
const guest = { role: 'replay', name: 'replay', uuid: UUID, exercises: 'every step kind', steps, runningAtEnd: false } as unknown as GuestJournal;

const wire = (records: readonly EmitInput[]) => records.map((record) => `${buildPayload(record)!} res=${String(record.res)}`);

describe('journal replay', () => {
  it('maps every step kind, with its run-time values and the journal\'s libvirt version', () => {
    const live = parseDomainXml(LIVE);
    const options = { libvirtVersion: '12.9' as const, hostValues: RUNTIME };
    const expected = wire([
      ...auditStart(live, { ...options, reason: 'booted', vmPid: 41, cgroup: { path: '/cg/' } }),
      ...auditHotplug(live, parseDeviceXml(SERIAL).domain, 'attach', { ...options, cgroup: { path: '/cg/' }, success: false }),
      ...auditMediaChange(live, parseDeviceXml(CDROM).domain.devices.disks[0]!, { ...options, oldSource: '/dev/sr0', cgroup: { path: '/cg/' } }),
      ...auditResourceUpdate(live, 'vcpu', 1, 3),
      ...auditStop(live, 'destroyed'),
      ...auditFailedStart(live, { ...options, stage: 'after-cgroup', seclabels: RUNTIME.seclabels!, cgroup: { path: '/cg/' } }),
    ]);
    const rebuilt = rebuiltPayloads(guest, { libvirt: '12.9.0' });
    expect(rebuilt).toEqual(expected);
    // the run-time values reached the builder: device numbers of the guest's host, 12.9's list
    expect(rebuilt.filter((line) => line.includes('class=path')).slice(0, 3).map((line) => /path="([^"]+)" rdev=(\S+)/.exec(line)!.slice(1).join(' ')))
      .toEqual(['/dev/null 01:03', '/dev/userfaultfd 0A:7E', '/dev/sr0 0B:00']);
  });

  it('reads the journal\'s libvirt version, and refuses one the builder has no rules for', () => {
    expect(libvirtVersionOf({})).toBe('9.0');
    expect(libvirtVersionOf({ libvirt: '9.0.0' })).toBe('9.0');
    expect(libvirtVersionOf({ libvirt: '11.3.0' })).toBe('11.3');
    expect(libvirtVersionOf({ libvirt: '12.9.0' })).toBe('12.9');
    expect(() => libvirtVersionOf({ libvirt: '10.0.0' })).toThrow(/10\.0\.0.*9\.0, 11\.3, 12\.9/);
    expect(() => libvirtVersionOf({ libvirt: '11.30.0' })).toThrow();
  });
});
