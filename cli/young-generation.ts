import { setFlagsFromString } from 'node:v8';

/**
 * Both threads make many short-lived objects per line; with V8's default young generation (which starts
 * at 1 MB) much of their time goes to scavenges. Threads started after this call get 16 MB semi-spaces;
 * the main thread keeps what it started with, which is the same when it was started by the command's
 * `#!` line (`--min-semi-space-size=16`), as an installed `auvirt` or `virt-audit` is.
 *
 * The old generation of each thread is let grow 30% past what the last full collection kept alive instead
 * of V8's default (up to 4× on a fast collector): what the reading commands keep alive is a few MB, and
 * with two heaps growing each to several times that before a full collection, a hostile log of 10 M lines
 * took verify past 200 MB (docs/bounded-memory.md). Read at every collection, so it holds for this thread too.
 */
export function roomierYoungGeneration(): void {
  setFlagsFromString('--min-semi-space-size=16');
  setFlagsFromString('--heap-growing-percent=30');
}
