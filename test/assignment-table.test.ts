// Assignments live in columns; what comes back out as objects (JSON, tests) must be what went in,
// across growth, for any details, and through end, reopen and the end's proof.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssignmentTable, type NewAssignment } from '../verifier/correlator/assignment-table.js';
import type { ProofId } from '../verifier/correlator/session-model.js';
import { StringTable } from '../src/text/string-table.js';

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
      fc.property(fc.array(fc.tuple(assignment, fc.option(fc.tuple(proof, fc.constantFrom('update', 'detach', 'stop', 'down') as fc.Arbitrary<'update' | 'detach' | 'stop' | 'down'>))), { minLength: 1, maxLength: 60 }), (entries) => {
        const table = new AssignmentTable(new StringTable());
        const indexes = entries.map(([added]) => table.add(added));
        entries.forEach(([added, ending], at) => {
          const index = indexes[at]!;
          if (ending !== null && !added.closedAtCreation) {
            const [endProof, how] = ending;
            table.end(index, endProof, how);
          }
        });
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
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its columns through growth', () => {
    const table = new AssignmentTable(new StringTable());
    const count = 20_000;
    for (let index = 0; index < count; index++) {
      table.add({ kind: 'disk', reason: 'start', value: `/images/${index}.qcow2`, previous: null, success: true, user: 'root', start: { node: null, sec: 1_700_000_000 + index, ms: index % 1000, serial: index }, closedAtCreation: false, details: ['n', String(index)] });
      table.setSession(index, index % 7);
    }
    expect(table.length).toBe(count);
    for (const index of [0, 4095, 4096, 16_383, 16_384, count - 1]) {
      expect(table.value(index)).toBe(`/images/${index}.qcow2`);
      expect(table.session(index)).toBe(index % 7);
      expect(table.startSec(index)).toBe(1_700_000_000 + index);
      expect(table.detail(index, 'n')).toBe(String(index));
    }
  });
});
