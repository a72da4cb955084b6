// extract_timestamp (ausearch-lol.c) read straight from a line's bytes, for the shape auditd writes —
// `[node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL):` with single spaces — giving the stamp that
// extractTimestamp gives on the line's text, with no string made but the node's and the type's (each
// made once). Any other shape (spaces doubled, a stamp in another form, a value of more than 15 digits,
// millis past 999, seconds str2event refuses) is left to extractTimestamp.
import type { ExactInteger } from '../text/strtoul.js';
import { maxStampSeconds, msgTypeOf, type LolStamp } from './ausearch-lol.js';
import { ByteStringTable } from './raw-header.js';

const SPACE = 0x20;
const LOWER_N = 0x6e;
const OPEN = 0x28;
const CLOSE = 0x29;
const DOT = 0x2e;
const COLON = 0x3a;
/** Decimal digits whose value is always below 2^53. */
const SAFE_DIGITS = 15;
/** The most digits whose value is below 2^32 (millis are an unsigned int). */
const UINT_DIGITS = 9;

interface MsgType {
  readonly name: string;
  readonly number: number;
}

export class AusearchStampScanner {
  private readonly types = new ByteStringTable<MsgType>((name) => ({ name, number: msgTypeOf(name) }));
  private readonly nodes = new ByteStringTable<string>((name) => name);
  private readonly maxSec: ExactInteger;

  constructor(eoeTimeout: bigint) {
    this.maxSec = maxStampSeconds(eoeTimeout);
  }

  /**
   * The stamp of the line bytes[start, end) — a whole fgets piece, its newline included, holding no NUL
   * — or null when extractTimestamp must read its text.
   */
  scan(bytes: Buffer, start: number, end: number): LolStamp | null {
    const first = bytes[start];
    // extract_timestamp looks at the first 80 bytes (340 when the line starts with `n`).
    const limit = Math.min(end, start + (first === LOWER_N ? 340 : 80));
    let at = start;
    let node: string | null = null;
    if (first === LOWER_N) {
      const space = nextSpace(bytes, at, limit);
      if (space - at <= 5 || space === limit) return null;
      node = this.nodes.get(bytes, at + 5, space, hashOf(bytes, at + 5, space));
      at = space + 1;
    }
    if (at >= limit || bytes[at] === SPACE) return null;
    const typeEnd = nextSpace(bytes, at, limit);
    if (typeEnd - at <= 5 || typeEnd === limit) return null;
    const type = this.types.get(bytes, at + 5, typeEnd, hashOf(bytes, at + 5, typeEnd));
    at = typeEnd + 1;
    if (at >= limit || bytes[at] === SPACE) return null;
    const wordEnd = nextSpace(bytes, at, limit);
    // The third word longer than 18 bytes, its `(` at its tenth byte.
    if (wordEnd - at <= 18 || bytes[at + 9] !== OPEN) return null;
    const stampAt = at + 10;
    let p = stampAt;
    let sec = 0;
    while (p < wordEnd && isDigit(bytes[p]!)) sec = sec * 10 + (bytes[p++]! - 0x30);
    if (p === stampAt || p - stampAt > SAFE_DIGITS || p >= wordEnd || bytes[p] !== DOT) return null;
    const milliAt = ++p;
    let milli = 0;
    while (p < wordEnd && isDigit(bytes[p]!)) milli = milli * 10 + (bytes[p++]! - 0x30);
    if (p === milliAt || p - milliAt > UINT_DIGITS || milli > 999 || p >= wordEnd || bytes[p] !== COLON) return null;
    const serialAt = ++p;
    let serial = 0;
    while (p < wordEnd && isDigit(bytes[p]!)) serial = serial * 10 + (bytes[p++]! - 0x30);
    if (p === serialAt || p - serialAt > SAFE_DIGITS || p >= wordEnd || bytes[p] !== CLOSE) return null;
    if (sec > this.maxSec) return null;
    return { node, sec, milli, serial, type: type.number, typeName: type.name, stampAt: stampAt - start };
  }
}

const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39;

/** The first space in bytes[from, limit), else limit. */
function nextSpace(bytes: Buffer, from: number, limit: number): number {
  let at = from;
  while (at < limit && bytes[at] !== SPACE) at++;
  return at;
}

/** The hash ByteStringTable files bytes[start, end) under. */
function hashOf(bytes: Buffer, start: number, end: number): number {
  let hash = 0;
  for (let at = start; at < end; at++) hash = (hash * 31 + bytes[at]!) | 0;
  return hash;
}
