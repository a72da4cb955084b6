// Where each `name=value` token of a text lies, found in one pass and kept as offsets: for readers that
// want a few fields of many records without a field object per token.
import { isEncodedField } from '../tables/field-types.js';
import { decodeField } from './audit-field.js';

/** Offsets of the tokens in `text[from, to)` split on spaces as tokenizeFields does: start, `=`, end each. */
export function indexFields(text: string, from: number, to: number): number[] {
  const offsets: number[] = [];
  let start = from;
  while (start < to) {
    while (start < to && text.charCodeAt(start) === 0x20) start++;
    if (start >= to) break;
    let end = text.indexOf(' ', start);
    if (end === -1 || end > to) end = to;
    const eq = text.indexOf('=', start);
    if (eq > start && eq < end) offsets.push(start, eq, end);
    start = end + 1;
  }
  return offsets;
}

/** The raw value of the first indexed field called `name`. */
export function indexedRaw(text: string, offsets: readonly number[], name: string): string | undefined {
  const length = name.length;
  for (let at = 0; at < offsets.length; at += 3) {
    const start = offsets[at]!;
    const eq = offsets[at + 1]!;
    if (eq - start === length && text.startsWith(name, start)) return text.slice(eq + 1, offsets[at + 2]!);
  }
  return undefined;
}

const decodedHex = new Map<string, string | null>();
const MAX_DECODED = 4096;

const NON_ASCII = /[\x80-\xff]/;

/**
 * decodeField's value, without a field object for the common cases (plain ASCII, quoted or bare). Hex
 * values are remembered: the same guest names and paths come back in record after record, and decoding
 * them is the costly part.
 */
export function decodedValue(name: string, raw: string, interpretHex: boolean): string | null {
  const length = raw.length;
  const first = raw.charCodeAt(0);
  if (first === 0x22) {
    if (length >= 2 && raw.charCodeAt(length - 1) === 0x22 && raw !== '"?"') {
      const inner = raw.slice(1, -1);
      if (!NON_ASCII.test(inner)) return inner;
    }
    return decodeField(name, raw, interpretHex).value;
  }
  if (raw === '?') return null;
  // libaudit hex is upper-case digits and A-F only: a value starting otherwise is not hex.
  if (interpretHex && length >= 2 && ((first >= 0x30 && first <= 0x39) || (first >= 0x41 && first <= 0x46)) && isEncodedField(name)) {
    const known = decodedHex.get(raw);
    if (known !== undefined) return known;
    const value = decodeField(name, raw, interpretHex).value;
    if (decodedHex.size >= MAX_DECODED) decodedHex.clear();
    decodedHex.set(raw, value);
    return value;
  }
  return NON_ASCII.test(raw) ? decodeField(name, raw, interpretHex).value : raw;
}
