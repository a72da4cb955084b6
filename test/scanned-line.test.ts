// Kept lines skip the line parser only when it would have had nothing to say about them; the check runs
// four bytes at a time, so it is compared with the byte-by-byte rule at every alignment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOT_PLAIN, plainLineSeparator } from '../src/reader/scanned-line.js';

// Plain: no control byte but TAB and one 0x1D after the header, followed by NAME=value fields as auditd's
// format_enrich writes them (an upper-case letter first, single spaces, none at the end).
function reference(bytes: Uint8Array, start: number, end: number, bodyStart: number): number {
  let separator = -1;
  for (let at = start; at < end; at++) {
    const byte = bytes[at]!;
    if (byte >= 0x20 || byte === 0x09) continue;
    if (byte !== 0x1d || separator !== -1 || at - start < bodyStart) return NOT_PLAIN;
    separator = at - start;
  }
  if (separator === -1) return -1;
  const enrichment = Buffer.from(bytes.subarray(start + separator + 1, end)).toString('latin1');
  return /^[A-Z]/.test(enrichment) && !enrichment.endsWith(' ') && !enrichment.includes('  ') ? separator : NOT_PLAIN;
}

const byte = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 3, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x00, max: 0x1f }) },
  { weight: 1, arbitrary: fc.constantFrom(0x09, 0x1d, 0x0d, 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xa0, 0x41, 0x5a) },
);

describe('plainLineSeparator', () => {
  it('agrees with the byte-by-byte rule, and tells whether the line is ASCII, for any bytes, offset and buffer alignment', () => {
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), fc.nat(7), fc.nat(300), fc.nat(300), fc.nat(40), (content, shift, from, to, bodyStart) => {
        const memory = Buffer.alloc(content.length + shift + 8, 0x41);
        const bytes = memory.subarray(shift);
        bytes.set(content);
        const start = Math.min(from, to, content.length);
        const end = Math.min(Math.max(from, to), content.length);
        const found = { ascii: false };
        const separator = plainLineSeparator(bytes, start, end, bodyStart, found);
        expect(separator).toBe(reference(bytes, start, end, bodyStart));
        if (separator !== NOT_PLAIN) expect(found.ascii).toBe(bytes.subarray(start, end).every((value) => value < 0x80));
      }),
      { numRuns: 3000 },
    );
  });
});
