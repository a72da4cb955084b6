import { fstatSync, statSync } from 'node:fs';
import type { AuditInput } from '../src/reader/input-set.js';

export interface ProgressReporter {
  readonly update: (bytes: number) => void;
  readonly done: () => void;
  readonly active: boolean;
}

/**
 * The bytes the inputs hold, when all are known: files by their size, stdin when it is a file redirected
 * in (a pipe's length is not known).
 */
export function totalBytes(inputs: readonly AuditInput[]): number | undefined {
  let total = 0;
  for (const input of inputs) {
    try {
      const info = input.kind === 'stdin' ? fstatSync(0) : statSync(input.path);
      if (!info.isFile()) return undefined;
      total += info.size;
    } catch {
      return undefined;
    }
  }
  return total;
}

const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** The progress line's text: bytes read, and the percent of the total when it is known. */
export function progressText(bytes: number, total: number | undefined): string {
  const share = total === undefined || total === 0 ? '' : ` (${Math.min(100, Math.floor((bytes / total) * 100))}% of ${megabytes(total)} MB)`;
  return `virt-audit: ${megabytes(bytes)} MB read${share}`;
}

/**
 * A progress line on stderr while reading large input, only when stderr is a terminal (redrawn at most
 * four times a second). `total`: the inputs' size (totalBytes), for the percent.
 */
export function progressReporter(total?: number, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { update: () => {}, done: () => {}, active: false };
  let last = 0;
  let shown = false;
  return {
    active: true,
    update(bytes: number) {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[K${progressText(bytes, total)}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
