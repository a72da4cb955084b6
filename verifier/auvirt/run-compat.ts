// Modules imported one by one, not through src/index.js: auvirt starts in about half the time.
import type { AuditInput } from '../../src/reader/input-set.js';
import { ALL_BUT_INTERPRETED } from '../../src/reader/read-events.js';
import { readAuditEventsThreaded } from '../../src/reader/read-events-threaded.js';
import { CompatCorrelator, type CompatOptions } from './compat-correlator.js';

/** Reads the inputs as auparse would and feeds every event to auvirt's correlation. */
export async function correlateCompat(inputs: readonly AuditInput[], options: CompatOptions): Promise<CompatCorrelator> {
  const correlator = new CompatCorrelator(options);
  await readAuditEventsThreaded(inputs, (event) => correlator.handle(event), {
    forms: ALL_BUT_INTERPRETED, order: 'stamp', keepTypes: correlator.keepTypes,
  });
  return correlator;
}
