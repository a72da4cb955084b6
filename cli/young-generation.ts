import { setFlagsFromString } from 'node:v8';

/**
 * The reports make many short-lived objects per record; with V8's default young generation (which starts
 * at 1 MB) much of their time goes to scavenges. Threads started after this call get 16 MB semi-spaces
 * (the main thread keeps what it started with): on a 1M-line log a quarter of the scavenges, about the
 * same peak memory (see BENCHMARKS.md for the timings).
 */
export function roomierYoungGeneration(): void {
  setFlagsFromString('--min-semi-space-size=16');
}
