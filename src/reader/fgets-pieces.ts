// A byte stream cut as ausearch and aureport 3.0.9 read it: fgets into a MAX_AUDIT_MESSAGE_LENGTH
// (8970-byte) buffer, so a line longer than 8969 bytes comes in pieces of 8969, each read as a line of
// its own; and each piece is then strdup'ed, so its text ends at its first NUL.

/** MAX_AUDIT_MESSAGE_LENGTH − 1: the most fgets puts in ausearch's buffer before its NUL. */
export const FGETS_PIECE_BYTES = 8969;

/**
 * One fgets read, as a view of its bytes: one object, filled again for every piece, so it is valid only
 * during the call it is handed to (its bytes, too, may be reused after it unless `inInput`).
 */
export class FgetsPiece {
  bytes: Buffer = Buffer.alloc(0);
  start = 0;
  /** The end of the piece: after its newline when it has one. */
  end = 0;
  /** The end of its text: its first NUL (strdup), else `end`. */
  textEnd = 0;
  /** The line of the input it is part of, from 1. */
  line = 1;
  /** A later piece of a line longer than a piece. */
  continuation = false;
  /** The piece held a NUL: its text stops there. */
  cutAtNul = false;
  /** The piece is the end of its line (its newline, or the end of the input). */
  endsLine = false;
  /** `bytes` is the input's own chunk, never written to again: a view of it stays valid after the call. */
  inInput = false;
  private madeText: string | null = null;

  /** One JS char per byte, up to the first NUL, the newline kept when there is one. */
  get text(): string {
    this.madeText ??= this.bytes.toString('latin1', this.start, this.textEnd);
    return this.madeText;
  }

  set(bytes: Buffer, start: number, end: number, textEnd: number, inInput: boolean): void {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.textEnd = textEnd;
    this.cutAtNul = textEnd !== end;
    this.inInput = inInput;
    this.madeText = null;
  }
}

const NEWLINE = 10;

export class FgetsPieces {
  private readonly held = Buffer.allocUnsafe(FGETS_PIECE_BYTES);
  private heldBytes = 0;
  private readonly piece = new FgetsPiece();
  private continuation = false;

  constructor(private readonly onPiece: (piece: FgetsPiece) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    /** The chunk's next NUL at or after `at` (-1: none left), found once for many lines. */
    let nul = chunk.indexOf(0);
    while (at < chunk.length) {
      const room = FGETS_PIECE_BYTES - this.heldBytes;
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline !== -1 && newline - at < room ? newline + 1 : Math.min(chunk.length, at + room);
      const full = end - at === room || chunk[end - 1] === NEWLINE;
      if (nul !== -1 && nul < at) nul = chunk.indexOf(0, at);
      if (this.heldBytes === 0 && full) this.emit(chunk, at, end, nul !== -1 && nul < end ? nul : end, true);
      else {
        chunk.copy(this.held, this.heldBytes, at, end);
        this.heldBytes += end - at;
        if (full) this.emitHeld();
      }
      at = end;
    }
  }

  /** The input ended: a last line with no newline is a piece too. */
  end(): void {
    if (this.heldBytes > 0) this.emitHeld(true);
    this.piece.line = 1;
    this.continuation = false;
  }

  private emitHeld(last = false): void {
    const nul = this.held.subarray(0, this.heldBytes).indexOf(0);
    this.emit(this.held, 0, this.heldBytes, nul === -1 ? this.heldBytes : nul, false, last);
  }

  private emit(bytes: Buffer, start: number, end: number, textEnd: number, inInput: boolean, last = false): void {
    const piece = this.piece;
    const endsLine = last || bytes[end - 1] === NEWLINE;
    piece.set(bytes, start, end, textEnd, inInput);
    piece.continuation = this.continuation;
    piece.endsLine = endsLine;
    this.heldBytes = 0;
    this.onPiece(piece);
    if (endsLine) {
      piece.line++;
      this.continuation = false;
    } else this.continuation = true;
  }
}
