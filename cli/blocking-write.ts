// Writes that wait for a slow reader instead of queueing: process.stdout queues in memory what a full pipe
// does not take (libuv leaves the pipe non-blocking), so a report of millions of lines read by a slower
// consumer would grow without bound.
import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `piece` (text as UTF-8) to `fd`, sleeping a millisecond whenever the pipe is full. A closed pipe (EPIPE) ends the process quietly, as other Unix tools do. */
export function writeBlocking(fd: number, piece: string | Uint8Array): void {
  const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw error;
    }
  }
}
