// What the session report writers write to, and what they share.
import type { SessionJson, Unmatched } from './correlator/session-json.js';

/** Where a session report writer writes: `process.stdout`, a file stream, or anything with `write(text)`. */
export interface SessionSink {
  /**
   * Takes the next part of the report (whole rows or lines).
   *
   * @param text - The text, to be written as UTF-8.
   * @returns Whatever the sink returns (a stream's backpressure flag): the writers do not wait on it.
   */
  write(text: string): unknown;
}

/** What a report ends with, known once the log is read: `readSessions(…).unmatched`. */
export interface SessionTotals {
  /** AVC denials and anomalies tied to no guest: counted, the first listed. */
  readonly unmatched: Unmatched;
  /**
   * The summary's counts as the JSON forms show them (`auvirt --summary`).
   *
   * @internal
   */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** A session report writer: sessions in, in the order `readSessions` yields them, then the end. */
export interface SessionWriter {
  /**
   * Writes one session's part of the report.
   *
   * @param session - A session as `readSessions` yields it.
   */
  write(session: SessionJson): void;
  /**
   * Writes the report's end.
   *
   * @param totals - The log's totals (the JSON forms show them; the others need none).
   */
  end(totals?: SessionTotals): void;
}
