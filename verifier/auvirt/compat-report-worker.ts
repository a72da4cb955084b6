// The thread of writeCompatReport: makes the report and posts its pieces, at most a few ahead of the writer.
import { parentPort, workerData } from 'node:worker_threads';
import { InFlight } from '../../src/reader/in-flight.js';
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

const inFlight = new InFlight(MAX_PIECES_IN_FLIGHT);
port.on('message', () => inFlight.acknowledged());

try {
  for await (const piece of compatReportPieces(request, reading)) {
    await inFlight.room();
    inFlight.sent();
    // A piece that owns its memory moves; one cut from larger memory is copied into memory of its own.
    const sent = piece.byteOffset === 0 && piece.buffer.byteLength === piece.length ? piece : new Uint8Array(piece);
    port.postMessage({ kind: 'piece', piece: sent } satisfies CompatReportMessage, [sent.buffer as ArrayBuffer]);
  }
  await inFlight.drained();
  port.postMessage({ kind: 'done' } satisfies CompatReportMessage);
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ kind: 'failed', message: failure.message, name: failure.name } satisfies CompatReportMessage);
}
