import type { AuditInput } from '../../src/reader/input-set.js';
import type { Reading } from '../../src/reader/read-events-threaded.js';
import { SessionCorrelator, type CorrelatorOptions } from './session-correlator.js';
import { startSessionReading } from './session-reading.js';

export interface CorrelateOptions extends CorrelatorOptions {
  readonly onProgress?: (bytes: number) => void;
}

/** Correlates every event of a reading begun with startSessionReading. */
export async function correlateReading(reading: Reading, options: CorrelatorOptions = {}): Promise<SessionCorrelator> {
  const correlator = new SessionCorrelator(options);
  await reading.consume((event) => correlator.handle(event));
  correlator.finish();
  return correlator;
}

/** Reads the inputs (event state carried across files) and correlates every event. */
export async function correlateSessions(inputs: readonly AuditInput[], options: CorrelateOptions = {}): Promise<SessionCorrelator> {
  const { onProgress, ...correlatorOptions } = options;
  return correlateReading(startSessionReading(inputs, onProgress), correlatorOptions);
}
