// A byte stream cut as ausearch and aureport 3.0.9 read it: fgets into a MAX_AUDIT_MESSAGE_LENGTH
// (8970-byte) buffer, so a line longer than 8969 bytes comes in pieces of 8969, each read as a line of
// its own; and each piece is then strdup'ed, so its text ends at its first NUL.

/** MAX_AUDIT_MESSAGE_LENGTH − 1: the most fgets puts in ausearch's buffer before its NUL. */
export const FGETS_PIECE_BYTES = 8969;

/** One fgets read. */
export interface FgetsPiece {
  /** One JS char per byte, up to the first NUL (strdup), the newline kept when there is one. */
  readonly text: string;
  /** The line of the input it is part of, from 1. */
  readonly line: number;
  /** A later piece of a line longer than a piece. */
  readonly continuation: boolean;
  /** The piece held a NUL: `text` stops there. */
  readonly cutAtNul: boolean;
  /** The piece is the end of its line (its newline, or the end of the input). */
  readonly endsLine: boolean;
}

const NEWLINE = 10;

export class FgetsPieces {
  private readonly held = Buffer.allocUnsafe(FGETS_PIECE_BYTES);
  private heldBytes = 0;
  private line = 1;
  private continuation = false;

  constructor(private readonly onPiece: (piece: FgetsPiece) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const room = FGETS_PIECE_BYTES - this.heldBytes;
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline !== -1 && newline - at < room ? newline + 1 : Math.min(chunk.length, at + room);
      const full = end - at === room || chunk[end - 1] === NEWLINE;
      if (this.heldBytes === 0 && full) this.emit(chunk, at, end);
      else {
        chunk.copy(this.held, this.heldBytes, at, end);
        this.heldBytes += end - at;
        if (full) this.emit(this.held, 0, this.heldBytes);
      }
      at = end;
    }
  }

  /** The input ended: a last line with no newline is a piece too. */
  end(): void {
    if (this.heldBytes > 0) this.emit(this.held, 0, this.heldBytes, true);
    this.line = 1;
    this.continuation = false;
  }

  private emit(bytes: Buffer, start: number, end: number, last = false): void {
    const endsLine = last || bytes[end - 1] === NEWLINE;
    const nul = bytes.subarray(start, end).indexOf(0);
    const cutAtNul = nul !== -1;
    const text = bytes.toString('latin1', start, cutAtNul ? start + nul : end);
    this.heldBytes = 0;
    this.onPiece({ text, line: this.line, continuation: this.continuation, cutAtNul, endsLine });
    if (endsLine) {
      this.line++;
      this.continuation = false;
    } else this.continuation = true;
  }
}
