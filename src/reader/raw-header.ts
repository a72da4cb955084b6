// The header of an auditd RAW line read straight from its bytes, without making a string of the line:
// `[node=NAME ]type=TYPE msg=audit(SECONDS.MMM:SERIAL):`. Lets a reader pass over the records of
// events nobody asked for at the cost of a few comparisons. Node and type names repeat on every line,
// so they are looked up by their bytes and shared instead of being made into a new string each time.
import { recordTypeNumber } from '../tables/record-types.js';

export interface RecordTypeName {
  readonly name: string;
  readonly number: number | null;
}

/** A RAW line's header as read from its bytes; the line parser takes it instead of reading the line again. */
export interface RawHeader {
  readonly node: string | null;
  readonly recordType: RecordTypeName;
  readonly sec: number;
  readonly ms: number;
  readonly serial: number;
  /** Where the record's body starts, counted from the line's first byte (after `): `). */
  readonly bodyStart: number;
}

const SPACE = 0x20;
const NODE = Buffer.from('node=');
const TYPE_LENGTH = 'type='.length;
const MSG_AUDIT_LENGTH = ' msg=audit('.length;

/** ` msg=audit(` at `at`. */
function isMsgAudit(bytes: Buffer, at: number, end: number): boolean {
  return end - at >= MSG_AUDIT_LENGTH && bytes[at] === 0x20 && bytes[at + 1] === 0x6d && bytes[at + 2] === 0x73 && bytes[at + 3] === 0x67 &&
    bytes[at + 4] === 0x3d && bytes[at + 5] === 0x61 && bytes[at + 6] === 0x75 && bytes[at + 7] === 0x64 && bytes[at + 8] === 0x69 &&
    bytes[at + 9] === 0x74 && bytes[at + 10] === 0x28;
}

function startsWith(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let index = 0; index < prefix.length; index++) if (bytes[at + index] !== prefix[index]) return false;
  return true;
}

interface NamedBytes<T> {
  readonly bytes: Buffer;
  readonly value: T;
}

const RECENT_SLOTS = 64;

/** Values made from byte strings once, found again by a hash of the bytes and a byte comparison. */
export class ByteStringTable<T> {
  private readonly byHash = new Map<number, NamedBytes<T>[]>();
  private size = 0;
  /** The entry last found per slot of the hash: a few names fill most lines, and an array beats the Map. */
  private readonly recent: Array<NamedBytes<T> | undefined> = new Array(RECENT_SLOTS).fill(undefined);

  constructor(private readonly make: (text: string) => T, private readonly maxSize = 4096) {}

  get(bytes: Buffer, start: number, end: number, hash: number): T {
    const slot = hash & (RECENT_SLOTS - 1);
    const recent = this.recent[slot];
    if (recent !== undefined && sameBytes(recent.bytes, bytes, start, end)) return recent.value;
    const found = this.find(bytes, start, end, hash);
    if (found !== undefined) this.recent[slot] = found;
    return found?.value ?? this.make(bytes.toString('latin1', start, end));
  }

  /** The entry of these bytes, made and stored if new (undefined past the bound: made each time, never stored). */
  private find(bytes: Buffer, start: number, end: number, hash: number): NamedBytes<T> | undefined {
    const candidates = this.byHash.get(hash);
    if (candidates !== undefined) {
      for (const candidate of candidates) if (sameBytes(candidate.bytes, bytes, start, end)) return candidate;
    }
    // Names past the bound (a hostile log with endless distinct types) are made each time, never stored.
    if (this.size >= this.maxSize) return undefined;
    this.size++;
    const entry = { bytes: Buffer.from(bytes.subarray(start, end)), value: this.make(bytes.toString('latin1', start, end)) };
    if (candidates === undefined) this.byHash.set(hash, [entry]);
    else candidates.push(entry);
    return entry;
  }
}

function sameBytes(known: Buffer, bytes: Buffer, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let index = 0; index < known.length; index++) if (known[index] !== bytes[start + index]) return false;
  return true;
}

/** Reads RAW headers one line after another; the fields of the last line read are its properties. */
export class RawHeaderScanner implements RawHeader {
  node: string | null = null;
  recordType: RecordTypeName = { name: '', number: null };
  sec = 0;
  ms = 0;
  serial = 0;
  /** Where the record's body starts, counted from the line's first byte (after `): `). */
  bodyStart = 0;
  private readonly types = new ByteStringTable<RecordTypeName>((name) => ({ name, number: recordTypeNumber(name) }));
  private readonly nodes = new ByteStringTable<string>((name) => name);

  /** Reads the header of bytes[start, end); false when the line is not a RAW record (the full parser decides). */
  scan(bytes: Buffer, start: number, end: number): boolean {
    let at = start;
    let node: string | null = null;
    if (bytes[at] === 0x6e && startsWith(bytes, at, end, NODE)) {
      const nodeStart = at + NODE.length;
      let hash = 0;
      for (at = nodeStart; at < end && bytes[at] !== SPACE; at++) {
        const byte = bytes[at]!;
        // What the line parser's \S refuses: TAB, VT, FF, CR and NBSP.
        if ((byte >= 0x09 && byte <= 0x0d) || byte === 0xa0) return false;
        hash = (hash * 31 + byte) | 0;
      }
      if (at >= end) return false;
      node = this.nodes.get(bytes, nodeStart, at, hash);
      at++;
    }
    // `type=`, spelt out: the loop over a prefix's bytes costs more on a million lines.
    if (end - at < 5 || bytes[at] !== 0x74 || bytes[at + 1] !== 0x79 || bytes[at + 2] !== 0x70 || bytes[at + 3] !== 0x65 || bytes[at + 4] !== 0x3d) return false;
    const typeStart = at + TYPE_LENGTH;
    let hash = 0;
    for (at = typeStart; at < end && bytes[at] !== SPACE; at++) {
      const byte = bytes[at]!;
      if (byte < 0x21 || byte > 0x7e) return false;
      hash = (hash * 31 + byte) | 0;
    }
    const typeEnd = at;
    if (typeEnd >= end || typeEnd === typeStart) return false;
    if (!isMsgAudit(bytes, at, end)) return false;
    at += MSG_AUDIT_LENGTH;
    let sec = 0;
    const secStart = at;
    while (at < end && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) sec = sec * 10 + (bytes[at++]! - 0x30);
    if (at === secStart || bytes[at] !== 0x2e) return false; // '.'
    at++;
    let ms = 0;
    for (let digit = 0; digit < 3; digit++) {
      const byte = bytes[at++];
      if (byte === undefined || byte < 0x30 || byte > 0x39) return false;
      ms = ms * 10 + (byte - 0x30);
    }
    if (bytes[at] !== 0x3a) return false; // ':'
    at++;
    let serial = 0;
    const serialStart = at;
    while (at < end && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) serial = serial * 10 + (bytes[at++]! - 0x30);
    if (at === serialStart || bytes[at] !== 0x29 || bytes[at + 1] !== 0x3a) return false; // '):'
    // Past 2^53 the number is not the serial: such a line is parsed, and grouped by its serial's digits.
    if (!Number.isSafeInteger(serial)) return false;
    at += 2;
    if (at < end && bytes[at] !== SPACE) return false;
    this.node = node;
    this.recordType = this.types.get(bytes, typeStart, typeEnd, hash);
    this.sec = sec;
    this.ms = ms;
    this.serial = serial;
    this.bodyStart = (at < end ? at + 1 : at) - start;
    return true;
  }
}
