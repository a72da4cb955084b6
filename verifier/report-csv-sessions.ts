// auvirt's report as CSV (report-csv.ts's quoting and formula guard), made from the sessions' published
// JSON form as they are given: a session per row with its scalar fields, or, for --all-events, an event of
// a session per row (its start, stops, resource assignments, AVCs and anomalies), each session's in time
// order — sessions in the order they began, so rows can be written before the log is read to its end.
import type { SessionJson } from './correlator/session-json.js';
import { csvRow, type CsvValue } from './report-csv.js';
import type { SessionSink, SessionWriter } from './session-sink.js';

const SESSION_COLUMNS = [
  'node', 'uuid', 'name', 'virt', 'start.time', 'start.reason', 'start.success', 'start.vmPid', 'start.user', 'start.proof',
  'end.time', 'end.how', 'end.proof', 'running', 'durationMs', 'gaps', 'stops', 'labels', 'resources', 'avcs', 'anomalies',
] as const;

/** A session's row: its scalar fields, and how many of each list it has. */
function sessionRow(session: SessionJson): string {
  return csvRow([
    session.node, session.uuid, session.name, session.virt,
    session.start?.time, session.start?.reason, session.start?.success, session.start?.vmPid, session.start?.user, session.start?.proof,
    session.end?.time, session.end?.how, session.end?.proof, session.running, session.durationMs,
    session.gaps.length, session.stops.length, session.labels.length, session.resources.length, session.avcs.length, session.anomalies.length,
  ]);
}

const EVENT_COLUMNS = ['time', 'event', 'node', 'uuid', 'name', 'success', 'reason', 'user', 'resource', 'value', 'previous', 'end', 'endedBy', 'detail', 'proof'] as const;

type EventRow = { readonly time: string; readonly order: number; readonly values: readonly CsvValue[] };

/** A session's events, a row each, in time order: start, stop, resrc, avc, anom (--all-events's kinds). */
function sessionEventRows(session: SessionJson): string {
  const rows: EventRow[] = [];
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
  rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.order - b.order));
  return rows.map((event) => csvRow(event.values)).join('');
}

/** What {@link SessionCsvWriter} writes a row for. */
export interface SessionCsvOptions {
  /**
   * A row per event of each session — its start, stops, resource assignments, AVCs and anomalies, in time
   * order (auvirt's `--all-events`) — instead of a row per session.
   */
  readonly events?: boolean;
}

/**
 * `auvirt --format csv`: a header, then a row per session with its scalar fields (`start.time`, `end.how`,
 * `durationMs`…) and how many gaps, stops, labels, resources, AVCs and anomalies it has; with `events`, a row
 * per event, each session's in time order. RFC 4180 (CRLF, quotes doubled), a value a spreadsheet would run
 * as a formula (`=`, `+`, `-`, `@`…) kept text by a leading apostrophe. Rows are written as sessions are
 * given; nothing is kept.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { readSessions, SessionCsvWriter } from 'virt-audit/sessions';
 *
 * const report = new SessionCsvWriter(createWriteStream('sessions.csv'));
 * for await (const session of readSessions(['/var/log/audit'])) report.write(session);
 * report.end();
 * ```
 */
export class SessionCsvWriter implements SessionWriter {
  private readonly events: boolean;
  private headed = false;

  /**
   * A writer whose rows go to `sink`.
   *
   * @param sink - Where the rows go (`process.stdout`, a file stream, anything with `write(text)`).
   * @param options - A row per session, or per event.
   */
  constructor(private readonly sink: SessionSink, options: SessionCsvOptions = {}) {
    this.events = options.events ?? false;
  }

  /**
   * Writes the session's row (or its events' rows).
   *
   * @param session - A session as `readSessions` yields it.
   */
  write(session: SessionJson): void {
    const rows = this.events ? sessionEventRows(session) : sessionRow(session);
    this.sink.write(this.head() + rows);
  }

  /** Ends the rows (the header alone when no session was given). */
  end(): void {
    const head = this.head();
    if (head !== '') this.sink.write(head);
  }

  /** The header, the first time only. */
  private head(): string {
    if (this.headed) return '';
    this.headed = true;
    return csvRow(this.events ? EVENT_COLUMNS : SESSION_COLUMNS);
  }
}

/** The summary's counts, a name and a value per row. */
export function summaryCsv(summary: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(summary).map(([name, value]) => csvRow([name, value === null || typeof value !== 'object' ? (value as CsvValue) : JSON.stringify(value)]));
  return csvRow(['count', 'value']) + rows.join('');
}
