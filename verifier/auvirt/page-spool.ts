// A table too large to keep in memory lives in fixed-size pages: the most recently used ones in memory,
// the others in a temporary file. The file is unnamed as soon as it is open, so it goes with the process
// however that ends (exit, SIGINT, SIGTERM, a crash), and it holds only what was written to it: its size
// is bounded by the input.
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The temporary file could not be made or written (a full disk, a TMPDIR one cannot write in). */
export class SpoolError extends Error {
  override readonly name = 'SpoolError';
}

interface CachedPage {
  readonly buffer: ArrayBuffer;
  dirty: boolean;
}

export class PageSpool {
  /**
   * Counts the pages put out of memory: a caller keeping views of a page may keep using them while the
   * count has not changed (the page's memory may hold another page after an eviction).
   */
  evictions = 0;
  private pages = 0;
  /** Least recently used first (a Map keeps insertion order). */
  private readonly cache = new Map<number, CachedPage>();
  private fd: number | undefined;
  private fileBytes = 0;
  private readonly directory: string;

  /**
   * @param pageBytes - The size of a page.
   * @param cachedPages - How many pages stay in memory; the file is made only when one more is needed.
   * @param directory - Where the temporary file is made: `$TMPDIR`, else /tmp.
   */
  constructor(
    readonly pageBytes: number,
    private readonly cachedPages: number,
    directory?: string,
  ) {
    this.directory = directory ?? tmpdir();
  }

  /** How many pages were allocated. */
  get length(): number {
    return this.pages;
  }

  /** Bytes written to the temporary file so far. */
  get spooledBytes(): number {
    return this.fileBytes;
  }

  /** A new page of zeros; its number. Pages are numbered from 0 in the order they are allocated. */
  allocate(): number {
    const id = this.pages++;
    const buffer = this.room();
    new Uint8Array(buffer).fill(0);
    this.cache.set(id, { buffer, dirty: true });
    return id;
  }

  /**
   * The memory of page `id`, read back from the file if it was put out. `forWrite`: the page is written
   * to the file again when it leaves memory.
   */
  page(id: number, forWrite: boolean): ArrayBuffer {
    let entry = this.cache.get(id);
    if (entry === undefined) {
      if (id < 0 || id >= this.pages) throw new RangeError(`no page ${id} (${this.pages} pages)`);
      const buffer = this.room();
      this.read(id, buffer);
      entry = { buffer, dirty: false };
    } else {
      this.cache.delete(id);
    }
    this.cache.set(id, entry);
    if (forWrite) entry.dirty = true;
    return entry.buffer;
  }

  /** Closes the file (it is gone then). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Memory for one more page: new while the cache has room, else the least recently used page's, written out first if changed. */
  private room(): ArrayBuffer {
    if (this.cache.size < this.cachedPages) return new ArrayBuffer(this.pageBytes);
    const [oldest, entry] = this.cache.entries().next().value as [number, CachedPage];
    this.cache.delete(oldest);
    if (entry.dirty) this.write(oldest, entry.buffer);
    this.evictions++;
    return entry.buffer;
  }

  private write(id: number, buffer: ArrayBuffer): void {
    const fd = this.file();
    const bytes = new Uint8Array(buffer);
    const position = id * this.pageBytes;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
    } catch (error) {
      throw new SpoolError(`cannot write the temporary file in ${this.directory} (${this.fileBytes} bytes written): ${reason(error)}`);
    }
    this.fileBytes = Math.max(this.fileBytes, position + bytes.length);
  }

  private read(id: number, buffer: ArrayBuffer): void {
    const bytes = new Uint8Array(buffer);
    const position = id * this.pageBytes;
    let done = 0;
    try {
      while (done < bytes.length) {
        const count = readSync(this.fd!, bytes, done, bytes.length - done, position + done);
        if (count === 0) break;
        done += count;
      }
    } catch (error) {
      throw new SpoolError(`cannot read the temporary file in ${this.directory} back: ${reason(error)}`);
    }
    if (done < bytes.length) throw new SpoolError(`the temporary file in ${this.directory} ends at ${position + done} bytes, page ${id} was written up to ${position + bytes.length}`);
  }

  private file(): number {
    if (this.fd !== undefined) return this.fd;
    try {
      const directory = mkdtempSync(join(this.directory, 'virt-audit-spool-'));
      const path = join(directory, 'pages');
      this.fd = openSync(path, 'w+', 0o600);
      unlinkSync(path);
      rmdirSync(directory);
    } catch (error) {
      throw new SpoolError(`cannot make a temporary file in ${this.directory}: ${reason(error)}`);
    }
    return this.fd;
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on the device (ENOSPC)';
  if (code === 'EDQUOT') return 'disk quota exceeded (EDQUOT)';
  return error.message;
}
