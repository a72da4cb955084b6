// auvirt --compat's whole report (correlation, then rows or summary) as byte pieces. From the build it
// runs on a worker thread of its own: a fresh isolate takes the young-generation size the command asks
// for (a running one keeps the size it started with), and the report's many short-lived objects then
// cost a quarter of the scavenges. Reading runs on a further thread (readAuditEventsThreaded).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import { handOverReading } from '../../src/reader/read-events-threaded.js';
import type { AuditInput } from '../../src/reader/input-set.js';
import type { CompatOptions } from './compat-correlator.js';
import type { FormatFlags } from './compat-format.js';
import { compatReadOptions, startCompatReading } from './compat-reading.js';

export interface CompatReportRequest {
  readonly inputs: readonly AuditInput[];
  readonly options: CompatOptions;
  readonly flags: FormatFlags;
  readonly summary: boolean;
}

export interface CompatReportWorkerData extends CompatReportRequest {
  /** Where a reading thread started beside this one sends its events. */
  readonly readingPort?: MessagePort;
}

export type CompatReportMessage =
  | { readonly kind: 'piece'; readonly piece: Uint8Array }
  | { readonly kind: 'progress'; readonly bytesRead: number }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly message: string; readonly name: string };

const WORKER_FILE = fileURLToPath(new URL('./compat-report-worker.js', import.meta.url));
/** Pieces (1 MB each) posted and not yet written. */
export const MAX_PIECES_IN_FLIGHT = 4;

/** The report made on this thread. */
async function writeHere(request: CompatReportRequest, write: (piece: Buffer) => Promise<void>, onProgress?: (bytesRead: number) => void): Promise<void> {
  const reading = startCompatReading(request.inputs, request.options.correlateAvcAndAnomalies, onProgress);
  const { compatReportPieces } = await import('./compat-report-pieces.js');
  for await (const piece of compatReportPieces(request, reading)) await write(piece);
}

/** Writes the report with `write`, made on a worker thread where the build allows it. */
export async function writeCompatReport(request: CompatReportRequest, write: (piece: Buffer) => Promise<void>, onProgress?: (bytesRead: number) => void): Promise<void> {
  // A worker's process.stdin is not the process's: a report of stdin is made here.
  if (!import.meta.url.endsWith('.js') || !existsSync(WORKER_FILE) || request.inputs.some((input) => input.kind === 'stdin')) return writeHere(request, write, onProgress);
  // Both threads start now, side by side; the reading thread sends its events straight to the report's.
  const reading = handOverReading(request.inputs, compatReadOptions(request.options.correlateAvcAndAnomalies));
  let worker: Worker;
  try {
    const workerData: CompatReportWorkerData = { ...request, ...(reading === null ? {} : { readingPort: reading.port }) };
    worker = new Worker(WORKER_FILE, { workerData, transferList: reading === null ? [] : [reading.port] });
  } catch {
    await reading?.worker.terminate();
    return writeHere(request, write, onProgress);
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
        if (message.kind === 'progress') onProgress?.(message.bytesRead);
        else if (message.kind === 'piece') {
          const piece = Buffer.from(message.piece.buffer, message.piece.byteOffset, message.piece.byteLength);
          writing = writing.then(() => write(piece)).then(() => worker.postMessage('written'));
          writing.catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
        } else if (message.kind === 'done') finish();
        else finish(Object.assign(new Error(message.message), { name: message.name }));
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) => finish(new Error(`the report thread stopped (exit code ${code}) before the report was complete`)));
      // The reading thread reports its own failures to the report thread; a crash only shows here.
      reading?.worker.on('error', (error) => finish(error));
      // It ends with 0 once the report thread has all its events; anything else is a crash.
      reading?.worker.on('exit', (code) => {
        if (code !== 0) finish(new Error(`the reading thread stopped (exit code ${code}) before the end of the input`));
      });
    });
  } finally {
    await Promise.all([worker.terminate(), reading?.worker.terminate()]);
  }
}
