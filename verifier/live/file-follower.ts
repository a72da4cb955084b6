// The audit log as auditd writes it, line by line: a partial last line waits for its newline; when auditd
// rotates (audit.log renamed, a new audit.log made) the old file is read to its end through the open
// descriptor, then the new one from its start; a file cut short (truncate) is read again from its start.
// Woken by fs.watch on the directory, and by a poll whatever happens (inotify misses renames on some
// filesystems, and on others does not exist).
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, readdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_MAX_LINE_BYTES } from '../../src/reader/line-splitter.js';
import type { LiveLine, LiveLineSource } from './live-event.js';

/** A place in a file that survives renames: its device and inode, and a byte offset. */
export interface FilePosition {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  readonly offset: number;
}

/**
 * `end`: what is written from now; `start`: the whole current file; `rotated`: the rotated files, oldest
 * first, then the current one; a position: go on from it (and the files rotated since, oldest first).
 */
export type FollowStart = 'end' | 'start' | 'rotated' | FilePosition;

export interface FollowOptions {
  readonly path: string;
  /** Default `end`. */
  readonly start?: FollowStart;
  /** Milliseconds between checks of the file when nothing woke the follower (default 250). */
  readonly pollMs?: number;
  /** fs.watch besides the poll (default true). */
  readonly watch?: boolean;
  readonly maxLineBytes?: number;
  /** What the follower saw that a reader should know: rotation, truncation, a resumed file not found. */
  readonly onNotice?: (message: string) => void;
}

const CHUNK_BYTES = 1 << 16;
const NEWLINE = 0x0a;

interface OpenFile {
  readonly handle: FileHandle;
  readonly dev: number;
  readonly ino: number;
  /** The name it was opened under (it may have been renamed since). */
  readonly path: string;
}

export class FileFollower implements LiveLineSource {
  dropped = 0;
  rotations = 0;
  truncations = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private watcher: FSWatcher | undefined;
  private file: OpenFile | undefined;
  /** Files opened before following, to be read whole, oldest first (rotated ones, then the log). */
  private queue: OpenFile[] = [];
  /** Offset of the byte after the last complete line handed out (or skipped). */
  private offset = 0;
  private lineNumber = 0;
  /** Reading began at the file's start, so line numbers are the file's (else lines are named by byte offset). */
  private fromFileStart = true;
  /** The start of a line not ended yet. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The line being read is over the limit: only its length is kept. */
  private overLong = false;
  /** Reading began within a line: its rest is not a line. */
  private skipToNewline = false;

  constructor(private readonly options: FollowOptions) {}

  /** `file:line` where the line number is known, else `file (byte N)`. */
  private origin(path: string, byteOffset: number): string {
    return this.fromFileStart ? `${path}:${this.lineNumber}` : `${path} (byte ${byteOffset})`;
  }

  /** Where the next line begins: what a state file keeps. */
  position(): FilePosition | null {
    return this.file === undefined ? null : { path: this.options.path, dev: this.file.dev, ino: this.file.ino, offset: this.offset };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LiveLine> {
    const { path } = this.options;
    const pollMs = this.options.pollMs ?? 250;
    const maxLineBytes = this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (this.options.watch ?? true) {
      try {
        this.watcher = watch(dirname(path), { persistent: false }, (_, name) => {
          if (name === null || String(name).startsWith(basename(path))) this.wake?.();
        });
        this.watcher.on('error', () => this.watcher?.close());
      } catch {
        // no inotify here: the poll alone
      }
    }
    try {
      this.skipToNewline = await this.openFirst();
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      let draining = false;
      while (!this.closed) {
        const file = this.file;
        if (file === undefined) {
          if (await this.reopen()) continue;
          await this.sleep(pollMs);
          continue;
        }
        const { bytesRead } = await file.handle.read(buffer, 0, CHUNK_BYTES, this.offset + this.partialBytes);
        if (bytesRead > 0) {
          let start = 0;
          for (let at = buffer.indexOf(NEWLINE, 0); at !== -1 && at < bytesRead; at = buffer.indexOf(NEWLINE, start)) {
            const piece = buffer.subarray(start, at);
            const lineBytes = this.partialBytes + piece.length;
            const line = this.partialBytes === 0 ? piece : Buffer.concat([...this.partial, piece]);
            start = at + 1;
            this.offset += lineBytes + 1;
            this.partial = [];
            this.partialBytes = 0;
            const lineStart = this.offset - lineBytes - 1;
            this.lineNumber++;
            if (this.skipToNewline) this.skipToNewline = false;
            else if (this.overLong || lineBytes > maxLineBytes) {
              this.dropped++;
              this.options.onNotice?.(`${this.origin(file.path, lineStart)}: a line of ${lineBytes} bytes, over ${maxLineBytes}: dropped`);
            } else {
              yield { text: line.toString('latin1'), origin: this.origin(file.path, lineStart) };
              if (this.closed || this.file !== file) break;
            }
            this.overLong = false;
          }
          if (this.file !== file || this.closed) continue;
          if (start < bytesRead) {
            const rest = Buffer.from(buffer.subarray(start, bytesRead));
            this.partialBytes += rest.length;
            if (this.partialBytes > maxLineBytes) {
              // An over-long line is counted, not held: only its length is kept.
              this.overLong = true;
              this.partial = [];
              this.offset += this.partialBytes;
              this.partialBytes = 0;
            } else this.partial.push(rest);
          }
          continue;
        }
        if (this.queue.length > 0) {
          // A rotated file read to its end: the next one, from its start (its lines ended before the rename).
          const last = this.unendedLastLine(file);
          if (last !== undefined) yield last;
          await file.handle.close();
          this.file = this.queue.shift();
          this.offset = 0;
          this.lineNumber = 0;
          this.fromFileStart = true;
          continue;
        }
        // At the end of what is written: rotated, cut short, or nothing new yet?
        const now = await stat(this.options.path).catch(() => null);
        if (now !== null && (now.dev !== file.dev || now.ino !== file.ino)) {
          if (!draining) {
            // Written to the old file before the rename and not read yet: one more read of it.
            draining = true;
            continue;
          }
          draining = false;
          const last = this.unendedLastLine(file);
          if (last !== undefined) yield last;
          await file.handle.close();
          this.file = undefined;
          await this.afterRotation(file);
          continue;
        }
        if (now !== null && now.size < this.offset + this.partialBytes) {
          if (this.partialBytes > 0) this.dropped++;
          this.forgetPartialLine();
          this.offset = 0;
          this.lineNumber = 0;
          this.fromFileStart = true;
          this.truncations++;
          this.options.onNotice?.(`${this.options.path}: truncated; reading it again from its start`);
          continue;
        }
        await this.sleep(pollMs);
      }
    } finally {
      this.watcher?.close();
      await this.file?.handle.close().catch(() => undefined);
      for (const queued of this.queue) await queued.handle.close().catch(() => undefined);
    }
  }

  /**
   * A file that will not grow again (rotated away, or read whole before the next): its unended last line is
   * a line; the partial-line state is reset for the next file.
   */
  private unendedLastLine(file: OpenFile): LiveLine | undefined {
    let last: LiveLine | undefined;
    if (this.partialBytes > 0 && !this.skipToNewline && !this.overLong) {
      this.lineNumber++;
      last = { text: Buffer.concat(this.partial).toString('latin1'), origin: this.origin(file.path, this.offset) };
    }
    this.forgetPartialLine();
    return last;
  }

  private forgetPartialLine(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.overLong = false;
    this.skipToNewline = false;
  }

  /** Opens the log where the options say; true when the first line may be the end of a partial one. */
  private async openFirst(): Promise<boolean> {
    const start = this.options.start ?? 'end';
    if (typeof start === 'object') return this.resume(start);
    if (start === 'rotated') {
      const files = await this.rotatedFiles();
      if (!(await this.reopen())) return false;
      this.queue = [...files.map((entry) => entry.file), this.file!];
      this.file = this.queue.shift();
      return false;
    }
    if (!(await this.reopen())) return false;
    if (start === 'start') return false;
    const size = (await this.file!.handle.stat()).size;
    this.offset = size;
    this.fromFileStart = size === 0;
    if (size === 0) return false;
    // Starting at the end within a line: that line's rest is not a line.
    const last = Buffer.alloc(1);
    await this.file!.handle.read(last, 0, 1, size - 1);
    return last[0] !== NEWLINE;
  }

  /**
   * The files written after `finished` (rotated since, then the log), oldest first: when rotations came
   * faster than the follower looked, the ones between are read too. A file whose inode is gone from the
   * set (deleted by auditd's num_logs) leaves only the log to read.
   */
  private async afterRotation(finished: OpenFile): Promise<void> {
    const files = (await this.rotatedFiles()).map((entry) => entry.file);
    if (await this.reopen()) files.push(this.file!);
    const at = files.findIndex((file) => file.dev === finished.dev && file.ino === finished.ino);
    const newer = at === -1 ? files.slice(-1) : files.slice(at + 1);
    this.rotations += at === -1 ? 1 : files.length - 1 - at;
    for (const file of files) if (!newer.includes(file)) await file.handle.close();
    this.file = newer.shift();
    this.queue = newer;
    this.offset = 0;
    this.lineNumber = 0;
    this.fromFileStart = true;
    const skipped = newer.length === 0 ? '' : ` (and ${newer.length} more rotated since)`;
    this.options.onNotice?.(`${this.options.path}: rotated; reading the files written after it from their start${skipped}`);
  }

  /**
   * The rotated files of the log (`audit.log.N`), opened, oldest first (auditd renames N to N+1, the log to
   * 1). Listed again until the listing holds still: a rotation while they are opened shifts every name.
   */
  private async rotatedFiles(): Promise<Array<{ readonly file: OpenFile; readonly size: number }>> {
    let files: Array<{ readonly file: OpenFile; readonly size: number }> = [];
    for (let attempt = 0; ; attempt++) {
      const names = await this.rotatedNames();
      files = [];
      let stable = true;
      for (const candidate of names) {
        try {
          const handle = await open(candidate, 'r');
          const info = await handle.stat();
          files.push({ file: { handle, dev: info.dev, ino: info.ino, path: candidate }, size: info.size });
        } catch {
          stable = false;
        }
      }
      if (stable) {
        const again = await this.rotatedNames();
        stable = again.length === names.length && again.every((name, index) => name === names[index]);
        for (const { file } of files) {
          const info = await stat(file.path).catch(() => null);
          if (info === null || info.ino !== file.ino || info.dev !== file.dev) stable = false;
        }
      }
      // Rotations without end (a log rotated every few milliseconds): the last listing, as it is.
      if (stable || attempt === 50) return files;
      for (const { file } of files) await file.handle.close();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async rotatedNames(): Promise<string[]> {
    const { path } = this.options;
    const directory = dirname(path);
    const prefix = `${basename(path)}.`;
    const names = await readdir(directory).catch(() => [] as string[]);
    return names
      .map((name) => ({ name, number: name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN }))
      .filter((entry) => Number.isInteger(entry.number) && entry.number > 0)
      .sort((a, b) => b.number - a.number)
      .map((entry) => join(directory, entry.name));
  }

  /**
   * Goes on from a saved position: in the log itself, or in the rotated file that now has its inode and
   * then each file rotated after it; when none has it, the log from its start (said in a notice).
   */
  private async resume(position: FilePosition): Promise<boolean> {
    const { path } = this.options;
    const files = await this.rotatedFiles();
    if (!(await this.reopen())) {
      for (const entry of files) await entry.file.handle.close();
      this.options.onNotice?.(`${path}: no such file yet; waiting for it`);
      return false;
    }
    const all = [...files.map((entry) => entry.file), this.file!];
    const at = all.findIndex((file) => file.dev === position.dev && file.ino === position.ino);
    for (const file of all.slice(0, Math.max(at, 0))) await file.handle.close();
    if (at === -1) {
      for (const entry of files) await entry.file.handle.close();
      this.options.onNotice?.(`${path}: the file of the saved state (inode ${position.ino}) is gone; reading the log from its start`);
      return false;
    }
    this.file = all[at]!;
    this.queue = all.slice(at + 1);
    if (this.file.path !== path) this.options.onNotice?.(`${path}: rotated while stopped; finishing ${this.file.path} first`);
    const size = (await this.file.handle.stat()).size;
    if (size < position.offset) {
      this.truncations++;
      this.options.onNotice?.(`${this.file.path}: shorter than the saved offset (truncated); reading it from its start`);
      this.offset = 0;
    } else {
      this.offset = position.offset;
      this.fromFileStart = position.offset === 0;
    }
    return false;
  }

  /** Opens the log's current file from its start; false when there is none yet. */
  private async reopen(): Promise<boolean> {
    try {
      const handle = await open(this.options.path, 'r');
      const info = await handle.stat();
      this.file = { handle, dev: info.dev, ino: info.ino, path: this.options.path };
      this.offset = 0;
      this.lineNumber = 0;
      this.fromFileStart = true;
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
