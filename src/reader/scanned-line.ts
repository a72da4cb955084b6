// A kept RAW line whose header was read from its bytes and that needs no diagnostic: it travels as bytes
// (to another thread, see event-batch) and becomes an AuditRecord only where it is read.
import type { AuditTime } from '../model/audit-record.js';

export class ScannedLine {
  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
    readonly file: string,
    readonly line: number,
    readonly node: string | null,
    readonly type: string,
    readonly typeNumber: number,
    readonly time: AuditTime,
    readonly serial: number,
    /** From `start`: where the body begins. */
    readonly bodyStart: number,
    /** From `start`: the ENRICHED separator 0x1D that ends the body, or -1. */
    readonly separator: number,
    /** No byte of the line is 0x80 or above: its values need no UTF-8 decoding. */
    readonly ascii: boolean,
  ) {}
}

/** What plainLineSeparator found out besides the separator, for a caller that wants it. */
export interface LineBytes {
  ascii: boolean;
}

export const NOT_PLAIN = -2;

/**
 * Whether the line parser would take the line as it is: no NUL, no control byte but TAB and one
 * ENRICHED separator 0x1D after the header and before well-formed interpreted fields, and so no CR either
 * (a CR LF line is handled, with its warning, by the parser). NOT_PLAIN if not; else the offset from `start` of the first 0x1D at or after
 * `start + bodyStart`, or -1. A plain line's `found.ascii` says whether all its bytes are below 0x80.
 */
export function plainLineSeparator(bytes: Buffer, start: number, end: number, bodyStart: number, found?: LineBytes): number {
  let separator = -1;
  let ascii = true;
  let at = start;
  const words = wordsOf(bytes);
  if (words !== null) {
    // Four bytes at a time: most lines hold no byte below 0x20 or above 0x7F at all.
    while (at < end && (bytes.byteOffset + at) % 4 !== 0) {
      const byte = bytes[at]!;
      if (byte < 0x20 || byte >= 0x80) break;
      at++;
    }
    const firstWord = (bytes.byteOffset + at) / 4;
    const lastWord = Math.floor((bytes.byteOffset + end) / 4);
    let word = firstWord;
    if ((bytes.byteOffset + at) % 4 === 0) {
      for (; word < lastWord; word++) {
        const value = words[word]!;
        // Some byte of `value` is below 0x20 or at 0x80 or above: the byte loop below sorts them out.
        if ((((value - 0x20202020) | value) & 0x80808080) !== 0) break;
      }
      at = word * 4 - bytes.byteOffset;
    }
  }
  for (; at < end; at++) {
    const byte = bytes[at]!;
    if (byte >= 0x20 || byte === 0x09) {
      if (byte >= 0x80) ascii = false;
      continue;
    }
    // One 0x1D, after the header, before an interpreted field: any other is for the parser to report.
    if (byte !== 0x1d || separator !== -1 || at - start < bodyStart) return NOT_PLAIN;
    separator = at - start;
  }
  if (separator !== -1 && !plainEnrichment(bytes, start + separator + 1, end)) return NOT_PLAIN;
  if (found !== undefined) found.ascii = ascii;
  return separator;
}

const SPACE = 0x20;

/** What follows 0x1D as auditd's format_enrich writes it: `NAME=value` fields, one space apart. */
function plainEnrichment(bytes: Buffer, from: number, end: number): boolean {
  const first = bytes[from];
  if (from >= end || first === undefined || first < 0x41 || first > 0x5a || bytes[end - 1] === SPACE) return false;
  for (let at = from + 1; at < end; at++) if (bytes[at] === SPACE && bytes[at - 1] === SPACE) return false;
  return true;
}

let lastBuffer: ArrayBufferLike | null = null;
let lastWords: Uint32Array | null = null;

/** A Uint32Array over the whole memory of `bytes` (one per chunk, made once). */
function wordsOf(bytes: Buffer): Uint32Array | null {
  if (bytes.buffer !== lastBuffer) {
    lastBuffer = bytes.buffer;
    lastWords = bytes.buffer.byteLength >= 4 ? new Uint32Array(bytes.buffer, 0, Math.floor(bytes.buffer.byteLength / 4)) : null;
  }
  return lastWords;
}
