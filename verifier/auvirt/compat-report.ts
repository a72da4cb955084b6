// auvirt --compat's whole report (correlation, then rows or summary) as byte pieces. From the build it
// runs on a worker thread of its own: a fresh isolate takes the young-generation size the command asks
// for (a running one keeps the size it started with), and the report's many short-lived objects then
// cost a quarter of the scavenges. Reading runs on a further thread (readAuditEventsThreaded).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditInput } from '../../src/reader/input-set.js';
import type { CompatOptions } from './compat-correlator.js';
import { formatEventPieces, formatSummary, type FormatFlags } from './compat-format.js';
import { correlateCompat } from './run-compat.js';

export interface CompatReportRequest {
  readonly inputs: readonly AuditInput[];
  readonly options: CompatOptions;
  readonly flags: FormatFlags;
  readonly summary: boolean;
}

export type CompatReportMessage =
  | { readonly kind: 'piece'; readonly piece: Uint8Array }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly message: string; readonly name: string };

const WORKER_FILE = fileURLToPath(new URL('./compat-report-worker.js', import.meta.url));
/** Pieces (1 MB each) posted and not yet written. */
export const MAX_PIECES_IN_FLIGHT = 4;

/** The report's pieces, in order, on this thread. */
export async function* compatReportPieces(request: CompatReportRequest): AsyncGenerator<Buffer> {
  const correlator = await correlateCompat(request.inputs, request.options);
  if (request.summary) yield Buffer.from(formatSummary(correlator.events), 'latin1');
  else yield* formatEventPieces(correlator.events, request.flags);
}

/** Writes the report with `write`, made on a worker thread where the build allows it. */
export async function writeCompatReport(request: CompatReportRequest, write: (piece: Buffer) => Promise<void>): Promise<void> {
  if (!import.meta.url.endsWith('.js') || !existsSync(WORKER_FILE)) {
    for await (const piece of compatReportPieces(request)) await write(piece);
    return;
  }
  let worker: Worker;
  try {
    worker = new Worker(WORKER_FILE, { workerData: request });
  } catch {
    for await (const piece of compatReportPieces(request)) await write(piece);
    return;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let writing = Promise.resolve();
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        writing.then(() => (error === undefined ? resolve() : reject(error)), reject);
      };
      worker.on('message', (message: CompatReportMessage) => {
        if (settled) return;
        if (message.kind === 'piece') {
          const piece = Buffer.from(message.piece.buffer, message.piece.byteOffset, message.piece.byteLength);
          writing = writing.then(() => write(piece)).then(() => worker.postMessage('written'));
          writing.catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
        } else if (message.kind === 'done') finish();
        else finish(Object.assign(new Error(message.message), { name: message.name }));
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) => finish(new Error(`the report thread stopped (exit code ${code}) before the report was complete`)));
    });
  } finally {
    await worker.terminate();
  }
}
