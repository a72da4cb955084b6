// auvirt's report as CSV (report-csv.ts's quoting and formula guard), made from the sessions' published
// JSON form: a session per row with its scalar fields, or, for --all-events, an event of a session per
// row (its start, stops, resource assignments, AVCs and anomalies), in time order.
import type { SessionJson } from './correlator/session-json.js';
import { csvRow, type CsvValue } from './report-csv.js';

const SESSION_COLUMNS = [
  'node', 'uuid', 'name', 'virt', 'start.time', 'start.reason', 'start.success', 'start.vmPid', 'start.user', 'start.proof',
  'end.time', 'end.how', 'end.proof', 'running', 'durationMs', 'gaps', 'stops', 'labels', 'resources', 'avcs', 'anomalies',
] as const;

/** A session per row: its scalar fields (start and end flattened as `start.time` …) and how many of each list it has. */
export function sessionsCsv(sessions: readonly SessionJson[]): string {
  const rows = sessions.map((session) =>
    csvRow([
      session.node, session.uuid, session.name, session.virt,
      session.start?.time, session.start?.reason, session.start?.success, session.start?.vmPid, session.start?.user, session.start?.proof,
      session.end?.time, session.end?.how, session.end?.proof, session.running, session.durationMs,
      session.gaps.length, session.stops.length, session.labels.length, session.resources.length, session.avcs.length, session.anomalies.length,
    ]),
  );
  return csvRow(SESSION_COLUMNS) + rows.join('');
}

const EVENT_COLUMNS = ['time', 'event', 'node', 'uuid', 'name', 'success', 'reason', 'user', 'resource', 'value', 'previous', 'end', 'endedBy', 'detail', 'proof'] as const;

type EventRow = { readonly time: string; readonly order: number; readonly values: readonly CsvValue[] };

/** Each event of each session per row, in time order: start, stop, resrc, avc, anom (--all-events's kinds). */
export function sessionEventsCsv(sessions: readonly SessionJson[]): string {
  const rows: EventRow[] = [];
  for (const session of sessions) {
    const who = [session.node, session.uuid, session.name] as const;
    const row = (time: string, values: readonly CsvValue[]): void => {
      rows.push({ time, order: rows.length, values: [time, ...values] });
    };
    if (session.start !== null) {
      const start = session.start;
      row(start.time, ['start', ...who, start.success, start.reason, start.user, null, null, null, session.end?.time, session.end?.how, null, start.proof]);
    }
    for (const stop of session.stops) row(stop.time, ['stop', ...who, stop.success, stop.reason, stop.user, null, null, null, null, null, null, stop.proof]);
    for (const resource of session.resources) {
      const detail = Object.keys(resource.details).length === 0 ? null : JSON.stringify(resource.details);
      row(resource.start, ['resrc', ...who, resource.success, resource.reason, null, resource.kind, resource.value, resource.previous, resource.end, resource.endedBy, detail, resource.proofs.join(' ')]);
    }
    for (const avc of session.avcs) {
      const { proof, time, user, result, ...rest } = avc;
      row(time, ['avc', ...who, result !== 'denied', result, user, null, avc.target, null, null, null, JSON.stringify(rest), proof]);
    }
    for (const anomaly of session.anomalies) {
      const { proof, time, user, ...rest } = anomaly;
      row(time, ['anom', ...who, null, anomaly.type, user, null, null, null, null, null, JSON.stringify(rest), proof]);
    }
  }
  rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.order - b.order));
  return csvRow(EVENT_COLUMNS) + rows.map((row) => csvRow(row.values)).join('');
}

/** The summary's counts, a name and a value per row. */
export function summaryCsv(summary: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(summary).map(([name, value]) => csvRow([name, value === null || typeof value !== 'object' ? (value as CsvValue) : JSON.stringify(value)]));
  return csvRow(['count', 'value']) + rows.join('');
}
