// NDJSON records for `emit`, read as bytes with a bound on each line: memory stays bounded whatever the
// input, and every line that is not a record is refused at its place (`<stdin>:N`), never changed — not
// valid UTF-8, not JSON, a key given twice (JSON.parse would keep the last one silently), too long.
import { validUtf8Prefix } from '../src/encoding/audit-encoding.js';

/** One non-blank line: a record to build, or the reason it is refused. */
export type NdjsonItem =
  | { readonly kind: 'record'; readonly line: number; readonly record: Record<string, unknown> & { readonly type: string } }
  | { readonly kind: 'refused'; readonly line: number; readonly reason: string };

export interface NdjsonOptions {
  /** Longest line accepted, in bytes, less its line end. */
  readonly maxLineBytes: number;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Every non-blank line of the stream, in order, as a record or a refusal. */
export async function* readNdjson(stream: AsyncIterable<Buffer | string>, options: NdjsonOptions): AsyncGenerator<NdjsonItem> {
  let pieces: Buffer[] = [];
  let pending = 0;
  let tooLong = false;
  let line = 0;
  const finish = (): NdjsonItem | null => {
    line++;
    const item = tooLong
      ? { kind: 'refused' as const, line, reason: `the line is longer than --max-line-bytes (${options.maxLineBytes} bytes); its bytes were skipped` }
      : itemOf(Buffer.concat(pieces, pending), line, options.maxLineBytes);
    pieces = [];
    pending = 0;
    tooLong = false;
    return item;
  };
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    while (start <= bytes.length) {
      const end = bytes.indexOf(0x0a, start);
      const piece = bytes.subarray(start, end === -1 ? bytes.length : end);
      if (!tooLong) {
        if (pending + piece.length > options.maxLineBytes + 1) tooLong = true;
        else if (piece.length > 0) {
          // A copy: the chunk's memory is not held by a line kept across chunks.
          pieces.push(end === -1 ? Buffer.from(piece) : piece);
          pending += piece.length;
        }
      }
      if (end === -1) break;
      const item = finish();
      if (item !== null) yield item;
      start = end + 1;
    }
  }
  if (pending > 0 || tooLong) {
    const item = finish();
    if (item !== null) yield item;
  }
}

function itemOf(bytes: Buffer, line: number, maxLineBytes: number): NdjsonItem | null {
  // A CR of a CRLF line end is not part of the line; it is the one byte a line may have beyond the bound.
  const body = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
  if (body.length > maxLineBytes) return { kind: 'refused', line, reason: `the line is longer than --max-line-bytes (${maxLineBytes} bytes)` };
  let text: string;
  try {
    text = STRICT_UTF8.decode(body);
  } catch {
    return { kind: 'refused', line, reason: `not valid UTF-8 (at byte ${validUtf8Prefix(body)}): NDJSON is UTF-8, and no byte is replaced` };
  }
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'refused', line, reason: `not JSON — ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
    return { kind: 'refused', line, reason: 'not a record — a JSON object with a "type" is expected' };
  }
  const duplicate = duplicateKey(text);
  if (duplicate !== null) return { kind: 'refused', line, reason: `the key ${JSON.stringify(duplicate)} is given twice in one object; which one is meant cannot be told` };
  return { kind: 'record', line, record: value as Record<string, unknown> & { type: string } };
}

/**
 * The first key repeated within one object of a valid JSON text, or null. JSON.parse keeps the last of
 * them without a word: `{"res":"failed","res":"success"}` would be a success.
 */
export function duplicateKey(text: string): string | null {
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = objects[objects.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
      }
      expectKey = false;
      index = end;
    } else if (char === '{') {
      objects.push(new Set());
      expectKey = true;
    } else if (char === '[') {
      objects.push(null);
    } else if (char === '}' || char === ']') {
      objects.pop();
    } else if (char === ',') {
      expectKey = objects[objects.length - 1] !== null && objects.length > 0;
    }
  }
  return null;
}
