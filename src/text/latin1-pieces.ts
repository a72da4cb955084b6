// Text written one byte per char straight into fixed-size Buffers, for reports of hundreds of thousands
// of rows: no row, cell or padding ever exists as a string of its own.

export const DEFAULT_PIECE_BYTES = 1 << 20;

export class Latin1Pieces {
  private buffer: Buffer;
  private used = 0;
  private readonly done: Buffer[] = [];
  /** A full-size piece handed back (`recycle`), filled next instead of a new one. */
  private spare: Buffer | undefined;

  constructor(private readonly pieceBytes = DEFAULT_PIECE_BYTES) {
    this.buffer = Buffer.allocUnsafe(pieceBytes);
  }

  text(text: string): void {
    this.room(text.length);
    this.copy(text, text.length);
  }

  /** Bytes made before: a cell written again and again is copied, not encoded each time. */
  bytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  spaces(count: number): void {
    if (count <= 0) return;
    this.room(count);
    const buffer = this.buffer;
    for (let index = 0; index < count; index++) buffer[this.used++] = 0x20;
  }

  /** printf's `%-W.Ps`: the text cut to `precision` chars, padded with spaces to `width`. */
  padded(text: string | null | undefined, width: number, precision = width): void {
    const value = text ?? '';
    const length = Math.min(value.length, precision);
    this.room(Math.max(width, length));
    this.copy(value, length);
    const buffer = this.buffer;
    for (let pad = length; pad < width; pad++) buffer[this.used++] = 0x20;
  }

  /** The first `length` chars of `text`; short ones char by char, which beats a call into the runtime. */
  private copy(text: string, length: number): void {
    if (length > 48) {
      this.used += this.buffer.write(text, this.used, length, 'latin1');
      return;
    }
    this.chars(text, 0, length);
  }

  /** Chars `from` to `to`, one byte each, into room already made. */
  private chars(text: string, from: number, to: number): void {
    const buffer = this.buffer;
    let used = this.used;
    for (let index = from; index < to; index++) buffer[used++] = text.charCodeAt(index);
    this.used = used;
  }

  /** A non-negative integer with at least `digits` digits, zero-padded (`%02d`). */
  digits(value: number, digits: number): void {
    this.room(Math.max(digits, 16));
    if (digits <= 2 && value >= 0 && value < 100 && Number.isInteger(value)) {
      if (value >= 10 || digits === 2) this.buffer[this.used++] = 0x30 + Math.floor(value / 10);
      this.buffer[this.used++] = 0x30 + (value % 10);
      return;
    }
    let text = String(value);
    while (text.length < digits) text = `0${text}`;
    this.used += this.buffer.write(text, this.used, 'latin1');
  }

  byte(code: number): void {
    this.room(1);
    this.buffer[this.used++] = code;
  }

  /** Whether a piece is full, for takeFull. */
  get hasFull(): boolean {
    return this.done.length > 0;
  }

  /** The full pieces written so far; the one being filled stays. */
  takeFull(): Buffer[] {
    return this.done.splice(0);
  }

  /** Everything written, the current piece included; the writer starts over empty. */
  takeAll(): Buffer[] {
    if (this.used > 0) this.finishPiece();
    return this.done.splice(0);
  }

  toString(): string {
    return Buffer.concat(this.takeAll()).toString('latin1');
  }

  private room(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    if (this.used > 0) this.finishPiece();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }

  /**
   * A piece taken before, given back once its reader is done with it (written synchronously): its memory is
   * filled again instead of a new piece's, so a report of any length makes no garbage for the collector
   * to find late (pieces are external memory, which V8 collects only after tens of MB more of it).
   */
  recycle(piece: Buffer): void {
    if (piece.buffer.byteLength === this.pieceBytes && piece.byteOffset === 0) this.spare = Buffer.from(piece.buffer, 0, this.pieceBytes);
  }

  private finishPiece(): void {
    this.done.push(this.buffer.subarray(0, this.used));
    this.buffer = this.spare ?? Buffer.allocUnsafe(this.pieceBytes);
    this.spare = undefined;
    this.used = 0;
  }
}
