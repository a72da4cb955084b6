// Modules imported one by one, not through src/index.js: the compat path loads only what it uses.
import type { AuditInput } from '../../src/reader/input-set.js';
import type { Reading } from '../../src/reader/read-events-threaded.js';
import { CompatCorrelator, type CompatOptions } from './compat-correlator.js';
import { startCompatReading } from './compat-reading.js';

/** Reads the inputs as auparse would (or takes a reading already begun) and feeds every event to auvirt's correlation. */
export async function correlateCompat(inputs: readonly AuditInput[], options: CompatOptions, reading?: Reading): Promise<CompatCorrelator> {
  const correlator = new CompatCorrelator(options);
  await (reading ?? startCompatReading(inputs, options.correlateAvcAndAnomalies)).consume((event) => correlator.handle(event));
  return correlator;
}
