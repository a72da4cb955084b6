import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from './support/examples.js';
import { runCli } from './support/cli.js';
import { readJournal } from './support/journal-replay.js';

/** The live XML libvirt gave the capture's devices guest when it started. */
function devicesGuestXml(): string {
  const start = readJournal(`${EXAMPLES}libvirt-capture.raw.journal.json`).guests.find((guest) => guest.role === 'devices')?.steps[0];
  if (start?.kind !== 'start') throw new Error('the capture journal has no start of the devices guest');
  const file = join(mkdtempSync(join(tmpdir(), 'virt-audit-lifecycle-')), 'devices.xml');
  writeFileSync(file, start.liveXml);
  return file;
}

const DEVICES = devicesGuestXml();

const scratch = mkdtempSync(join(tmpdir(), 'virt-audit-lifecycle-'));
const file = (name: string, text: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};
const UUID = '4dea22b3-1d52-d8f3-2516-782e98ab3fa0';
const GUEST = file('guest.xml', `<domain type='qemu'><name>cli</name><uuid>${UUID}</uuid><memory unit='KiB'>524288</memory><vcpu>1</vcpu>` +
  `<os><type>hvm</type></os><devices><disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='sda' bus='sata'/></disk></devices></domain>`);
const HOST_VALUES = file('host.json', JSON.stringify({
  devices: { '/dev/null': { major: 1, minor: 3, kind: 'char' }, '/dev/kvm': { major: 10, minor: 232, kind: 'char' },
    '/dev/userfaultfd': { major: 10, minor: 126, kind: 'char' }, '/dev/sr0': { major: 11, minor: 0, kind: 'block' }, '/dev/sdc': { major: 8, minor: 32, kind: 'block' } },
  cgroupDeviceAcl: ['/dev/null', '/dev/kvm', '/dev/userfaultfd'],
}));
const lines = (stdout: string) => stdout.trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('virt-audit lifecycle | emit | verify', () => {
  it('prints one NDJSON record per libvirt record of a start, which emit turns into valid audit.log lines', () => {
    const records = runCli(['lifecycle', 'start', '--domain', DEVICES, '--vm-pid', '4242', '--cgroup', '/sys/fs/cgroup/machine/qemu-9-x/']);
    expect(records.status).toBe(0);
    const lines = records.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(0)).toMatchObject({ type: 'VIRT_MACHINE_ID', model: 'dac' });
    expect(lines.at(-1)).toMatchObject({ type: 'VIRT_CONTROL', op: 'start', reason: 'booted', 'vm-pid': 4242, res: 'success' });
    const emitted = runCli(['emit', '--sink', 'stdout'], records.stdout);
    expect(emitted.status).toBe(0);
    expect(emitted.stdout.trim().split('\n')).toHaveLength(lines.length);
    const verified = JSON.parse(runCli(['verify', '--format', 'json', '-'], emitted.stdout).stdout) as { summary: { virtRecords: number; valid: number } };
    expect(verified.summary).toMatchObject({ virtRecords: lines.length, valid: lines.length });
  });

  it('stop, attach and update records', () => {
    expect(JSON.parse(runCli(['lifecycle', 'stop', '--domain', DEVICES, '--reason', 'saved']).stdout)).toMatchObject({ op: 'stop', reason: 'saved', 'vm-pid': 0 });
    const update = JSON.parse(runCli(['lifecycle', 'update', '--domain', DEVICES, '--resource', 'mem', '--old', '131072', '--new', '262144']).stdout);
    expect(update).toMatchObject({ resrc: 'mem', reason: 'update', 'old-mem': 131072, 'new-mem': 262144 });
  });

  it('--libvirt and --host-values: the ACL list and device numbers are the guest host\'s, whatever this host has', () => {
    const run = (version: string) => lines(runCli(['lifecycle', 'start', '--domain', GUEST, '--vm-pid', '7', '--cgroup', '/cg/', '--libvirt', version, '--host-values', HOST_VALUES]).stdout)
      .filter((record) => record.class === 'path').map((record) => `${String(record.path)} ${String(record.rdev)} ${String(record.acl)}`);
    expect(run('9.0')).toEqual(['/dev/null 01:03 rw', '/dev/kvm 0A:E8 rw', '/dev/userfaultfd 0A:7E rw', '/dev/sr0 0B:00 r']);
    expect(run('12.9')).toEqual(['/dev/null 01:03 rw', '/dev/kvm 0A:E8 rw', '/dev/userfaultfd 0A:7E rw', '/dev/sr0 0B:00 r']);
  });

  it('failed-start, change-media and a vCPU change as subcommands', () => {
    const failed = lines(runCli(['lifecycle', 'failed-start', '--domain', GUEST, '--stage', 'after-cgroup', '--cgroup', '/cg/', '--host-values', HOST_VALUES]).stdout);
    expect(failed.at(-1)).toMatchObject({ op: 'start', 'vm-pid': 0, res: 'failed' });
    expect(failed.some((record) => record.class === 'all')).toBe(true);
    const media = file('media.xml', `<disk type='block' device='cdrom'><source dev='/dev/sdc'/><target dev='sda' bus='sata'/></disk>`);
    expect(lines(runCli(['lifecycle', 'change-media', '--domain', GUEST, '--device', media, '--cgroup', '/cg/', '--host-values', HOST_VALUES]).stdout).map((record) => record.reason))
      .toEqual(['allow', 'update', 'deny']);
    expect(lines(runCli(['lifecycle', 'update', '--domain', GUEST, '--resource', 'vcpu', '--old', '1', '--new', '3']).stdout).map((record) => record['new-vcpu'])).toEqual([2, 3]);
  });

  it('attach --failed and --failed-before-qemu: the refused device record between allow and deny, or no device record', () => {
    const media = file('attach.xml', `<disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='sdb' bus='scsi'/></disk>`);
    const reasons = (flag: string) => lines(runCli(['lifecycle', 'attach', '--domain', GUEST, '--device', media, flag, '--cgroup', '/cg/', '--host-values', HOST_VALUES]).stdout)
      .map((record) => `${String(record.resrc)} ${String(record.reason)} ${String(record.res)}`);
    expect(reasons('--failed')).toEqual(['cgroup allow success', 'disk attach failed', 'cgroup deny success']);
    expect(reasons('--failed-before-qemu')).toEqual(['cgroup allow success', 'cgroup deny success']);
    const both = runCli(['lifecycle', 'attach', '--domain', GUEST, '--device', media, '--failed', '--failed-before-qemu']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/exclude each other/);
  });

  it('bridge-change by version, disk-snapshot and block-copy as subcommands', () => {
    const reasons = (args: string[]) => lines(runCli(['lifecycle', ...args]).stdout || '').map((record) => `${String(record.resrc)} ${String(record.reason)}`);
    expect(reasons(['bridge-change', '--domain', GUEST, '--mac', '52:54:00:00:00:01'])).toEqual(['net detach', 'net attach']);
    expect(runCli(['lifecycle', 'bridge-change', '--domain', GUEST, '--mac', '52:54:00:00:00:01', '--libvirt', '11.3']).stdout).toBe('');
    expect(reasons(['disk-snapshot', '--domain', GUEST, '--overlay', 'sda=/dev/sdc', '--cgroup', '/cg/', '--host-values', HOST_VALUES])).toEqual(['cgroup allow', 'disk snapshot']);
    const copy = file('copy.xml', `<disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='sda'/></disk>`);
    expect(reasons(['block-copy', '--domain', GUEST, '--device', copy, '--host-values', HOST_VALUES])).toEqual(['disk mirror']);
  });

  it('a bad host-values file is refused naming the file and the field', () => {
    const bad = file('bad.json', JSON.stringify({ devices: { '/dev/kvm': { major: 10, minor: 232, kind: 'pipe' } } }));
    const result = runCli(['lifecycle', 'start', '--domain', GUEST, '--vm-pid', '1', '--host-values', bad]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${bad}: host values: devices["/dev/kvm"] kind must be "char" or "block"`);
    expect(runCli(['lifecycle', 'start', '--domain', GUEST, '--vm-pid', '1', '--libvirt', '10.0']).status).toBe(2);
    const noUuid = file('no-uuid.xml', `<domain type='kvm'><name>x</name><memory>1</memory></domain>`);
    const refused = runCli(['lifecycle', 'stop', '--domain', noUuid]);
    expect([refused.status, refused.stderr]).toEqual([2, `virt-audit: ${noUuid}: domain XML needs <name> and <uuid> (libvirt fills in the UUID on define)\n`]);
  });

  it('usage errors exit 2', () => {
    expect(runCli(['lifecycle', 'start', '--domain', DEVICES]).status).toBe(2);
    expect(runCli(['lifecycle', 'start', '--domain', '/nonexistent.xml', '--vm-pid', '1']).status).toBe(2);
    expect(runCli(['lifecycle', 'stop', '--domain', DEVICES, '--reason', 'exploded']).status).toBe(2);
  });
});
