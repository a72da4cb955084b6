// Every stored real capture (examples/: the lab scenario under libvirt 9.0, 11.3 and 12.9, and the capture
// matrix under each) against the lifecycle builder's rendering of its journal, step by step — no
// daemon. Per guest it prints how many records are equal, differing, missing (libvirt wrote them, the
// builder did not render them) and extra (rendered, never written). It checks that the journals hold
// what the lab read on the capture host (each captured device number, the writing libvirtd's pid) and
// that the counts are reported correctly; once the builder of issue 14 is merged, STRICT_BUILDER_PARITY
// (test/support/builder-parity.ts) makes every count but "equal" 0.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../src/index.js';
import type { Journal } from '../scripts/lab/journal.js';
import { compareJournal, comparisonDetails, comparisonTable, diffPayloads, recordKind } from '../scripts/lab/payload-diff.js';
import { STRICT_BUILDER_PARITY } from './support/builder-parity.js';
import { EXAMPLES_CAPTURE_HOST } from './support/capture-host.js';
import { capturedPayloads, readJournal, rebuiltPayloads } from './support/journal-replay.js';
import { EXAMPLES } from './support/examples.js';


interface StoredCapture {
  readonly name: string;
  readonly log: string;
  readonly journal: string;
  readonly matrix: boolean;
}

/** Every capture + journal pair under examples/ (the scenario's at the top and per libvirt version, the matrix's). */
function storedCaptures(): StoredCapture[] {
  const found: StoredCapture[] = [];
  const pairs = (directory: string, matrix: boolean) => {
    if (!existsSync(directory) || !statSync(directory).isDirectory()) return;
    for (const file of readdirSync(directory).sort()) {
      if (!file.endsWith('.journal.json')) continue;
      const stem = file.slice(0, -'.journal.json'.length);
      const log = join(directory, `${stem}.log`);
      if (existsSync(log)) found.push({ name: join(directory.slice(EXAMPLES.length), stem) || stem, log, journal: join(directory, file), matrix });
    }
  };
  pairs(EXAMPLES, false);
  for (const entry of readdirSync(EXAMPLES).sort()) if (/^libvirt-\d/.test(entry)) pairs(join(EXAMPLES, entry), false);
  const matrix = join(EXAMPLES, 'matrix');
  if (existsSync(matrix)) for (const entry of readdirSync(matrix).sort()) pairs(join(matrix, entry), true);
  return found;
}

/** The VIRT records of a capture that name a UUID, parsed. */
function virtRecords(logText: string, file: string) {
  return logText.split('\n').flatMap((line, index) => {
    if (!line.includes('type=VIRT_')) return [];
    const parsed = parseLine(line, { file, line: index + 1 });
    return parsed.kind === 'record' && typeof parsed.record.value('uuid') === 'string' ? [{ line, record: parsed.record }] : [];
  });
}

const captures = storedCaptures();

describe('the stored captures', () => {
  it('include the lab scenario and the matrix of every libvirt version the lab runs', () => {
    const names = captures.map((capture) => capture.name);
    expect(names).toEqual(expect.arrayContaining(['libvirt-capture.raw', 'libvirt-capture.enriched']));
    expect(captures.filter((capture) => capture.matrix).length).toBeGreaterThan(0);
  });
});

describe.each(captures)('capture $name', (capture) => {
  const journal: Journal = readJournal(capture.journal);
  const logText = readFileSync(capture.log, 'latin1');
  const records = virtRecords(logText, capture.log);

  it('every record of a journaled guest was written by the libvirtd the journal names (pid=)', () => {
    if (journal.libvirtdPid === undefined) return; // a journal from before the lab recorded it
    const uuids = new Set(journal.guests.map((guest) => guest.uuid));
    const pids = new Set(records.filter(({ record }) => uuids.has(record.value('uuid') as string)).map(({ line }) => /\bpid=(\d+)/.exec(line)?.[1]));
    expect([...pids]).toEqual([String(journal.libvirtdPid)]);
  });

  it.runIf(capture.matrix)('every guest that wrote records is journaled, with its libvirt version', () => {
    expect(journal.libvirt).toMatch(/^\d+\.\d+\.\d+$/);
    expect(journal.host.kernel).not.toBe('');
    const journaled = new Set(journal.guests.map((guest) => guest.uuid));
    expect(records.map(({ record }) => record.value('uuid')).filter((uuid) => !journaled.has(uuid as string))).toEqual([]);
  });

  it("the journal's device numbers are the ones libvirt wrote in its cgroup records", () => {
    const checked = journal.guests.flatMap((guest) => {
      const recorded = new Map<string, string>();
      for (const step of guest.steps) {
        if (!('runtime' in step) || !step.runtime?.devices) continue;
        for (const [path, number] of Object.entries(step.runtime.devices)) {
          if (number === 'missing') recorded.set(path, '?');
          else if (number) recorded.set(path, `${number.major.toString(16).padStart(2, '0')}:${number.minor.toString(16).padStart(2, '0')}`.toUpperCase());
        }
      }
      if (recorded.size === 0) return [];
      return records.flatMap(({ record }) => {
        const path = record.value('path');
        const rdev = record.value('rdev');
        if (record.value('uuid') !== guest.uuid || record.value('resrc') !== 'cgroup' || typeof path !== 'string' || typeof rdev !== 'string') return [];
        return [{ guest: guest.role, path, libvirt: rdev, journal: recorded.get(path) ?? 'not recorded' }];
      });
    });
    expect(checked.filter((entry) => entry.libvirt !== entry.journal)).toEqual([]);
    if (journal.guests.some((guest) => guest.steps.some((step) => 'runtime' in step && step.runtime))) expect(checked.length).toBeGreaterThan(0);
  });

  it('each guest compared with the builder, step by step (table printed)', () => {
    const rows = compareJournal(journal, (guest) => capturedPayloads(logText, guest.uuid, capture.log), (guest) => rebuiltPayloads(guest, journal, journal.libvirt === undefined ? EXAMPLES_CAPTURE_HOST : undefined));
    console.log(comparisonTable(`${capture.name} (libvirt ${journal.libvirt ?? 'not recorded'}): records per guest`, rows));
    for (const row of rows) {
      expect(row.equal + row.differing + row.missing, `${row.role}: every record libvirt wrote is counted once`).toBe(row.captured);
      expect(row.equal + row.differing + row.extra, `${row.role}: every record the builder rendered is counted once`).toBe(row.rebuilt);
      // Journals from before the lab recorded run-time values (no `libvirt` field: examples/libvirt-capture.*,
      // captured where /dev/kvm existed) take that host's values from examples/libvirt-capture.host-values.json.
      if (STRICT_BUILDER_PARITY) {
        expect({ role: row.role, differing: row.differing, missing: row.missing, extra: row.extra, error: row.rebuildError })
          .toEqual({ role: row.role, differing: 0, missing: 0, extra: 0, error: undefined });
      }
    }
  });
});

describe('the step-by-step comparison', () => {
  const payload = fc.constantFrom(
    "virt=kvm resrc=disk reason=start vm=\"a\" old-disk=? new-disk=\"/x\" res=success",
    "virt=kvm resrc=disk reason=start vm=\"a\" old-disk=? new-disk=\"/y\" res=success",
    'virt=kvm resrc=cgroup reason=allow vm="a" class=path path="/dev/null" rdev=01:03 acl=rw res=success',
    'virt=kvm resrc=cgroup reason=deny vm="a" class=all res=success',
    'virt=kvm op=start reason=booted vm="a" vm-pid=1 res=success',
  );

  /** The length of a longest common subsequence, by brute recursion (small inputs only). */
  const lcs = (a: readonly string[], b: readonly string[]): number => {
    if (a.length === 0 || b.length === 0) return 0;
    if (a[0] === b[0]) return 1 + lcs(a.slice(1), b.slice(1));
    return Math.max(lcs(a.slice(1), b), lcs(a, b.slice(1)));
  };

  it('counts every record once, equal = a longest common subsequence, and pairs only records of one kind', () => {
    fc.assert(fc.property(fc.array(payload, { maxLength: 7 }), fc.array(payload, { maxLength: 7 }), (captured, rebuilt) => {
      const diff = diffPayloads(captured, rebuilt);
      expect(diff.equal + diff.differing + diff.missing).toBe(captured.length);
      expect(diff.equal + diff.differing + diff.extra).toBe(rebuilt.length);
      expect(diff.equal).toBe(lcs(captured, rebuilt));
      for (const row of diff.rows) if (row.kind === 'differing') expect(recordKind(row.captured!)).toBe(recordKind(row.rebuilt!));
      expect(diff.rows.filter((row) => row.captured !== undefined).map((row) => row.captured)).toEqual(captured);
    }));
  });

  it('identical lists are all equal; a reordered pair is one equal and a missing + extra', () => {
    const [a, b] = ['virt=kvm resrc=net reason=open res=success', 'virt=kvm resrc=mem reason=start res=success'];
    expect(diffPayloads([a, b], [a, b])).toMatchObject({ equal: 2, differing: 0, missing: 0, extra: 0 });
    expect(diffPayloads([a, b], [b, a])).toMatchObject({ equal: 1, differing: 0, missing: 1, extra: 1 });
    expect(diffPayloads([a], [])).toMatchObject({ equal: 0, missing: 1, extra: 0 });
  });

  it('the details name every guest not rendered exactly, with each of its records marked, and nothing else', () => {
    const [a, b, c] = ['virt=kvm resrc=net reason=open res=success', 'virt=kvm resrc=mem reason=start res=success', 'virt=kvm resrc=net reason=open res=failed'];
    const guest = (role: string, captured: string[], rebuilt: string[]) => ({ role, uuid: `uuid-${role}`, captured: captured.length, rebuilt: rebuilt.length, ...diffPayloads(captured, rebuilt) });
    expect(comparisonDetails([guest('same', [a, b], [a, b])])).toBe('');
    expect(comparisonDetails([guest('same', [a], [a]), guest('off', [a, b, a], [c, b, b])]).split('\n')).toEqual([
      'off (uuid-off)', `~ libvirt: ${a}`, `~ builder: ${c}`, `  ${b}`, `- ${a}`, `+ ${b}`,
    ]);
  });
});
