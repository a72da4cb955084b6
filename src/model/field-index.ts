// Where each `name=value` token of a text lies, found in one pass and kept as offsets: for readers that
// want a few fields of many records without a field object per token. The offsets can be found on the
// reading thread and shipped with the record (event-batch), so the thread that reads the fields does
// not look for them again.
import { isEncodedField } from '../tables/field-types.js';
import { decodeField } from './audit-field.js';
import { grown } from './typed-columns.js';

const PAYLOAD_START = "msg='";

/** Index of `msg='` at a token boundary in `text[from, to)`, or -1. */
function findPayloadStart(text: string, from = 0, to = text.length): number {
  for (let at = text.indexOf(PAYLOAD_START, from); at !== -1 && at + PAYLOAD_START.length <= to; at = text.indexOf(PAYLOAD_START, at + 1)) {
    if (at === from || text.charCodeAt(at - 1) === 0x20) return at;
  }
  return -1;
}

/** Where a body's payload lies: `msg='` at `start`, its text from `from` (after the quote) to `to`. */
export interface PayloadSpan {
  readonly start: number;
  readonly from: number;
  /** At the last quote, or at the body's end when there is none after `from` (`closed` false). */
  readonly to: number;
  readonly closed: boolean;
}

/** The payload of the body `text[bodyStart, bodyEnd)`, or null when it has no `msg='`. */
export function payloadSpan(text: string, bodyStart: number, bodyEnd: number): PayloadSpan | null {
  const start = findPayloadStart(text, bodyStart, bodyEnd);
  if (start === -1) return null;
  const from = start + PAYLOAD_START.length;
  const close = text.lastIndexOf("'", bodyEnd - 1);
  return close < from ? { start, from, to: bodyEnd, closed: false } : { start, from, to: close, closed: true };
}

const NON_ASCII = /[\x80-\xff]/;
/** An entry's numbers before its tokens: header count, payload count, ASCII. */
const ENTRY_HEAD = 3;

/** Token offsets of many bodies in one growing Int32Array: see `addBodyTokens` for one body's entry. */
export class TokenOffsets {
  values: Int32Array;
  used = 0;

  constructor(capacity = 3 * 64) {
    this.values = new Int32Array(capacity);
  }

  /** The offsets so far; the next body starts a new array. */
  take(): Int32Array {
    const taken = this.values.subarray(0, this.used);
    this.values = new Int32Array(this.values.length);
    this.used = 0;
    return taken;
  }

  reserve(count: number): void {
    if (this.used + count > this.values.length) this.values = grown(this.values, Math.max(this.values.length * 2, this.used + count));
  }
}

/**
 * Appends the entry of the body `text[bodyStart, bodyEnd)` and returns where it begins: the number of
 * header tokens (those before `msg='`, or all of them when there is none), the number of payload tokens
 * (inside `msg='…'`, up to its last quote; -1 when there is no payload), 1 when all of `text` is ASCII
 * (its values need no UTF-8 decoding; the caller may say, as `ascii`) else 0, then start, `=` and end
 * of each token — offsets into `text`. Tokens are split on spaces as tokenizeFields splits them; a
 * token without `=` after its first char is a word, not a field, and is left out.
 */
export function addBodyTokens(text: string, bodyStart: number, bodyEnd: number, out: TokenOffsets, ascii = !NON_ASCII.test(text)): number {
  const at = out.used;
  out.reserve(ENTRY_HEAD);
  out.used += ENTRY_HEAD;
  out.values[at + 2] = ascii ? 1 : 0;
  const payload = payloadSpan(text, bodyStart, bodyEnd);
  // Counted before they are stored: adding tokens may move the offsets to a larger array.
  const headerCount = splitTokens(text, bodyStart, payload === null ? bodyEnd : payload.start, out, null);
  const payloadCount = payload === null ? -1 : splitTokens(text, payload.from, payload.to, out, null);
  out.values[at] = headerCount;
  out.values[at + 1] = payloadCount;
  return at;
}

/**
 * addBodyTokens for a line still in bytes — `bytes[lineStart, …)`, body at `bodyStart` to `bodyEnd`
 * from the line's start — with the same entry as for the line's latin1 text: no string is made for it.
 */
export function addLineTokens(bytes: Uint8Array, lineStart: number, bodyStart: number, bodyEnd: number, out: TokenOffsets, ascii: boolean): number {
  const at = out.used;
  out.reserve(ENTRY_HEAD);
  out.used += ENTRY_HEAD;
  out.values[at + 2] = ascii ? 1 : 0;
  const from = lineStart + bodyStart;
  const to = lineStart + bodyEnd;
  // The header's tokens end where one begins with `msg='`: findPayloadStart's rule, as tokens begin after spaces.
  const headerEnd = addByteTokens(bytes, lineStart, from, to, out, true);
  const headerCount = (out.used - at - ENTRY_HEAD) / 3;
  let payloadCount = -1;
  if (headerEnd < to) {
    const afterQuote = headerEnd + PAYLOAD_START.length;
    let close = to - 1;
    while (close >= afterQuote && bytes[close] !== 0x27) close--;
    const before = out.used;
    addByteTokens(bytes, lineStart, afterQuote, close < afterQuote ? to : close, out, false);
    payloadCount = (out.used - before) / 3;
  }
  out.values[at] = headerCount;
  out.values[at + 1] = payloadCount;
  return at;
}

/**
 * Appends the tokens of `bytes[from, to)` as offsets from `base`; with `toPayload`, stops at a token
 * beginning with `msg='` and returns where it begins (else `to`).
 */
function addByteTokens(bytes: Uint8Array, base: number, from: number, to: number, out: TokenOffsets, toPayload: boolean): number {
  let at = from;
  while (at < to) {
    while (at < to && bytes[at] === 0x20) at++;
    if (at >= to) break;
    const start = at;
    if (toPayload && to - start >= 5 && bytes[start] === 0x6d && bytes[start + 1] === 0x73 && bytes[start + 2] === 0x67 && bytes[start + 3] === 0x3d && bytes[start + 4] === 0x27) return start;
    let eq = -1;
    for (; at < to; at++) {
      const byte = bytes[at]!;
      if (byte === 0x20) break;
      if (byte === 0x3d && eq === -1) eq = at;
    }
    if (eq > start) {
      out.reserve(3);
      const values = out.values;
      values[out.used++] = start - base;
      values[out.used++] = eq - base;
      values[out.used++] = at - base;
    }
    at++;
  }
  return to;
}

/**
 * The words of the body `text[bodyStart, bodyEnd)` — its tokens without `=` after their first char —
 * header then payload, split as addBodyTokens splits them (so as tokenizeFields does).
 */
export function bodyWords(text: string, bodyStart: number, bodyEnd: number): string[] {
  const words: string[] = [];
  const payload = payloadSpan(text, bodyStart, bodyEnd);
  splitTokens(text, bodyStart, payload === null ? bodyEnd : payload.start, null, words);
  if (payload !== null) splitTokens(text, payload.from, payload.to, null, words);
  return words;
}

/**
 * Splits `text[from, to)` on spaces: the start, `=` and end of each field (a token with `=` after its
 * first char) go to `fields`, the other tokens to `words`, either when given. Returns how many fields.
 */
function splitTokens(text: string, from: number, to: number, fields: TokenOffsets | null, words: string[] | null): number {
  let count = 0;
  let start = from;
  while (start < to) {
    while (start < to && text.charCodeAt(start) === 0x20) start++;
    if (start >= to) break;
    let end = text.indexOf(' ', start);
    if (end === -1 || end > to) end = to;
    const eq = text.indexOf('=', start);
    if (eq > start && eq < end) {
      count++;
      if (fields !== null) {
        fields.reserve(3);
        const values = fields.values;
        values[fields.used++] = start;
        values[fields.used++] = eq;
        values[fields.used++] = end;
      }
    } else if (words !== null) {
      words.push(text.slice(start, end));
    }
    start = end + 1;
  }
  return count;
}

/**
 * Looks fields up in one body's entry of token offsets (made here or shipped with the record). One
 * index serves record after record, so reading a few fields of a million records allocates nothing for it.
 */
export class BodyIndex {
  private readonly own = new TokenOffsets();
  private offsets: Int32Array = this.own.values;
  private headerStart = 0;
  private headerEnd = 0;
  private payloadEnd = 0;
  private hasPayload = false;
  private ascii = false;
  private text = '';
  owner: object | undefined;

  /** Indexes the body `text[bodyStart, bodyEnd)`. */
  index(owner: object, text: string, bodyStart: number, bodyEnd: number): void {
    this.own.used = 0;
    const at = addBodyTokens(text, bodyStart, bodyEnd, this.own);
    this.adopt(owner, text, this.own.values, at);
  }

  /** Uses the entry at `at` of `offsets` (see addBodyTokens), found before for `text`. */
  adopt(owner: object, text: string, offsets: Int32Array, at: number): void {
    this.owner = owner;
    this.text = text;
    this.offsets = offsets;
    this.headerStart = at + ENTRY_HEAD;
    this.ascii = offsets[at + 2] === 1;
    this.headerEnd = this.headerStart + 3 * offsets[at]!;
    const payloadCount = offsets[at + 1]!;
    this.hasPayload = payloadCount !== -1;
    this.payloadEnd = this.hasPayload ? this.headerEnd + 3 * payloadCount : this.headerEnd;
  }

  headerRaw(name: string): string | undefined {
    return this.find(name, this.headerStart, this.headerEnd);
  }

  /** undefined when the body has no payload or no such field in it. */
  payloadRaw(name: string): string | undefined {
    return this.hasPayload ? this.find(name, this.headerEnd, this.payloadEnd) : undefined;
  }

  /** Whether the body has `msg='…'`. */
  get withPayload(): boolean {
    return this.hasPayload;
  }

  /** decodedValue of the first payload field `name`; undefined when the body has no payload or no such field. */
  payloadValue(name: string, interpretHex: boolean): string | null | undefined {
    if (!this.hasPayload) return undefined;
    const at = this.tokenOf(name, this.headerEnd, this.payloadEnd);
    return at === -1 ? undefined : this.valueAt(at, name, interpretHex);
  }

  /** decodedValue of the first header field `name` (before `msg='`, or anywhere when there is none); undefined when there is none. */
  headerValue(name: string, interpretHex: boolean): string | null | undefined {
    const at = this.tokenOf(name, this.headerStart, this.headerEnd);
    return at === -1 ? undefined : this.valueAt(at, name, interpretHex);
  }

  /** decodedValue of the first field `name`, header then payload, as auparse flattens them; undefined when there is none. */
  fieldValue(name: string, interpretHex: boolean): string | null | undefined {
    const at = this.tokenOf(name, this.headerStart, this.payloadEnd);
    return at === -1 ? undefined : this.valueAt(at, name, interpretHex);
  }

  /** decodedValue of the token at `at`. */
  private valueAt(at: number, name: string, interpretHex: boolean): string | null {
    const { offsets, text } = this;
    const start = offsets[at + 1]! + 1;
    const end = offsets[at + 2]!;
    if (!this.ascii) return decodedValue(name, text.slice(start, end), interpretHex);
    // ASCII: nothing to decode but quotes, `?` and hex; a quoted value is sliced once.
    const first = text.charCodeAt(start);
    if (first === 0x22 && end - start >= 2 && text.charCodeAt(end - 1) === 0x22) return end - start === 3 && text.charCodeAt(start + 1) === 0x3f ? null : text.slice(start + 1, end - 1);
    if (first === 0x3f && end - start === 1) return null;
    if (interpretHex && end - start >= 2 && isHexStart(first) && isEncodedField(name)) return decodedValue(name, text.slice(start, end), interpretHex);
    return text.slice(start, end);
  }

  private find(name: string, from: number, to: number): string | undefined {
    const at = this.tokenOf(name, from, to);
    return at === -1 ? undefined : this.text.slice(this.offsets[at + 1]! + 1, this.offsets[at + 2]!);
  }

  /** Where the first token named `name` lies in offsets[from, to), or -1. */
  private tokenOf(name: string, from: number, to: number): number {
    const { offsets, text } = this;
    const length = name.length;
    for (let at = from; at < to; at += 3) {
      const start = offsets[at]!;
      if (offsets[at + 1]! - start === length && text.startsWith(name, start)) return at;
    }
    return -1;
  }
}

/** libaudit hex is upper-case digits and A-F only: a value starting otherwise is not hex. */
const isHexStart = (code: number): boolean => (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46);

const decodedHex = new Map<string, string | null>();
const MAX_DECODED = 4096;

/**
 * decodeField's value, without a field object for the common cases (plain ASCII, quoted or bare). Hex
 * values are remembered: the same guest names and paths come back in record after record, and decoding
 * them is the costly part.
 */
function decodedValue(name: string, raw: string, interpretHex: boolean): string | null {
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
  if (interpretHex && length >= 2 && isHexStart(first) && isEncodedField(name)) {
    const known = decodedHex.get(raw);
    if (known !== undefined) return known;
    const value = decodeField(name, raw, interpretHex).value;
    if (decodedHex.size >= MAX_DECODED) decodedHex.clear();
    decodedHex.set(raw, value);
    return value;
  }
  return NON_ASCII.test(raw) ? decodeField(name, raw, interpretHex).value : raw;
}
