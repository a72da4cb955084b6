// auvirt --compat's whole report (correlation, then rows or summary) as byte pieces, made on this thread
// while a reading thread (readAuditEventsThreaded) reads and groups the input.
import type { AuditInput } from '../../src/reader/input-set.js';
import type { CompatOptions } from './compat-correlator.js';
import type { FormatFlags } from './compat-format.js';
import { loadBeside } from '../../src/reader/read-events-threaded.js';
import { startCompatReading } from './compat-reading.js';

export interface CompatReportRequest {
  readonly inputs: readonly AuditInput[];
  readonly options: CompatOptions;
  readonly flags: FormatFlags;
  readonly summary: boolean;
}

/** Writes the report with `write`, piece by piece; `write` must be done with a piece when it returns (its memory is reused). */
export async function writeCompatReport(request: CompatReportRequest, write: (piece: Buffer) => void, onProgress?: (bytesRead: number) => void): Promise<void> {
  // Reading starts first: its thread boots while the correlator loads.
  const reading = startCompatReading(request.inputs, request.options.correlateAvcAndAnomalies, onProgress);
  const { writeCompatPieces } = await loadBeside(reading, () => import('./compat-report-pieces.js'));
  await writeCompatPieces(request, write, reading);
}
