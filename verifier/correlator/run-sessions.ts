import type { AuditInput } from '../../src/reader/input-set.js';
import { ALL_BUT_INTERPRETED } from '../../src/reader/line-forms.js';
import { readAuditEventsThreaded } from '../../src/reader/read-events-threaded.js';
import { SessionCorrelator } from './session-correlator.js';

/** Reads the inputs (event state carried across files) and correlates every event. */
export async function correlateSessions(inputs: readonly AuditInput[], onProgress?: (bytes: number) => void): Promise<SessionCorrelator> {
  const correlator = new SessionCorrelator();
  await readAuditEventsThreaded(inputs, (event) => correlator.handle(event), {
    forms: ALL_BUT_INTERPRETED,
    order: 'stamp',
    keepTypes: SessionCorrelator.keepTypes,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  correlator.finish();
  return correlator;
}
