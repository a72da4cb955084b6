// The header of an auditd RAW line read straight from its bytes, without making a string of the line:
// `[node=NAME ]type=TYPE msg=audit(SECONDS.MMM:SERIAL):`. Lets a reader pass over the records of
// events nobody asked for at the cost of a few comparisons.

export interface RawHeader {
  readonly node: string | null;
  readonly type: string;
  readonly sec: number;
  readonly ms: number;
  readonly serial: number;
}

const SPACE = 0x20;
const NODE = Buffer.from('node=');
const TYPE = Buffer.from('type=');
const MSG_AUDIT = Buffer.from(' msg=audit(');

function startsWith(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let index = 0; index < prefix.length; index++) if (bytes[at + index] !== prefix[index]) return false;
  return true;
}

/** The header of a RAW line in bytes[start, end), or null when the line is not one (the full parser decides). */
export function readRawHeader(bytes: Buffer, start: number, end: number): RawHeader | null {
  let at = start;
  let node: string | null = null;
  if (startsWith(bytes, at, end, NODE)) {
    const space = bytes.indexOf(SPACE, at + NODE.length);
    if (space === -1 || space >= end) return null;
    node = bytes.toString('latin1', at + NODE.length, space);
    at = space + 1;
  }
  if (!startsWith(bytes, at, end, TYPE)) return null;
  const typeStart = at + TYPE.length;
  const typeEnd = bytes.indexOf(SPACE, typeStart);
  if (typeEnd === -1 || typeEnd >= end || typeEnd === typeStart) return null;
  for (let index = typeStart; index < typeEnd; index++) if (bytes[index]! < 0x21 || bytes[index]! > 0x7e) return null;
  at = typeEnd;
  if (!startsWith(bytes, at, end, MSG_AUDIT)) return null;
  at += MSG_AUDIT.length;
  let sec = 0;
  const secStart = at;
  while (at < end && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) sec = sec * 10 + (bytes[at++]! - 0x30);
  if (at === secStart || bytes[at] !== 0x2e) return null; // '.'
  at++;
  let ms = 0;
  for (let digit = 0; digit < 3; digit++) {
    const byte = bytes[at++];
    if (byte === undefined || byte < 0x30 || byte > 0x39) return null;
    ms = ms * 10 + (byte - 0x30);
  }
  if (bytes[at] !== 0x3a) return null; // ':'
  at++;
  let serial = 0;
  const serialStart = at;
  while (at < end && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) serial = serial * 10 + (bytes[at++]! - 0x30);
  if (at === serialStart || bytes[at] !== 0x29 || bytes[at + 1] !== 0x3a) return null; // '):'
  at += 2;
  if (at < end && bytes[at] !== SPACE) return null;
  return { node, type: bytes.toString('latin1', typeStart, typeEnd), sec, ms, serial };
}
