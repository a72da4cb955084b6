// The audit tools' reading of an encoded value: auparse's au_unescape (interpret.c) and ausearch's unescape
// (ausearch-lookup.c) are the same code.

const HEX_DIGIT = /[0-9A-Fa-f]/;

/**
 * `(…)` as written; else the leading hex digits two to a byte by x2c (an odd last digit is a high
 * half-byte), read as a C string (up to a decoded NUL); null under two digits.
 */
export function auUnescape(text: string): string | null {
  if (text.startsWith('(')) {
    const close = text.indexOf(')');
    return close === -1 ? null : text.slice(0, close + 1);
  }
  let length = 0;
  while (length < text.length && HEX_DIGIT.test(text[length]!)) length++;
  if (length < 2) return null;
  let decoded = '';
  for (let at = 0; at < length; at += 2) {
    const byte = (parseInt(text[at]!, 16) << 4) | (at + 1 < length ? parseInt(text[at + 1]!, 16) : 0);
    if (byte === 0) break;
    decoded += String.fromCharCode(byte);
  }
  return decoded;
}
