// Where each `name=value` token of a text lies, found in one pass and kept as offsets: for readers that
// want a few fields of many records without a field object per token.
import { isEncodedField } from '../tables/field-types.js';
import { decodeField } from './audit-field.js';
import { grown } from './typed-columns.js';

/**
 * The offsets of one body's tokens (start, `=`, end each), split on spaces as tokenizeFields does:
 * those before `msg='` and those inside it. One index serves record after record, so reading a few
 * fields of a million records allocates nothing for it.
 */
export class BodyIndex {
  private offsets = new Int32Array(3 * 64);
  private headerEnd = 0;
  private payloadEnd = 0;
  private text = '';
  private hasPayload = false;
  owner: object | undefined;

  /** Indexes `text[0, headerTo)` as the header and, when payloadFrom is not -1, `text[payloadFrom, payloadTo)` as the payload. */
  index(owner: object, text: string, headerTo: number, payloadFrom: number, payloadTo: number): void {
    this.owner = owner;
    this.text = text;
    this.headerEnd = this.add(text, 0, headerTo, 0);
    this.hasPayload = payloadFrom !== -1;
    this.payloadEnd = this.hasPayload ? this.add(text, payloadFrom, payloadTo, this.headerEnd) : this.headerEnd;
  }

  headerRaw(name: string): string | undefined {
    return this.find(name, 0, this.headerEnd);
  }

  /** undefined when the body has no payload or no such field in it. */
  payloadRaw(name: string): string | undefined {
    return this.hasPayload ? this.find(name, this.headerEnd, this.payloadEnd) : undefined;
  }

  private find(name: string, from: number, to: number): string | undefined {
    const { offsets, text } = this;
    const length = name.length;
    for (let at = from; at < to; at += 3) {
      const start = offsets[at]!;
      const eq = offsets[at + 1]!;
      if (eq - start === length && text.startsWith(name, start)) return text.slice(eq + 1, offsets[at + 2]!);
    }
    return undefined;
  }

  private add(text: string, from: number, to: number, used: number): number {
    let start = from;
    while (start < to) {
      while (start < to && text.charCodeAt(start) === 0x20) start++;
      if (start >= to) break;
      let end = text.indexOf(' ', start);
      if (end === -1 || end > to) end = to;
      const eq = text.indexOf('=', start);
      if (eq > start && eq < end) {
        if (used + 3 > this.offsets.length) this.offsets = grown(this.offsets, this.offsets.length * 2);
        this.offsets[used++] = start;
        this.offsets[used++] = eq;
        this.offsets[used++] = end;
      }
      start = end + 1;
    }
    return used;
  }
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
