// auvirt's default text report written from published sessions, one at a time: each session's row (a row per
// stop for a session whose start is before the log), with the period, pad and proof line the CLI writes
// (report-default.ts's cells, so the two cannot drift apart; test/session-writers.test.ts holds them equal).
import { Latin1Pieces } from '../src/text/latin1-pieces.js';
import { pad } from './auvirt/compat-format.js';
import { padColumns } from './correlator/display-width.js';
import { stopNote, writeMinute, writeSessionPeriod } from './correlator/report-default.js';
import type { SessionJson } from './correlator/session-json.js';
import type { SessionSink, SessionWriter } from './session-sink.js';

/** What {@link SessionTextWriter} shows beside auvirt's columns. */
export interface SessionTextOptions {
  /** A UUID column after the name (auvirt's `--show-uuid`). */
  readonly showUuid?: boolean;
  /** A `Proof:` line under each row naming its records (auvirt's `--proof`). */
  readonly proof?: boolean;
}

/** The seconds of a proof id `node:seconds.millis:serial`. */
function proofSeconds(proof: string): number {
  const stamp = proof.slice(0, proof.lastIndexOf(':'));
  const time = stamp.slice(stamp.lastIndexOf(':') + 1);
  return Number(time.slice(0, time.indexOf('.')));
}

/**
 * auvirt's default report (`auvirt`, `auvirt --show-uuid`, `auvirt --proof`): a row per session — its name,
 * user and period (`Sat Mar  9 09:03 - 09:05  (00:02)`, `- running`, `- failed`, ` down`, `(audit gap)`) —
 * and, for a session whose start is before the log, a row per stop with its reason. Rows are written as
 * sessions are given; nothing is kept. Names are padded by the columns a terminal gives them. The `--all-events`
 * rows and the `--summary` counts are the `auvirt` command's own (they are not made of whole sessions).
 *
 * @example
 * ```ts
 * import { readSessions, SessionTextWriter } from 'virt-audit/sessions';
 *
 * const report = new SessionTextWriter(process.stdout, { proof: true });
 * for await (const session of readSessions(['/var/log/audit'])) report.write(session);
 * report.end();
 * ```
 */
export class SessionTextWriter implements SessionWriter {
  private readonly showUuid: boolean;
  private readonly proof: boolean;

  /**
   * A writer whose rows go to `sink`.
   *
   * @param sink - Where the text goes (`process.stdout`, a file stream, anything with `write(text)`).
   * @param options - The columns beside auvirt's.
   */
  constructor(private readonly sink: SessionSink, options: SessionTextOptions = {}) {
    this.showUuid = options.showUuid ?? false;
    this.proof = options.proof ?? false;
  }

  /**
   * Writes the session's row (or its stops' rows).
   *
   * @param session - A session as `readSessions` yields it.
   */
  write(session: SessionJson): void {
    const out = new Latin1Pieces(256);
    const head = Buffer.from(`${padColumns(session.name, 22)}${this.showUuid ? `\t${pad(session.uuid, 36)}` : ''}\t`, 'latin1');
    const start = session.start;
    if (start !== null) {
      out.bytes(head);
      out.text(`${padColumns(start.user, 11)}\t`);
      const end = session.end === null ? null : { sec: proofSeconds(session.end.proof), how: session.end.how };
      writeSessionPeriod(out, { startSec: proofSeconds(start.proof), success: start.success, end, gapped: session.gaps.length > 0 });
      this.endRow(out, session.end !== null && session.end.how !== 'failed-start' ? [start.proof, session.end.proof] : [start.proof]);
    } else {
      for (const stop of session.stops) {
        out.bytes(head);
        out.text(`${padColumns(stop.user, 11)}\t`);
        writeMinute(out, proofSeconds(stop.proof), stopNote(stop, true));
        this.endRow(out, [stop.proof]);
      }
    }
    const bytes = Buffer.concat(out.takeAll());
    if (bytes.length > 0) this.sink.write(bytes.toString('utf8'));
  }

  /** Ends the report (the text report has no tail). */
  end(): void {}

  private endRow(out: Latin1Pieces, proofs: readonly string[]): void {
    out.text('\n');
    if (this.proof) out.text(`    Proof:${proofs.join(',')}\n\n`);
  }
}
