/**
 * `virt-audit/sessions`: the guest sessions of audit logs, one typed session at a time (what
 * `auvirt --format json` prints), and the writers of auvirt's reports made of them: text, JSON, NDJSON, CSV.
 *
 * @packageDocumentation
 * @module virt-audit/sessions
 */
import { resolveInputs, type AuditInput } from '../src/reader/input-set.js';
import { correlateReading } from './correlator/run-sessions.js';
import { UNMATCHED_KEPT, type SessionCorrelator } from './correlator/session-correlator.js';
import { sessionJson, unmatchedJson, type SessionJson, type Unmatched } from './correlator/session-json.js';
import type { GuestSession } from './correlator/session-model.js';
import { startSessionReading } from './correlator/session-reading.js';

export { UNMATCHED_KEPT } from './correlator/session-correlator.js';
export type { SessionJson as Session, Unmatched, UnmatchedAnomaly, UnmatchedAvc, UnmatchedCounts } from './correlator/session-json.js';
export type { GuestAnomaly, GuestAvc, ProofId, SessionEnd } from './correlator/session-model.js';
export type { SessionSink, SessionTotals, SessionWriter } from './session-sink.js';
export { SessionTextWriter, type SessionTextOptions } from './report-text-sessions.js';
export { SessionJsonWriter, SessionNdjsonWriter } from './report-json-sessions.js';
export { SessionCsvWriter, type SessionCsvOptions } from './report-csv-sessions.js';

/** How {@link readSessions} reads. */
export interface ReadSessionsOptions {
  /** Called as bytes are read (for a progress line). */
  readonly onProgress?: (bytesRead: number) => void;
  /**
   * How many AVC denials tied to no guest, and as many anomalies, `unmatched` lists (the log's first; default
   * {@link UNMATCHED_KEPT}): the rest are counted in `unmatched.omitted`, so memory stays flat. A whole number.
   */
  readonly keepUnmatched?: number;
}

/** The sessions of a reading, and what the log held beside them. */
export interface SessionReading extends AsyncIterable<SessionJson> {
  /**
   * AVC denials and anomalies tied to no guest — counted, the first listed with their fields and proof — once
   * every session has been yielded (zero and empty before).
   */
  readonly unmatched: Unmatched;
}

/**
 * Reads audit logs — file paths, directories (each rotated set `audit.log.N … audit.log` read oldest first),
 * `-` for stdin, or resolved inputs — and yields every guest session, in the order they began, with its
 * resources, labels, AVC denials, anomalies, audit gaps, stops, `durationMs` and `running`. A session is
 * yielded once no later record can change it (it has ended, its guest has a newer session, no audit gap of
 * it is open) and those before it have been; the rest at the end of the log. What is yielded is forgotten,
 * so memory stays flat over a log of any length while the loop keeps up with the reading.
 *
 * @param inputs - Paths (files, directories, `-`) or inputs already resolved (`resolveInputs` of `virt-audit`).
 * @param options - Progress, and how many unmatched AVCs and anomalies to list.
 * @returns The sessions (read as they are iterated, once), and the unmatched AVCs and anomalies once they are all read.
 * @throws `InputError` (of `virt-audit`) when an input cannot be read.
 * @throws `RangeError` when `keepUnmatched` is not a whole number.
 * @example
 * ```ts
 * import { readSessions } from 'virt-audit/sessions';
 *
 * for await (const session of readSessions(['/var/log/audit'])) console.log(session.name, session.running);
 * ```
 */
export function readSessions(inputs: readonly string[] | readonly AuditInput[], options: ReadSessionsOptions = {}): SessionReading {
  const keep = options.keepUnmatched ?? UNMATCHED_KEPT;
  if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError(`readSessions: keepUnmatched is ${keep}, not a whole number`);
  // Filled in place at the end: a reference taken before the loop sees it too.
  const unmatched: Unmatched = { avcs: 0, anomalies: 0, avcEntries: [], anomalyEntries: [], omitted: { avcs: 0, anomalies: 0 } };
  return { unmatched, [Symbol.asyncIterator]: () => settledSessions(inputs, options, keep, unmatched) };
}

async function* settledSessions(inputs: readonly string[] | readonly AuditInput[], options: ReadSessionsOptions, keepUnmatched: number, unmatched: Unmatched): AsyncGenerator<SessionJson> {
  const resolved = inputs.every((input) => typeof input === 'string') ? await resolveInputs(inputs as readonly string[]) : (inputs as readonly AuditInput[]);
  const reading = startSessionReading(resolved, options.onProgress);
  let settled: GuestSession[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: { readonly error: unknown } | undefined;
  const take = (correlator: SessionCorrelator): void => {
    for (const session of correlator.takeFinalSessions()) settled.push(session);
    // Every row is done with: the sessions taken are the only readers of what forget drops.
    correlator.forget(correlator.rowTable.length);
    if (settled.length > 0) wake?.();
  };
  correlateReading(reading, { allDetails: true, handOn: true, keepUnmatched }, take).then(
    (correlator) => {
      take(correlator);
      Object.assign(unmatched, unmatchedJson(correlator.unmatched));
      // Every session is an object now: the tables' temporary files go (a library's process lives on).
      correlator.closeTables();
    },
    (error: unknown) => {
      failure = { error };
    },
  ).finally(() => {
    ended = true;
    wake?.();
  });
  try {
    for (;;) {
      const batch = settled;
      settled = [];
      for (const session of batch) yield sessionJson(session);
      if (settled.length > 0) continue;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    // A loop left early: the reading thread would otherwise keep the process alive.
    if (!ended) await reading.cancel();
  }
  if (failure !== undefined) throw failure.error;
}
