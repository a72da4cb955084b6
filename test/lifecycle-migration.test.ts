// A real live migration between two libvirt versions on one host (npm run capture -- --migration
// --libvirt 11.3|12.9; scripts/lab/migration.ts): the host's libvirtd 9.0 sends a TCG guest to a chroot's
// newer libvirtd, both writing into one auditd. Each side has its own journal; the records of each side
// are those with its libvirtd's pid=. Both must render exactly with the builder of their version: the
// source's start and `op=stop reason=migrated`, the destination's whole start with `reason=migrated`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Journal } from '../scripts/lab/journal.js';
import { diffPayloads } from '../scripts/lab/payload-diff.js';
import { capturedPayloads, readJournal, rebuiltPayloads } from './support/journal-replay.js';
import { EXAMPLES } from './support/examples.js';

const MIGRATIONS = join(EXAMPLES, 'migration');
const captures = existsSync(MIGRATIONS) ? readdirSync(MIGRATIONS).filter((entry) => existsSync(join(MIGRATIONS, entry, 'migration.log'))).sort() : [];

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
    const diff = diffPayloads(captured, rebuiltPayloads(guest, journal));
    expect({ differing: diff.differing, missing: diff.missing, extra: diff.extra }).toEqual({ differing: 0, missing: 0, extra: 0 });
    expect(diff.equal).toBe(captured.length);
    const control = captured.filter((payload) => payload.includes(' op='));
    expect(control.map((payload) => /op=(\w+) reason=(\w+)/.exec(payload)!.slice(1).join(' ')))
      .toEqual(side === 'source' ? ['start booted', 'stop migrated'] : ['start migrated', 'stop destroyed']);
  });

  it('the destination rendered by the source\'s rules (9.0) does not match: the version decides (/dev/userfaultfd)', () => {
    const guest = destination.guests[0]!;
    const captured = capturedPayloads(linesOf(logText, destination.libvirtdPid), guest.uuid);
    const diff = diffPayloads(captured, rebuiltPayloads(guest, { ...destination, libvirt: source.libvirt }));
    expect(diff.missing + diff.differing).toBeGreaterThan(0);
    expect(captured.some((payload) => payload.includes('path="/dev/userfaultfd"'))).toBe(true);
  });

  it('every record of the guest is one side\'s', () => {
    const uuid = source.guests[0]!.uuid;
    const all = capturedPayloads(logText, uuid).length;
    expect(capturedPayloads(linesOf(logText, source.libvirtdPid), uuid).length + capturedPayloads(linesOf(logText, destination.libvirtdPid), uuid).length).toBe(all);
  });
});
