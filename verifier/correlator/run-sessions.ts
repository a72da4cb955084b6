import type { AuditInput } from '../../src/reader/input-set.js';
import type { Reading } from '../../src/reader/read-events-threaded.js';
import { SessionCorrelator, type CorrelatorOptions } from './session-correlator.js';
import { startSessionReading } from './session-reading.js';

export interface CorrelateOptions extends CorrelatorOptions {
  readonly onProgress?: (bytes: number) => void;
}

/** Events between two calls of `meanwhile`. */
const EVENTS_BETWEEN = 2048;

/**
 * Correlates every event of a reading begun with startSessionReading. `meanwhile` is called every few
 * thousand events with the correlator so far (a report writes the rows that are settled).
 */
export async function correlateReading(reading: Reading, options: CorrelatorOptions = {}, meanwhile?: (correlator: SessionCorrelator) => void): Promise<SessionCorrelator> {
  const correlator = new SessionCorrelator(options);
  if (meanwhile === undefined) await reading.consume((event) => correlator.handle(event));
  else {
    let events = 0;
    await reading.consume((event) => {
      correlator.handle(event);
      if (++events === EVENTS_BETWEEN) {
        events = 0;
        meanwhile(correlator);
      }
    });
  }
  correlator.finish();
  return correlator;
}

/** Reads the inputs (event state carried across files) and correlates every event. */
export async function correlateSessions(inputs: readonly AuditInput[], options: CorrelateOptions = {}): Promise<SessionCorrelator> {
  const { onProgress, ...correlatorOptions } = options;
  return correlateReading(startSessionReading(inputs, onProgress), correlatorOptions);
}
