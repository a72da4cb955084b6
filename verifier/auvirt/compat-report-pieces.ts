import type { Reading } from '../../src/reader/read-events-threaded.js';
import { formatEventPieces, formatSummary } from './compat-format.js';
import type { CompatReportRequest } from './compat-report.js';
import { correlateCompat } from './run-compat.js';

/** auvirt --compat's report, correlation then rows or summary, in byte pieces. */
export async function* compatReportPieces(request: CompatReportRequest, reading?: Reading): AsyncGenerator<Buffer> {
  const correlator = await correlateCompat(request.inputs, request.options, reading);
  if (request.summary) yield Buffer.from(formatSummary(correlator.events), 'latin1');
  else yield* formatEventPieces(correlator.events, request.flags);
}
