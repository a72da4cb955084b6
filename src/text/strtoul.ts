// C's strtoul (and strtoull: both 64-bit here) as glibc reads it, exact (bigint), for the stamps and fields
// the real audit tools read with it.

const ULONG_MAX = (1n << 64n) - 1n;

/**
 * An exact integer: a number while it is a safe integer, a bigint only past 2^53. Two equal values are
 * then always the same primitive, so `===`, `<` and `>` compare them exactly (JS compares a number and a
 * bigint by value), and the common case costs no bigint.
 */
export type ExactInteger = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The value as an ExactInteger: a number when it is a safe integer. */
export const exactInteger = (value: bigint): ExactInteger => (value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value);

/** a + b, exact. */
export function exactSum(a: ExactInteger, b: ExactInteger): ExactInteger {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return exactInteger(BigInt(a) + BigInt(b));
}

/** isspace in the C locale: space, \t, \n, \v, \f, \r. */
const isCSpace = (code: number): boolean => code === 0x20 || (code >= 0x09 && code <= 0x0d);

const digitValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return 99;
};

/** strtoul(text + from, NULL, base): its value and whether errno would be ERANGE. */
export function strtoul(text: string, from: number, base: 10 | 16 = 10): { value: bigint; overflow: boolean } {
  let at = from;
  while (at < text.length && isCSpace(text.charCodeAt(at))) at++;
  let negative = false;
  if (text[at] === '+' || text[at] === '-') negative = text[at++] === '-';
  // glibc takes a 0x prefix in base 16 only when a hex digit follows it.
  if (base === 16 && text[at] === '0' && (text[at + 1] === 'x' || text[at + 1] === 'X') && digitValue(text.charCodeAt(at + 2)) < 16) at += 2;
  const start = at;
  while (at < text.length && digitValue(text.charCodeAt(at)) < base) at++;
  if (at === start) return { value: 0n, overflow: false };
  const magnitude = BigInt(`${base === 16 ? '0x' : ''}${text.slice(start, at)}`);
  if (magnitude > ULONG_MAX) return { value: ULONG_MAX, overflow: true };
  return { value: negative ? BigInt.asUintN(64, -magnitude) : magnitude, overflow: false };
}
