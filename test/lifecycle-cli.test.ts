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

  it('usage errors exit 2', () => {
    expect(runCli(['lifecycle', 'start', '--domain', DEVICES]).status).toBe(2);
    expect(runCli(['lifecycle', 'start', '--domain', '/nonexistent.xml', '--vm-pid', '1']).status).toBe(2);
    expect(runCli(['lifecycle', 'stop', '--domain', DEVICES, '--reason', 'exploded']).status).toBe(2);
  });
});
