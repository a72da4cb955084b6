// What a watch told and what a batch run's sessions say, as the same facts (guest, change, proofs), so the
// two can be compared: sessions started, failed and ended, resources assigned and released, gaps, AVCs and
// anomalies.
import type { SessionJson } from '../../verifier/correlator/session-json.js';
import type { LiveEvent } from '../../verifier/live/live-event.js';

/** The facts of the JSON report's sessions, sorted. */
export function batchFacts(sessions: readonly SessionJson[]): string[] {
  const facts: string[] = [];
  for (const session of sessions) {
    const guest = session.uuid;
    if (session.start) facts.push(`${guest} ${session.start.success ? 'session-started' : 'session-failed'} ${session.start.proof}`);
    if (session.end && session.end.how !== 'failed-start') facts.push(`${guest} session-ended ${session.end.how} ${session.end.proof}`);
    for (const resource of session.resources) {
      const closedAtCreation = resource.end !== null && resource.proofs.length === 1;
      if (!closedAtCreation) facts.push(`${guest} resource-assigned ${resource.kind} ${resource.proofs[0]}`);
      if (resource.end !== null) facts.push(`${guest} resource-released ${resource.kind} ${resource.proofs.join(',')}`);
    }
    for (const gap of session.gaps) {
      facts.push(`${guest} gap-opened ${gap.fromProof}`);
      if (gap.toProof !== null) facts.push(`${guest} gap-closed ${gap.fromProof},${gap.toProof}`);
    }
    for (const avc of session.avcs) facts.push(`${guest} avc ${avc.proof}`);
    for (const anomaly of session.anomalies) facts.push(`${guest} anomaly ${anomaly.proof}`);
  }
  return facts.sort();
}

/** The facts of a watch's events, sorted. */
export function liveFacts(events: readonly LiveEvent[]): string[] {
  return events
    .map((event) => {
      const guest = event.uuid;
      switch (event.event) {
        case 'session-ended':
          return `${guest} session-ended ${event.how} ${event.proofs[0]}`;
        case 'resource-assigned':
        case 'resource-released':
          return `${guest} ${event.event} ${event.resource!.kind} ${event.proofs.join(',')}`;
        case 'gap-closed':
          return `${guest} gap-closed ${event.proofs.join(',')}`;
        default:
          return `${guest} ${event.event} ${event.proofs[0]}`;
      }
    })
    .sort();
}

