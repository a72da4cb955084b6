import { ALL_BUT_INTERPRETED, readAuditEventsThreaded, type AuditInput } from '../../src/index.js';
import { CompatCorrelator, type CompatOptions } from './compat-correlator.js';

/** Reads the inputs as auparse would and feeds every event to auvirt's correlation. */
export async function correlateCompat(inputs: readonly AuditInput[], options: CompatOptions): Promise<CompatCorrelator> {
  const correlator = new CompatCorrelator(options);
  await readAuditEventsThreaded(inputs, (event) => correlator.handle(event), {
    forms: ALL_BUT_INTERPRETED, order: 'stamp', keepTypes: correlator.keepTypes,
  });
  return correlator;
}
