// auvirt's JSON forms written as sessions are given: `json` is the very document of JSON.stringify(…, null, 2)
// over { sessions, unmatched } (reportJson's bytes), `ndjson` one session per line, then that document's tail
// on a line of its own. Neither keeps a session.
import type { SessionJson, Unmatched } from './correlator/session-json.js';
import type { SessionSink, SessionTotals, SessionWriter } from './session-sink.js';

/** JSON.stringify's two-space layout, nested `depth` levels in (JSON strings hold no raw newline). */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/** The fields after the sessions: the unmatched AVCs and anomalies, and the summary when there is one. */
function tail(totals: SessionTotals): Record<string, unknown> {
  const { avcs, anomalies, avcEntries, anomalyEntries, omitted } = totals.unmatched;
  // Named one by one: the document's keys and their order are the same whatever object was given.
  const unmatched = { avcs, anomalies, avcEntries, anomalyEntries, omitted: { avcs: omitted.avcs, anomalies: omitted.anomalies } };
  return { unmatched, ...(totals.summary === undefined ? {} : { summary: totals.summary }) };
}

/**
 * `auvirt --format json`: one document, `{ "sessions": [...], "unmatched": { "avcs", "anomalies", "avcEntries",
 * "anomalyEntries", "omitted" } }` ({@link Unmatched}), written a session at a time (the document is never
 * held whole). `end` needs the unmatched AVCs and anomalies, which `readSessions(…).unmatched` holds once its
 * sessions are read.
 *
 * @example
 * ```ts
 * import { readSessions, SessionJsonWriter } from 'virt-audit/sessions';
 *
 * const sessions = readSessions(['/var/log/audit/audit.log']);
 * const report = new SessionJsonWriter(process.stdout);
 * for await (const session of sessions) report.write(session);
 * report.end({ unmatched: sessions.unmatched });
 * ```
 */
export class SessionJsonWriter implements SessionWriter {
  private written = 0;

  /**
   * A writer whose document goes to `sink`.
   *
   * @param sink - Where the text goes (`process.stdout`, a file stream, anything with `write(text)`).
   */
  constructor(private readonly sink: SessionSink) {}

  /**
   * Writes the session into the document's `sessions` array.
   *
   * @param session - A session as `readSessions` yields it.
   */
  write(session: SessionJson): void {
    this.sink.write(`${this.written === 0 ? '{\n  "sessions": [\n    ' : ',\n    '}${nested(session, 2)}`);
    this.written++;
  }

  /**
   * Closes the sessions array and writes the unmatched AVCs and anomalies: the document is complete.
   *
   * @param totals - The log's unmatched AVCs and anomalies (`readSessions(…).unmatched`).
   */
  end(totals?: SessionTotals): void {
    if (totals === undefined) throw new TypeError('SessionJsonWriter.end needs the unmatched counts and entries (readSessions(…).unmatched)');
    const head = this.written === 0 ? '{\n  "sessions": [],\n' : '\n  ],\n';
    // The tail object's own braces are the document's: its fields follow the sessions.
    this.sink.write(`${head}${JSON.stringify(tail(totals), null, 2).slice(2, -2)}\n}\n`);
  }
}

/**
 * `auvirt --format ndjson`: one session per line, each a JSON object as {@link SessionJsonWriter} writes it
 * (on one line), written as it is given; then a last line `{"unmatched": {...}}` (with `"summary"` when
 * `auvirt --summary` asked), the JSON document's fields after its sessions. A session's line has `uuid`,
 * the last line has not.
 *
 * @example
 * ```ts
 * import { readSessions, SessionNdjsonWriter } from 'virt-audit/sessions';
 *
 * const sessions = readSessions(['-']);
 * const report = new SessionNdjsonWriter(process.stdout);
 * for await (const session of sessions) report.write(session);
 * report.end({ unmatched: sessions.unmatched });
 * ```
 */
export class SessionNdjsonWriter implements SessionWriter {
  /**
   * A writer whose lines go to `sink`.
   *
   * @param sink - Where the lines go (`process.stdout`, a file stream, anything with `write(text)`).
   */
  constructor(private readonly sink: SessionSink) {}

  /**
   * Writes the session's line.
   *
   * @param session - A session as `readSessions` yields it.
   */
  write(session: SessionJson): void {
    this.sink.write(`${JSON.stringify(session)}\n`);
  }

  /**
   * Writes the last line: the unmatched AVCs and anomalies (and the summary, when there is one).
   *
   * @param totals - The log's unmatched AVCs and anomalies (`readSessions(…).unmatched`).
   */
  end(totals?: SessionTotals): void {
    if (totals === undefined) throw new TypeError('SessionNdjsonWriter.end needs the unmatched counts and entries (readSessions(…).unmatched)');
    this.sink.write(`${JSON.stringify(tail(totals))}\n`);
  }
}
