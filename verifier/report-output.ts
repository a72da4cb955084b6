// Text handed to a sink in pieces of about 64 KiB: a report of millions of lines is neither held whole
// nor written a line per system call.
const PIECE_CHARS = 1 << 16;

export class PieceWriter {
  private pending: string[] = [];
  private chars = 0;

  constructor(private readonly sink: (text: string) => void) {}

  write(text: string): void {
    this.pending.push(text);
    this.chars += text.length;
    if (this.chars >= PIECE_CHARS) this.flush();
  }

  flush(): void {
    if (this.chars === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.chars = 0;
    this.sink(text);
  }
}
