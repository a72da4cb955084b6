// C's strtoul (and strtoull: both 64-bit here) as glibc reads it, exact (bigint), for the stamps and fields
// the real audit tools read with it.

const ULONG_MAX = (1n << 64n) - 1n;
const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

const digitValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return 99;
};

/** strtoul(text + from, NULL, base): its value and whether errno would be ERANGE. */
export function strtoul(text: string, from: number, base: 10 | 16 = 10): { value: bigint; overflow: boolean } {
  let at = from;
  while (at < text.length && C_SPACE.has(text[at]!)) at++;
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
