// Assignments live in rows of pages, most of them in a temporary file; what comes back out as objects
// (JSON, tests) must be what went in, wherever the row is, for any details, through end and the end's
// proof, and through a copy into another table (the correlator's forget).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AssignmentTable, type NewAssignment } from '../verifier/correlator/assignment-table.js';
import type { ProofId } from '../verifier/correlator/session-model.js';
import { StringTable } from '../src/text/string-table.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-assignment-table-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
/** Two assignments a page, two pages in memory: nearly every row read comes back from the file. */
const TINY = { pageRowsShift: 1, cachedPages: 2, directory };

const text = fc.string({ maxLength: 20 });
const proof = fc.record<ProofId>({ node: fc.option(fc.constantFrom('alpha', 'beta-node-name-long')), sec: fc.integer({ min: 0, max: 2 ** 33 }), ms: fc.nat(999), serial: fc.nat() });
const assignment = fc.record<NewAssignment>({
  kind: fc.constantFrom('disk', 'cgroup', 'net-open', 'mem', 'tpm-emulator', 'a-kind-with-a-long-name'),
  reason: fc.constantFrom('start', 'attach', 'detach', 'update', 'deny', 'allow'),
  value: text,
  previous: fc.option(text),
  success: fc.boolean(),
  user: fc.option(fc.constantFrom('root', 'unset', 'unknown(4242)')),
  start: proof,
  closedAtCreation: fc.boolean(),
  details: fc.array(fc.tuple(fc.constantFrom('cgroup', 'class', '__proto__', 'path', 'x'), fc.option(text)), { maxLength: 8 }).map((pairs) => pairs.flat()),
});

const detailsObject = (details: ReadonlyArray<string | null>): Record<string, string | null> => {
  const object: Record<string, string | null> = {};
  for (let at = 0; at < details.length; at += 2) Object.defineProperty(object, details[at]!, { value: details[at + 1], enumerable: true, writable: true, configurable: true });
  return object;
};

describe('AssignmentTable', () => {
  it('gives back every assignment as it was added, ends included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(assignment, fc.option(fc.tuple(proof, fc.constantFrom('update', 'detach', 'stop', 'down') as fc.Arbitrary<'update' | 'detach' | 'stop' | 'down'>))), { minLength: 1, maxLength: 60 }), fc.boolean(), fc.boolean(), (entries, paged, copied) => {
        const strings = new StringTable();
        const filled = new AssignmentTable(strings, paged ? TINY : {});
        let indexes = entries.map(([added]) => filled.add(added));
        entries.forEach(([added, ending], at) => {
          const index = indexes[at]!;
          if (ending !== null && !added.closedAtCreation) {
            const [endProof, how] = ending;
            filled.end(index, endProof, how);
          }
        });
        let table = filled;
        if (copied) {
          // Copied backwards, so that each lands at another number.
          table = new AssignmentTable(strings, paged ? TINY : {});
          const copies = new Map([...indexes].reverse().map((index) => [index, table.copyFrom(filled, index)]));
          indexes = indexes.map((index) => copies.get(index)!);
        }
        entries.forEach(([added, ending], at) => {
          const made = table.assignment(indexes[at]!);
          const ended = added.closedAtCreation ? { end: added.start, endedBy: 'detach' } : ending === null ? { end: null, endedBy: null } : { end: ending[0], endedBy: ending[1] };
          expect(made).toEqual({
            kind: added.kind, reason: added.reason, value: added.value, previous: added.previous, success: added.success, user: added.user,
            start: added.start, ...ended, details: detailsObject(added.details),
            proofs: ended.end === null || added.closedAtCreation ? [added.start] : [added.start, ended.end],
          });
          expect(Object.keys(made.details)).toEqual(Object.keys(detailsObject(added.details)));
          expect(table.proofs(indexes[at]!)).toEqual(made.proofs);
          expect(table.isOpen(indexes[at]!)).toBe(made.end === null);
        });
        filled.close();
        table.close();
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its rows past the pages kept in memory (the default pages: 16 of 8,192 assignments)', () => {
    const table = new AssignmentTable(new StringTable(), { directory });
    const count = 200_000;
    for (let index = 0; index < count; index++) {
      table.add({ kind: 'disk', reason: 'start', value: `/images/${index}.qcow2`, previous: null, success: true, user: 'root', start: { node: null, sec: 1_700_000_000 + index, ms: index % 1000, serial: index }, closedAtCreation: false, details: ['n', String(index)] });
    }
    expect(table.length).toBe(count);
    expect(table.spooledBytes).toBeGreaterThan(0);
    for (const index of [0, 4095, 4096, 16_383, 16_384, 131_071, 131_072, count - 1]) {
      expect(table.value(index)).toBe(`/images/${index}.qcow2`);
      expect(table.startSec(index)).toBe(1_700_000_000 + index);
      expect(table.detail(index, 'n')).toBe(String(index));
    }
    table.close();
  });
});
