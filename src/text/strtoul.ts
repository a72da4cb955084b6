// C's strtoul(text, NULL, 10) as glibc reads it, exact (bigint), for the stamps and fields the real
// audit tools read with it.

const ULONG_MAX = (1n << 64n) - 1n;
const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/** strtoul(text + from, NULL, 10): its value and whether errno would be ERANGE. */
export function strtoul(text: string, from: number): { value: bigint; overflow: boolean } {
  let at = from;
  while (at < text.length && C_SPACE.has(text[at]!)) at++;
  let negative = false;
  if (text[at] === '+' || text[at] === '-') negative = text[at++] === '-';
  const start = at;
  while (at < text.length && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) at++;
  if (at === start) return { value: 0n, overflow: false };
  const magnitude = BigInt(text.slice(start, at));
  if (magnitude > ULONG_MAX) return { value: ULONG_MAX, overflow: true };
  return { value: negative ? BigInt.asUintN(64, -magnitude) : magnitude, overflow: false };
}
