// The thread of writeCompatReport: makes the report and posts its pieces, at most a few ahead of the writer.
import { parentPort, workerData } from 'node:worker_threads';
import { readingFromPort } from '../../src/reader/read-events-threaded.js';
import { MAX_PIECES_IN_FLIGHT, type CompatReportMessage, type CompatReportWorkerData } from './compat-report.js';
import { startCompatReading } from './compat-reading.js';

const port = parentPort!;
const request = workerData as CompatReportWorkerData;
// The reading thread started beside this one; failing that, reading starts first here, and its thread
// boots while this one loads the correlator.
const progress = (bytesRead: number): void => port.postMessage({ kind: 'progress', bytesRead } satisfies CompatReportMessage);
const reading =
  request.readingPort === undefined ? startCompatReading(request.inputs, request.options.correlateAvcAndAnomalies, progress) : readingFromPort(request.readingPort, progress);
const { compatReportPieces } = await import('./compat-report-pieces.js');

let inFlight = 0;
let wakeUp: (() => void) | undefined;
port.on('message', () => {
  inFlight--;
  wakeUp?.();
});

try {
  for await (const piece of compatReportPieces(request, reading)) {
    while (inFlight >= MAX_PIECES_IN_FLIGHT) await new Promise<void>((resolve) => (wakeUp = resolve));
    inFlight++;
    // A piece that owns its memory moves; one cut from shared memory (a small Buffer) is copied.
    const owns = piece.byteOffset === 0 && piece.buffer.byteLength === piece.length;
    const sent = owns ? piece : Buffer.from(piece);
    port.postMessage({ kind: 'piece', piece: sent } satisfies CompatReportMessage, owns || sent.buffer.byteLength === sent.length ? [sent.buffer as ArrayBuffer] : []);
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wakeUp = resolve));
  port.postMessage({ kind: 'done' } satisfies CompatReportMessage);
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ kind: 'failed', message: failure.message, name: failure.name } satisfies CompatReportMessage);
}
