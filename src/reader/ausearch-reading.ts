// Reading as ausearch and aureport 3.0.9 read (ausearch.c / aureport.c get_next_event): lines cut by
// fgets (fgets-pieces), stamps and events by ausearch-lol.c (ausearch-lol), an event handed on whenever
// the lowest one is complete. What the real tools pass over in silence is counted here by line, so a
// command that is not --compat can say so: a line holding a NUL (its text after it is lost), a line
// longer than a piece (cut in pieces, the later ones read as lines of their own), a line whose stamp
// cannot be read or that is no record at all.
import { open } from 'node:fs/promises';
import { AuditRecord, type AuditTime, type RecordIssue } from '../model/audit-record.js';
import { AusearchLol, bodyStartAfterStamp, extractTimestamp, LOL_EOE_TIMEOUT, outsideBounds, type LolOptions, type LolStamp } from './ausearch-lol.js';
import { AusearchStampScanner } from './ausearch-stamp-bytes.js';
import { FgetsPieces, type FgetsPiece } from './fgets-pieces.js';
import { displayName, InputError, type AuditInput } from './input-set.js';
import { parseLine, type RejectReason } from './parse-line.js';
import { UnreadTally, type UnreadLines } from './unread-lines.js';

/**
 * A record as ausearch keeps it: its line's text (no newline), where it was read, its stamp. Its text is
 * to be read while its event is handed on (in `onEvent`); read then, it stays.
 */
export interface AusearchRecord {
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly stamp: LolStamp;
  /** Whether its text holds `latin1` (one char per byte), without making the text when it is not made yet. */
  holds(latin1: string): boolean;
}

let lastNeedle: { readonly text: string; readonly bytes: Buffer } | null = null;

/** The bytes of a latin1 text, kept for the next call: one text is looked for in every record. */
function latin1Bytes(text: string): Buffer {
  if (lastNeedle?.text !== text) lastNeedle = { text, bytes: Buffer.from(text, 'latin1') };
  return lastNeedle.bytes;
}

/**
 * A record whose text is made from its line's bytes only when it is first read: most events are passed
 * over by their records' types alone. The bytes are the chunk being read, which is read into again once
 * it is done: then a record the list still holds is given its text (`keepText`), and one already handed
 * on without its text read has none to give (`expire`).
 */
class LineRecord implements AusearchRecord {
  constructor(
    private bytes: Buffer | null,
    private readonly start: number,
    private readonly end: number,
    private madeText: string | null,
    readonly file: string,
    readonly line: number,
    readonly stamp: LolStamp,
  ) {}

  get text(): string {
    if (this.madeText === null) {
      this.madeText = this.chunk().toString('latin1', this.start, this.end);
      this.bytes = null;
    }
    return this.madeText;
  }

  holds(latin1: string): boolean {
    if (this.madeText !== null) return this.madeText.includes(latin1);
    return this.chunk().subarray(this.start, this.end).indexOf(latin1Bytes(latin1)) !== -1;
  }

  keepText(): void {
    if (this.madeText === null) void this.text;
  }

  /** Its chunk is read into again: the text can no longer be made. */
  expire(): void {
    this.bytes = null;
  }

  private chunk(): Buffer {
    if (this.bytes === null) throw new Error(`${this.file}:${this.line}: an ausearch record's text is read once its event is handed on (in onEvent), not later`);
    return this.bytes;
  }
}

/** An event as ausearch hands it on: the stamp of its first record, its records in the order read. */
export interface AusearchEvent {
  readonly stamp: LolStamp;
  readonly records: readonly AusearchRecord[];
}

export interface AusearchReadOptions extends LolOptions {
  /** `Error extracting time stamp (TEXT)`, as the real tools print it on stderr when they read the line. */
  readonly onUnreadableStamp?: (shown: string) => void;
  readonly onProgress?: (bytesRead: number) => void;
  readonly stdin?: NodeJS.ReadableStream;
}

/** The interpreted stamp of `ausearch -i` output: a date and time, not seconds. */
const INTERPRETED_STAMP = /[^)]*[^\d.:)][^)]*:\d+\) :/y;

/** Whether the stamp at `at` is an interpreted one, read in place (no copy of every line's rest). */
function interpretedStampAt(text: string, at: number): boolean {
  INTERPRETED_STAMP.lastIndex = at;
  return INTERPRETED_STAMP.test(text);
}

const NEWLINE = 10;

/**
 * Reads the inputs as ausearch does and hands each event on in ausearch's order. `ausearch -i` output is
 * not read (its values were rewritten) and is counted as such.
 *
 * A whole line in auditd's own shape has its stamp read from its bytes (AusearchStampScanner) and its text
 * made only if a consumer reads it; every other piece is read from its text by extractTimestamp. Both give
 * the same stamps (a test compares them).
 */
export async function readAusearchEvents(inputs: readonly AuditInput[], onEvent: (event: AusearchEvent) => void, options: AusearchReadOptions = {}): Promise<UnreadLines> {
  const unread = new UnreadTally();
  const lol = new AusearchLol<LineRecord>(options.eoeTimeout);
  const scanner = new AusearchStampScanner(options.eoeTimeout ?? LOL_EOE_TIMEOUT);
  const drain = (): void => {
    for (let event = lol.takeReady(); event !== null; event = lol.takeReady()) onEvent(event);
  };
  let bytesRead = 0;
  /** The records whose text is still in the chunk being read. */
  const fromChunk: LineRecord[] = [];
  for (const input of inputs) {
    const file = displayName(input);
    /** Why the line being read is counted as not read, once it ends. */
    let lost: RejectReason | 'interpreted' | null = null;
    const onPiece = (piece: FgetsPiece): void => {
      if (!piece.continuation && !piece.cutAtNul && piece.inInput) {
        const stamp = scanner.scan(piece.bytes, piece.start, piece.end);
        if (stamp !== null) {
          if (outsideBounds(stamp.sec, options)) return;
          const end = piece.bytes[piece.end - 1] === NEWLINE ? piece.end - 1 : piece.end;
          const record = new LineRecord(piece.bytes, piece.start, end, null, file, piece.line, stamp);
          fromChunk.push(record);
          if (lol.add(stamp, record)) drain();
          return;
        }
      }
      if (piece.cutAtNul) lost ??= 'nul-byte';
      if (piece.continuation && piece.text !== '\n' && piece.text !== '') lost ??= 'too-long';
      read(piece);
      if (piece.endsLine && lost !== null) {
        if (lost === 'interpreted') unread.formNotRead(file, piece.line, 'interpreted');
        else unread.rejected(file, piece.line, lost);
        lost = null;
      }
    };
    const read = (piece: FgetsPiece): void => {
      const found = extractTimestamp(piece.text, options);
      if (found.kind === 'unreadable') options.onUnreadableStamp?.(found.shown);
      if (found.kind === 'outside') return;
      const text = piece.text.endsWith('\n') ? piece.text.slice(0, -1) : piece.text;
      if (found.kind !== 'stamp') {
        if (!piece.continuation && !isBlankOrSeparator(text)) lost ??= isInterpreted(text, file, piece.line) ? 'interpreted' : /^(?:node=\S* )?type=/.test(text) ? 'bad-header' : 'not-audit';
        return;
      }
      if (interpretedStampAt(text, found.stamp.stampAt) && isInterpreted(text, file, piece.line)) {
        lost ??= 'interpreted';
        return;
      }
      if (lol.add(found.stamp, new LineRecord(null, 0, 0, text, file, piece.line, found.stamp))) drain();
    };
    const pieces = new FgetsPieces(onPiece);
    const chunks: AsyncIterable<Buffer | string> = input.kind === 'stdin' ? (options.stdin ?? process.stdin) : chunksInOneBuffer(input.path, 1 << 20);
    try {
      for await (const chunk of chunks) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
        pieces.push(buffer);
        // The chunk is done: what the list still holds of it gets its own text, the rest none.
        for (const record of lol.heldRecordsNow()) record.keepText();
        for (const record of fromChunk) record.expire();
        fromChunk.length = 0;
        bytesRead += buffer.length;
        unread.bytesRead = bytesRead;
        options.onProgress?.(bytesRead);
      }
    } catch (error) {
      if (error instanceof Error && 'code' in error) throw new InputError(file, error.message);
      throw error;
    }
    pieces.end();
  }
  lol.terminateAll();
  drain();
  return unread.result;
}

/**
 * A file's bytes a chunk at a time, read into one buffer again and again (no new memory for each chunk to
 * be faulted in): each chunk is done with before the next is read (see LineRecord).
 */
async function* chunksInOneBuffer(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(chunkBytes);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

const isBlankOrSeparator = (text: string): boolean => /^\s*$/.test(text) || text === '----';

function isInterpreted(text: string, file: string, line: number): boolean {
  const parsed = parseLine(text, { file, line });
  return parsed.kind === 'record' && parsed.record.form === 'interpreted';
}

/** AUDIT_INTERP_SEPARATOR */
const ENRICHMENT_SEPARATOR = '\x1d';

/**
 * A record of an ausearch event as an AuditRecord, for code that reads fields: read by parseLine where it
 * takes the line, else built from what ausearch read of it (a stamp parseLine refuses, a control byte).
 */
export function ausearchAuditRecord(record: AusearchRecord): AuditRecord {
  const parsed = parseLine(record.text, { file: record.file, line: record.line });
  if (parsed.kind === 'record' && parsed.record.form === 'raw') return parsed.record;
  const issues: RecordIssue[] = [];
  let text = record.text;
  if (text.endsWith('\r')) {
    text = text.slice(0, -1);
    issues.push({ rule: 'crlf', message: 'line ends in CR LF; auditd writes LF only' });
  }
  const { stamp } = record;
  const bodyStart = bodyStartAfterStamp(text, stamp.stampAt);
  const separator = text.indexOf(ENRICHMENT_SEPARATOR, bodyStart);
  return new AuditRecord({
    file: record.file,
    line: record.line,
    form: 'raw',
    node: stamp.node,
    type: stamp.typeName,
    typeNumber: stamp.type === -1 ? null : stamp.type,
    time: auditTime(stamp),
    serial: Number(stamp.serial),
    text,
    bodyStart,
    bodyEnd: separator === -1 ? text.length : separator,
    enrichmentStart: separator === -1 ? -1 : separator + 1,
    issues,
  });
}

/**
 * The record's text up to its ENRICHED separator, a last CR dropped: what `ausearchAuditRecord` gives as
 * its text before `enrichmentStart`, found without reading the record's fields. Both find the body where
 * the stamp's `): ` ends (RAW_HEADER's head ends there too when it takes the line) and the separator as
 * the first 0x1D after it.
 */
export function ausearchRawPart(record: AusearchRecord): string {
  const text = record.text.endsWith('\r') ? record.text.slice(0, -1) : record.text;
  const separator = text.indexOf(ENRICHMENT_SEPARATOR, bodyStartAfterStamp(text, record.stamp.stampAt));
  return separator === -1 ? text : text.slice(0, separator);
}

/** The stamp as a JS time (seconds as a number: exact up to 2^53). */
export const auditTime = (stamp: LolStamp): AuditTime => ({ sec: Number(stamp.sec), ms: stamp.milli });
