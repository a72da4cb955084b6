import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError, displayName, type AuditInput } from './input-set.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type LinePrefilter, type SourceLine } from './line-splitter.js';

export interface ReadOptions {
  readonly maxLineBytes?: number;
  readonly stdin?: Readable;
  /** Called after each chunk with the bytes read so far, for progress display. */
  readonly onProgress?: (bytesRead: number) => void;
  /** Awaited after each chunk's lines, so a consumer doing async work per line keeps memory bounded. */
  readonly afterChunk?: () => Promise<void>;
  /**
   * The bytes of a file read at a time (default 1 MiB): less where what a chunk's lines make before the
   * next afterChunk must stay small (a line per byte pair can each make a diagnostic).
   */
  readonly chunkBytes?: number;
  /** Sees each line's bytes first; lines it takes care of never become strings (see LineSplitter). None for an input: undefined. */
  readonly prefilter?: (file: string, input: AuditInput) => LinePrefilter | undefined;
}

const CHUNK_BYTES = 1 << 20;

/** Reads the inputs one after another, oldest first, calling `onLine` for every line. */
export async function readInputs(
  inputs: readonly AuditInput[],
  onLine: (file: string, line: SourceLine) => void,
  options: ReadOptions = {},
): Promise<void> {
  let bytesRead = 0;
  for (const input of inputs) {
    const file = displayName(input);
    const splitter = new LineSplitter((line) => onLine(file, line), options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, options.prefilter?.(file, input));
    const chunks: AsyncIterable<Buffer | string> = input.kind === 'stdin' ? (options.stdin ?? process.stdin) : fileChunks(input.path, options.chunkBytes ?? CHUNK_BYTES);
    try {
      for await (const chunk of chunks) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
        splitter.push(buffer);
        bytesRead += buffer.length;
        options.onProgress?.(bytesRead);
        if (options.afterChunk) await options.afterChunk();
      }
    } catch (error) {
      // A failed read names its file (a directory, a file that vanished, a permission denied).
      if (error instanceof Error && 'code' in error) throw new InputError(file, error.message);
      throw error;
    }
    splitter.end();
    if (options.afterChunk) await options.afterChunk();
  }
}

/**
 * A file's bytes, a new buffer for every chunk (a consumer may keep lines that point into it). Read
 * straight from the file: a stream would join what it buffered into one more copy.
 */
export async function* fileChunks(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafeSlow(chunkBytes);
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
