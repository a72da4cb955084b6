export interface SourceLine {
  /** One JS char per byte (latin1), so no byte is ever altered. */
  readonly text: string;
  readonly line: number;
  /** Longer than the maximum: `text` holds only its first bytes. */
  readonly tooLong: boolean;
  /** The last line of the input, with no newline after it. */
  readonly unterminated: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/**
 * Sees a whole line's bytes (bytes[start, end)) before it is turned into a string; answering true
 * means the line was dealt with and no string is made.
 */
export type LinePrefilter = (bytes: Buffer, start: number, end: number, line: number, unterminated: boolean) => boolean;

/**
 * Cuts a byte stream into lines on 0x0A. Memory stays bounded by the chunk size plus `maxLineBytes`:
 * of an over-long line only its head is kept, for the diagnostic.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflow = false;
  private lineNumber = 0;

  constructor(
    private readonly onLine: (line: SourceLine) => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly prefilter?: LinePrefilter,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      this.emit(chunk, start, newline, false);
      start = newline + 1;
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  end(): void {
    if (this.pendingBytes > 0 || this.overflow) this.emit(Buffer.alloc(0), 0, 0, true);
  }

  private emit(chunk: Buffer, start: number, end: number, unterminated: boolean): void {
    this.lineNumber++;
    let tooLong = this.overflow || this.pendingBytes + (end - start) > this.maxLineBytes;
    let text: string;
    if (this.pendingBytes === 0) {
      if (!tooLong && this.prefilter?.(chunk, start, end, this.lineNumber, unterminated)) return;
      text = chunk.toString('latin1', start, Math.min(end, start + this.maxLineBytes));
    } else {
      this.keep(chunk.subarray(start, end));
      const whole = Buffer.concat(this.pending);
      tooLong ||= this.overflow;
      if (!tooLong && this.prefilter?.(whole, 0, whole.length, this.lineNumber, unterminated)) {
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
      text = whole.toString('latin1');
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.overflow = false;
    this.onLine({ text, line: this.lineNumber, tooLong, unterminated });
  }

  private keep(part: Buffer): void {
    const room = this.maxLineBytes - this.pendingBytes;
    if (part.length > room) {
      this.overflow = true;
      if (room > 0) {
        this.pending.push(Buffer.from(part.subarray(0, room)));
        this.pendingBytes += room;
      }
      return;
    }
    // Copy: the chunk's memory is reused by the stream.
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }
}
