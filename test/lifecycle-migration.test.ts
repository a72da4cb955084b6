// A real live migration between two libvirt versions on one host (npm run capture -- --migration
// --libvirt 11.3|12.9; scripts/lab/migration.ts): the host's libvirtd 9.0 sends a TCG guest to a chroot's
// newer libvirtd, both writing into one auditd. Each side has its own journal; the records of each side
// are those with its libvirtd's pid=. Both must render exactly with the builder of their version: the
// source's start and `op=stop reason=migrated`, the destination's whole start with `reason=migrated`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GuestJournal, Journal } from '../scripts/lab/journal.js';
import { diffPayloads } from '../scripts/lab/payload-diff.js';
import { capturedPayloads, readJournal, rebuiltPayloads } from './support/journal-replay.js';
import { EXAMPLES } from './support/examples.js';

const MIGRATIONS = join(EXAMPLES, 'migration');
const captures = existsSync(MIGRATIONS) ? readdirSync(MIGRATIONS).filter((entry) => existsSync(join(MIGRATIONS, entry, 'migration.log'))).sort() : [];

/**
 * The source journal of libvirt-9.0-to-11.3 was written when the lab took the first cgroup2 mount of
 * its host for a guest's cgroup; libvirt keeps the last one (virCgroupV2DetectMounts), which with the
 * destination's chroot mounted is the chroot's bind of the same tree. The lab now records the last
 * (guestCgroupPath). Until that capture is re-made, a start whose journaled cgroup is that same
 * directory seen through the chroot's mount takes the one libvirt printed; any other difference stands.
 */
function withPrintedCgroup(guest: GuestJournal, captured: readonly string[]): GuestJournal {
  const printed = captured.map((payload) => /resrc=cgroup .*?cgroup="([^"]+)"/.exec(payload)?.[1]).find((path) => path !== undefined);
  const steps = guest.steps.map((step) => {
    if (step.kind !== 'start' || printed === undefined || step.cgroup === null || printed === step.cgroup) return step;
    return /^\/var\/cache\/virt-audit\/trixie-[\d.]+$/.test(printed.slice(0, -step.cgroup.length)) && printed.endsWith(step.cgroup) ? { ...step, cgroup: printed } : step;
  });
  return { ...guest, steps };
}

/** The lines one libvirtd wrote (its pid=). */
const linesOf = (logText: string, pid: number | undefined) => logText.split('\n').filter((line) => line.includes(` pid=${pid} `)).join('\n');

describe('stored migration captures', () => {
  it('exist', () => {
    expect(captures.length).toBeGreaterThan(0);
  });
});

describe.each(captures)('migration %s', (capture) => {
  const directory = join(MIGRATIONS, capture);
  const logText = readFileSync(join(directory, 'migration.log'), 'latin1');
  const source: Journal = readJournal(join(directory, 'source.journal.json'));
  const destination: Journal = readJournal(join(directory, 'destination.journal.json'));

  it('two libvirtds of two versions, one guest on each side', () => {
    expect(source.libvirt).toMatch(/^9\.0\./);
    expect(destination.libvirt).not.toBe(source.libvirt);
    expect(destination.libvirtdPid).not.toBe(source.libvirtdPid);
    expect(source.guests.map((guest) => guest.uuid)).toEqual(destination.guests.map((guest) => guest.uuid));
    expect(source.guests[0]!.steps.map((step) => [step.kind, 'reason' in step ? step.reason : ''])).toEqual([['start', 'booted'], ['stop', 'migrated']]);
    expect(destination.guests[0]!.steps.map((step) => [step.kind, 'reason' in step ? step.reason : ''])).toEqual([['start', 'migrated'], ['stop', 'destroyed']]);
  });

  it.each(['source', 'destination'] as const)('the %s side renders exactly, record for record, by its libvirt version', (side) => {
    const journal = side === 'source' ? source : destination;
    const guest = journal.guests[0]!;
    const captured = capturedPayloads(linesOf(logText, journal.libvirtdPid), guest.uuid);
    const diff = diffPayloads(captured, rebuiltPayloads(withPrintedCgroup(guest, captured), journal));
    expect({ differing: diff.differing, missing: diff.missing, extra: diff.extra }).toEqual({ differing: 0, missing: 0, extra: 0 });
    expect(diff.equal).toBe(captured.length);
    const control = captured.filter((payload) => payload.includes(' op='));
    expect(control.map((payload) => /op=(\w+) reason=(\w+)/.exec(payload)!.slice(1).join(' ')))
      .toEqual(side === 'source' ? ['start booted', 'stop migrated'] : ['start migrated', 'stop destroyed']);
  });

  it('every record of the guest is one side\'s', () => {
    const uuid = source.guests[0]!.uuid;
    const all = capturedPayloads(logText, uuid).length;
    expect(capturedPayloads(linesOf(logText, source.libvirtdPid), uuid).length + capturedPayloads(linesOf(logText, destination.libvirtdPid), uuid).length).toBe(all);
  });
});
