import type { AuditInput } from '../../src/reader/input-set.js';
import { ALL_BUT_INTERPRETED } from '../../src/reader/line-forms.js';
import { readAuditEventsThreaded } from '../../src/reader/read-events-threaded.js';
import { SessionCorrelator, type CorrelatorOptions } from './session-correlator.js';

export interface CorrelateOptions extends CorrelatorOptions {
  readonly onProgress?: (bytes: number) => void;
}

/** Reads the inputs (event state carried across files) and correlates every event. */
export async function correlateSessions(inputs: readonly AuditInput[], options: CorrelateOptions = {}): Promise<SessionCorrelator> {
  const { onProgress, ...correlatorOptions } = options;
  const correlator = new SessionCorrelator(correlatorOptions);
  await readAuditEventsThreaded(inputs, (event) => correlator.handle(event), {
    forms: ALL_BUT_INTERPRETED,
    order: 'stamp',
    keepTypes: SessionCorrelator.keepTypes,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  correlator.finish();
  return correlator;
}
