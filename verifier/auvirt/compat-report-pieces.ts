import type { Reading } from '../../src/reader/read-events-threaded.js';
import { formatSummary, writeEventPieces } from './compat-format.js';
import type { CompatReportRequest } from './compat-report.js';
import { correlateCompat } from './run-compat.js';

/** auvirt --compat's report, correlation then rows or summary, handed to `write` in byte pieces it must be done with when it returns. */
export async function writeCompatPieces(request: CompatReportRequest, write: (piece: Buffer) => void, reading?: Reading): Promise<void> {
  const correlator = await correlateCompat(request.inputs, request.options, reading);
  try {
    if (request.summary) write(Buffer.from(formatSummary(correlator.events), 'latin1'));
    else writeEventPieces(correlator.events, request.flags, write);
  } finally {
    correlator.events.close();
  }
}
