// Reports are written straight into byte pieces; whatever the piece size, the bytes must be those of
// the plain string form (printf's `%-W.Ps` for padded cells).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Latin1Pieces } from '../src/text/latin1-pieces.js';
import { pad } from '../verifier/auvirt/compat-format.js';

type Write = { kind: 'spaces'; count: number } | { kind: 'text'; text: string } | { kind: 'padded'; text: string; width: number; precision: number } | { kind: 'digits'; value: number; digits: number } | { kind: 'byte'; code: number } | { kind: 'bytes'; text: string };

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), maxLength: 40 });
const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: latin1 }),
  fc.record({ kind: fc.constant('padded' as const), text: latin1, width: fc.nat(30), precision: fc.nat(30) }),
  fc.record({ kind: fc.constant('digits' as const), value: fc.oneof(fc.nat(120), fc.nat(100_000)), digits: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('spaces' as const), count: fc.integer({ min: -3, max: 40 }) }),
  fc.record({ kind: fc.constant('byte' as const), code: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('bytes' as const), text: latin1 }),
);

function expected(writes: readonly Write[]): string {
  return writes
    .map((step) => {
      if (step.kind === 'text' || step.kind === 'bytes') return step.text;
      if (step.kind === 'spaces') return ' '.repeat(Math.max(step.count, 0));
      if (step.kind === 'padded') return pad(step.text, step.width, step.precision);
      if (step.kind === 'digits') return String(step.value).padStart(step.digits, '0');
      return String.fromCharCode(step.code);
    })
    .join('');
}

describe('Latin1Pieces', () => {
  it('writes the same bytes as the string form, in pieces no larger than asked unless one write is larger', () => {
    fc.assert(
      fc.property(fc.array(write, { maxLength: 60 }), fc.integer({ min: 1, max: 64 }), (writes, pieceBytes) => {
        const out = new Latin1Pieces(pieceBytes);
        const pieces: Buffer[] = [];
        for (const step of writes) {
          if (step.kind === 'text') out.text(step.text);
          else if (step.kind === 'spaces') out.spaces(step.count);
          else if (step.kind === 'padded') out.padded(step.text, step.width, step.precision);
          else if (step.kind === 'digits') out.digits(step.value, step.digits);
          else if (step.kind === 'bytes') out.bytes(Buffer.from(step.text, 'latin1'));
          else out.byte(step.code);
          pieces.push(...out.takeFull());
        }
        pieces.push(...out.takeAll());
        expect(Buffer.concat(pieces).toString('latin1')).toBe(expected(writes));
        const largestWrite = Math.max(0, ...writes.map((step) => (step.kind === 'padded' ? Math.max(step.width, Math.min(step.text.length, step.precision)) : step.kind === 'text' || step.kind === 'bytes' ? step.text.length : step.kind === 'spaces' ? step.count : 16)));
        for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(Math.max(pieceBytes, largestWrite));
      }),
      { numRuns: 500 },
    );
  });
});
