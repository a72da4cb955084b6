// LiveEvents for rule tests, made from the sessions the correlator (default mode) reads from a log: each
// session's start (or failed start), resources, AVCs, anomalies, gaps and end, in time order. It stands in
// for the live correlator (built beside this work) so that rules meet the events real records give.
import type { LiveEvent } from '../../verifier/live/live-event.js';
import { readSessions, type Session } from '../../verifier/sessions.js';

export async function liveEventsOfLog(path: string): Promise<LiveEvent[]> {
  const sessions: Session[] = [];
  for await (const session of readSessions([path])) sessions.push(session);
  return liveEventsOf(sessions);
}

export function liveEventsOf(sessions: readonly Session[]): LiveEvent[] {
  const events: LiveEvent[] = [];
  for (const session of sessions) {
    const guest = { node: session.node, uuid: session.uuid, name: session.name };
    if (session.start) {
      events.push({ ...guest, event: session.start.success ? 'session-started' : 'session-failed', time: session.start.time, proofs: [session.start.proof], success: session.start.success, vmPid: session.start.vmPid, user: session.start.user, reason: session.start.reason });
    }
    for (const resource of session.resources) {
      events.push({ ...guest, event: 'resource-assigned', time: resource.start, proofs: resource.proofs.slice(0, 1), resource: { kind: resource.kind, reason: resource.reason, value: resource.value, previous: resource.previous } });
      if (resource.end !== null) events.push({ ...guest, event: 'resource-released', time: resource.end, proofs: resource.proofs.slice(-1), resource: { kind: resource.kind, reason: resource.endedBy ?? 'stop', value: resource.value, previous: null } });
    }
    for (const avc of session.avcs) events.push({ ...guest, event: 'avc', time: avc.time, proofs: [avc.proof], detail: avc });
    for (const anomaly of session.anomalies) events.push({ ...guest, event: 'anomaly', time: anomaly.time, proofs: [anomaly.proof], detail: anomaly });
    for (const gap of session.gaps) {
      events.push({ ...guest, event: 'gap-opened', time: gap.from, proofs: [gap.fromProof] });
      if (gap.to !== null && gap.toProof !== null) events.push({ ...guest, event: 'gap-closed', time: gap.to, proofs: [gap.toProof] });
    }
    if (session.end) {
      const stop = session.stops.at(-1);
      events.push({ ...guest, event: 'session-ended', time: session.end.time, proofs: [session.end.proof], how: session.end.how, reason: stop?.reason ?? null });
    }
  }
  return events.map((event, index) => ({ event, index })).sort((a, b) => a.event.time.localeCompare(b.event.time) || a.index - b.index).map(({ event }) => event);
}
