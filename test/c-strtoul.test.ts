// strtoul as ausearch and aureport call it (base 10 and 16, ERANGE past 64 bits), against glibc's own
// through koffi on generated text: signs, spaces, 0x prefixes with and without a digit after them, digits
// of the other base, values at and past 2^64.
import fc from 'fast-check';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { strtoul } from '../verifier/search/aureport-record.js';

const libc = ((): ReturnType<typeof koffi.load> | null => {
  try {
    return koffi.load('libc.so.6');
  } catch {
    return null;
  }
})();

const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(' ', '\t', '+', '-', '0', '1', '9', 'a', 'f', 'F', 'g', 'x', 'X', ':', '.'), maxLength: 12 }),
  fc.bigInt({ min: 0n, max: 1n << 70n }).chain((value) => fc.constantFrom(String(value), value.toString(16), `0x${value.toString(16)}`, `-${value}`, ` +${value.toString(16)}`)),
);

describe.skipIf(libc === null)('strtoul, as glibc', () => {
  it('the value and whether errno is ERANGE, in base 10 and 16', () => {
    const glibc = libc!.func('unsigned long strtoul(const char *nptr, void *endptr, int base)');
    fc.assert(
      fc.property(text, fc.constantFrom(10 as const, 16 as const), (input, base) => {
        koffi.errno(0);
        const value = BigInt(glibc(input, null, base) as number | bigint);
        const erange = koffi.errno() === 34;
        expect(strtoul(input, 0, base), JSON.stringify(input)).toEqual({ value, overflow: erange });
      }),
      { numRuns: 3000 },
    );
  });
});
