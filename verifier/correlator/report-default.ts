// The auvirt report with its bugs fixed: auvirt's columns and layout, but full durations, every session
// end (failed, down, restarted, still running), every resource kind, orphan stops, and proof ids that
// carry node and time. Also the JSON form.
import { DEFAULT_PIECE_BYTES, Latin1Pieces } from '../../src/text/latin1-pieces.js';
import { MinuteTexts } from '../../src/text/minute-texts.js';
import { idPairKey } from '../../src/text/string-table.js';
import { ctime, pad, summaryText } from '../auvirt/compat-format.js';
import { isoTime } from '../local-time.js';
import { padColumns } from './display-width.js';
import { sessionJson, unmatchedJson } from './session-json.js';
import { ROW_ANOM, ROW_AVC, ROW_KINDS, ROW_RESRC, ROW_START, ROW_STOP } from './assignment-table.js';
import type { SessionCorrelator, SessionState, UnmatchedKept } from './session-correlator.js';
import { formatProofId, type GuestAnomaly, type GuestAvc, type GuestSession, type ProofId, type SessionEnd, type StopRecord } from './session-model.js';

export interface ReportFilter {
  readonly start?: number;
  readonly end?: number;
  readonly vm?: string;
  readonly uuid?: string;
}

export interface ReportFlags {
  readonly allEvents: boolean;
  readonly showUuid: boolean;
  readonly proof: boolean;
}

const NON_ASCII = /[^\x00-\x7f]/;
/** The UTF-8 bytes of a text, one char each: printf pads and cuts bytes. */
const bytes = (text: string | null | undefined): string => {
  if (!text) return '';
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
};
/** A minute's ctime text and, as bytes, the parts of it rows show. */
interface MinuteCell {
  readonly text: string;
  /** `Sat Mar  9 09:03` */
  readonly full: Uint8Array;
  /** `Mar  9 09:03` */
  readonly dateTime: Uint8Array;
  /** `09:03` */
  readonly time: Uint8Array;
}

const MINUTE_LENGTH = 16;
const PERIOD_WIDTH = 32;

function minuteCell(seconds: number): MinuteCell {
  const text = ctime(seconds);
  const part = (from: number): Uint8Array => Buffer.from(text.slice(from, MINUTE_LENGTH), 'latin1');
  return { text, full: part(0), dateTime: part(4), time: part(11) };
}

// Only the minute and the year of a ctime text are shown, so one cell per minute serves every second of it.
const minuteCells = new MinuteTexts(minuteCell);
const minuteOf = (seconds: number): MinuteCell => minuteCells.of(seconds) ?? minuteCell(seconds);

function sameChars(a: string, b: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (a.charCodeAt(index) !== b.charCodeAt(index)) return false;
  return true;
}

/** A stop row's note: its reason (` destroyed`), whether it failed, whether its start is before the log. */
export function stopNote(stop: Pick<StopRecord, 'reason' | 'success'>, orphan: boolean): string {
  const reason = stop.reason === null ? '' : ` ${stop.reason}`;
  return `${stop.success ? '' : ' - failed'}${reason}${orphan ? ' (started before the log)' : ''}`;
}

/** `Sat Mar  9 09:03` and a note (` - failed`), padded to the period's width. */
export function writeMinute(out: Latin1Pieces, seconds: number, note = ''): void {
  out.bytes(minuteOf(seconds).full);
  out.text(note);
  out.spaces(PERIOD_WIDTH - MINUTE_LENGTH - note.length);
}

/** `Sat Mar  9 09:03 - 09:05  (00:02)` from a start to an end in seconds (null: still open), padded. */
export function writeSpan(out: Latin1Pieces, from: number, to: number | null, suffix = ''): void {
  if (to === null) return writeMinute(out, from);
  out.bytes(spanCell(from, to));
  out.text(suffix);
}

/**
 * Span cells by start minute, then by minutes to the end minute and whole minutes elapsed (which make
 * the cell): the resources of a session mostly share their start and end.
 */
const spanCells = new Map<number, Map<number, Uint8Array>>();
let spanCellCount = 0;
const MAX_SPAN_CELLS = 1 << 16;

/** The span's cell, made once for all the spans that read the same. */
export function spanCell(from: number, to: number): Uint8Array {
  const fromMinute = Math.floor(from / 60);
  const minutes = Math.floor(to / 60) - fromMinute;
  const elapsed = Math.floor((to - from) / 60);
  // Where the zone's offset is not whole minutes, or the end comes first, the cell is made each time.
  const cached = to >= from && minuteCells.of(from) !== null && minuteCells.of(to) !== null;
  const code = minutes * 2 + (minutes - elapsed);
  let byMinutes = cached ? spanCells.get(fromMinute) : undefined;
  const known = byMinutes?.get(code);
  if (known !== undefined) return known;
  const piece = new Latin1Pieces(64);
  writeSpanCell(piece, from, to);
  const made = Buffer.concat(piece.takeAll());
  if (!cached) return made;
  if (spanCellCount >= MAX_SPAN_CELLS) {
    spanCells.clear();
    spanCellCount = 0;
  }
  if (byMinutes === undefined) spanCells.set(fromMinute, (byMinutes = new Map()));
  byMinutes.set(code, made);
  spanCellCount++;
  return made;
}

/** `Sat Mar  9 09:03 - 09:05  (00:02)`, written anew. */
export function writeSpanCell(out: Latin1Pieces, from: number, to: number): void {
  const started = minuteOf(from);
  const end = minuteOf(to);
  const sameDay = sameChars(end.text, started.text, 0, 10) && end.text.length === started.text.length && sameChars(end.text, started.text, 20, end.text.length);
  out.bytes(started.full);
  out.text(' - ');
  out.bytes(sameDay ? end.time : end.dateTime);
  out.text('  ');
  const seconds = to - from;
  const days = Math.floor(seconds / 86400);
  out.byte(0x28);
  if (days > 0) {
    out.digits(days, 1);
    out.byte(0x2b);
  }
  out.digits(Math.floor(seconds / 3600) % 24, 2);
  out.byte(0x3a);
  out.digits(Math.floor(seconds / 60) % 60, 2);
  out.byte(0x29);
}

/** What a session's row shows of it: its start, whether that failed, its end and whether auditd was away. */
export interface SessionPeriod {
  readonly startSec: number;
  readonly success: boolean;
  readonly end: { readonly sec: number; readonly how: SessionEnd } | null;
  readonly gapped: boolean;
}

/** A session row's period: `Sat Mar  9 09:03 - 09:05  (00:02) down (audit gap)`, ` - running`, ` - failed`. */
export function writeSessionPeriod(out: Latin1Pieces, period: SessionPeriod): void {
  if (!period.success) return writeMinute(out, period.startSec, ' - failed');
  const gap = period.gapped ? ' (audit gap)' : '';
  if (period.end === null) return writeMinute(out, period.startSec, ` - running${gap}`);
  const note = period.end.how === 'down' ? ' down' : period.end.how === 'restarted' ? ' restarted' : '';
  writeSpan(out, period.startSec, period.end.sec, `${note}${gap}`);
}

function sessionStatePeriod(session: SessionState): SessionPeriod {
  const start = session.start!;
  const end = session.end === null ? null : { sec: session.end.proof.sec, how: session.end.how };
  return { startSec: start.proof.sec, success: start.success, end, gapped: session.gaps.length > 0 };
}

/** One row of the correlator's row table, read through its kind. */
class RowView {
  kind = 0;
  session!: SessionState;
  item = 0;

  constructor(readonly log: SessionCorrelator) {}

  at(row: number): this {
    const table = this.log.rowTable;
    this.kind = table.kind(row);
    this.session = this.log.sessionStates[table.session(row)]!;
    this.item = table.item(row);
    return this;
  }

  get stop(): StopRecord {
    return this.log.stopList[this.item]!;
  }

  get avc(): GuestAvc {
    return this.log.avcList[this.item]!;
  }

  get anomaly(): GuestAnomaly {
    return this.log.anomalyList[this.item]!;
  }

  /** The row's period, padded to its column's width. */
  writePeriod(out: Latin1Pieces): void {
    const assignments = this.log.assignments;
    switch (this.kind) {
      case ROW_START:
        return writeSessionPeriod(out, sessionStatePeriod(this.session));
      case ROW_STOP:
        return writeMinute(out, this.stop.proof.sec, stopNote(this.stop, this.session.start === null));
      case ROW_RESRC:
        if (!assignments.success(this.item)) return writeMinute(out, assignments.startSec(this.item), ' - failed');
        return writeSpan(out, assignments.startSec(this.item), assignments.endSec(this.item));
      case ROW_AVC:
        return writeMinute(out, this.avc.proof.sec);
      case ROW_ANOM:
        return writeMinute(out, this.anomaly.proof.sec);
      default:
        return writeMinute(out, this.log.downList[this.item]!.sec);
    }
  }

  user(): string | null {
    switch (this.kind) {
      case ROW_START:
        return this.session.start?.user ?? null;
      case ROW_STOP:
        return this.stop.user;
      case ROW_RESRC:
        return this.log.assignments.user(this.item);
      case ROW_AVC:
        return this.avc.user;
      case ROW_ANOM:
        return this.anomaly.user;
      default:
        return null;
    }
  }

  proofs(): ProofId[] {
    switch (this.kind) {
      case ROW_START: {
        const { start, end } = this.session;
        return end && end.how !== 'failed-start' ? [start!.proof, end.proof] : [start!.proof];
      }
      case ROW_STOP:
        return [this.stop.proof];
      case ROW_RESRC:
        return this.log.assignments.proofs(this.item);
      case ROW_AVC:
        return [this.avc.proof];
      case ROW_ANOM:
        return [this.anomaly.proof];
      default:
        return [this.log.downList[this.item]!];
    }
  }

  /** Seconds of the row's first proof. */
  time(): number {
    switch (this.kind) {
      case ROW_START:
        return this.session.start!.proof.sec;
      case ROW_STOP:
        return this.stop.proof.sec;
      case ROW_RESRC:
        return this.log.assignments.startSec(this.item);
      case ROW_AVC:
        return this.avc.proof.sec;
      case ROW_ANOM:
        return this.anomaly.proof.sec;
      default:
        return this.log.downList[this.item]!.sec;
    }
  }

  /**
   * Whether no later record can change the row: a session's start row once the session has ended, an
   * assignment's once it has (or failed).
   */
  settled(): boolean {
    if (this.kind === ROW_START) {
      const end = this.session.end;
      return end !== null;
    }
    if (this.kind === ROW_RESRC) {
      const assignments = this.log.assignments;
      return !assignments.success(this.item) || assignments.endSec(this.item) !== null;
    }
    return true;
  }

  failed(): boolean {
    return (this.kind === ROW_START && !this.session.start!.success) || (this.kind === ROW_STOP && !this.stop.success) ||
      (this.kind === ROW_RESRC && !this.log.assignments.success(this.item));
  }

  visible(filter: ReportFilter, allEvents: boolean): boolean {
    const session = this.session;
    if (!allEvents && !(this.kind === ROW_START || (this.kind === ROW_STOP && session.start === null))) return false;
    if (filter.vm !== undefined && session.name !== filter.vm) return false;
    if (filter.uuid !== undefined && session.uuid.toLowerCase() !== filter.uuid.toLowerCase()) return false;
    const time = this.time();
    if (filter.start !== undefined && time < filter.start) {
      const ends = this.kind === ROW_START ? session.end?.proof.sec : undefined;
      if (ends === undefined ? session.end !== null || this.kind !== ROW_START : ends < filter.start) return false;
    }
    if (filter.end !== undefined && time > filter.end) return false;
    return true;
  }
}

const TAB = 0x09;
const NEWLINE = 0x0a;

const latin1 = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** The kind column of `--all-events`, with the space that follows it. */
const KIND_CELLS = ROW_KINDS.map((kind) => latin1(`${pad(kind, 6, 5)} `));

/**
 * The cells that repeat from row to row — a session's name (and UUID), a user, a resource's kind and
 * reason, a value — each made once: most of a report's bytes are these, written again and again.
 */
class RowCells {
  private sessions: Uint8Array[] = [];
  private readonly guests = new Map<string, Uint8Array>();
  private readonly users = new Map<string | null, Uint8Array>();
  private readonly heads = new Map<number | string, Uint8Array>();
  private readonly values: Uint8Array[] = [];

  constructor(private readonly log: SessionCorrelator, private readonly showUuid: boolean) {}

  /** Name, UUID when shown, and the tab before the user. */
  session(session: SessionState): Uint8Array {
    let made = this.sessions[session.index];
    if (made === undefined) {
      // A guest has many sessions: their cells are made once per name (and UUID).
      const key = this.showUuid ? `${session.name}\u0000${session.uuid}` : session.name;
      made = this.guests.get(key);
      if (made === undefined) this.guests.set(key, (made = latin1(`${padColumns(session.name, 22)}${this.showUuid ? `\t${pad(session.uuid, 36)}` : ''}\t`)));
      this.sessions[session.index] = made;
    }
    return made;
  }

  /** Sessions were renumbered (the correlator forgot finished ones). */
  renumbered(): void {
    this.sessions = [];
  }

  /** The user and the tab before the period. */
  user(user: string | null): Uint8Array {
    let made = this.users.get(user);
    if (made === undefined) this.users.set(user, (made = latin1(`${padColumns(user, 11)}\t`)));
    return made;
  }

  /** The tab after a resource's period, its kind and reason, and the tab before its value. */
  resourceHead(index: number): Uint8Array {
    const assignments = this.log.assignments;
    const key = idPairKey(assignments.kindId(index), assignments.reasonId(index));
    let made = this.heads.get(key);
    if (made === undefined) this.heads.set(key, (made = latin1(`\t${pad(assignments.kind(index), 12)}\t${pad(assignments.reason(index), 10)}\t`)));
    return made;
  }

  /** A resource's value, one char per UTF-8 byte. */
  value(index: number): Uint8Array {
    const id = this.log.assignments.valueId(index);
    let made = this.values[id];
    if (made === undefined) this.values[id] = made = latin1(bytes(this.log.assignments.value(index)));
    return made;
  }
}

function writeRow(out: Latin1Pieces, row: RowView, cells: RowCells, flags: ReportFlags): void {
  const session = row.session;
  if (flags.allEvents) out.bytes(KIND_CELLS[row.kind]!);
  out.bytes(cells.session(session));
  out.bytes(cells.user(row.user()));
  row.writePeriod(out);
  if (row.kind === ROW_RESRC) {
    const assignments = row.log.assignments;
    const index = row.item;
    out.bytes(cells.resourceHead(index));
    if (assignments.kind(index) === 'cgroup') {
      const cgroupClass = assignments.detail(index, 'class');
      out.text(cgroupClass ?? '');
      out.byte(TAB);
      out.text(assignments.detail(index, 'acl') ?? '');
      out.byte(TAB);
      out.text(bytes(assignments.detail(index, cgroupClass === 'path' ? 'path' : 'category')));
    } else {
      out.bytes(cells.value(index));
    }
  } else if (row.kind === ROW_AVC) {
    const avc = row.avc;
    const operation = avc.permissions.join(',');
    const context = operation === 'relabelfrom' ? avc.scontext : operation === 'relabelto' ? avc.tcontext : '';
    out.byte(TAB);
    out.padded(operation, 12, operation.length);
    out.byte(TAB);
    out.padded(avc.result, 10);
    out.byte(TAB);
    out.text(bytes(avc.comm));
    out.byte(TAB);
    out.text(bytes(avc.target));
    out.byte(TAB);
    out.text(context ?? '');
  } else if (row.kind === ROW_ANOM) {
    const anomaly = row.anomaly;
    out.byte(TAB);
    out.text(anomaly.type);
    if (anomaly.pid !== null) {
      out.text('\tpid=');
      out.text(String(anomaly.pid));
    }
  }
  out.byte(NEWLINE);
  if (flags.proof) {
    out.text('    Proof:');
    const proofs = row.proofs();
    for (let index = 0; index < proofs.length; index++) {
      if (index > 0) out.byte(0x2c);
      out.text(formatProofId(proofs[index]!));
    }
    out.text('\n\n');
  }
}

/**
 * The text report, written row after row into byte pieces. Rows can be written while the log is still
 * read: `writeSettled` writes up to the first row a later record may still change.
 */
export class ReportWriter {
  private readonly out: Latin1Pieces;
  private readonly row: RowView;
  private readonly cells: RowCells;
  private written = 0;

  constructor(private readonly log: SessionCorrelator, private readonly flags: ReportFlags, private readonly filter: ReportFilter, pieceBytes = DEFAULT_PIECE_BYTES) {
    this.out = new Latin1Pieces(pieceBytes);
    this.row = new RowView(log);
    this.cells = new RowCells(log, flags.showUuid);
  }

  /** Writes the rows no later record can change, in order, up to the first one that may; returns the full pieces. */
  writeSettled(): Buffer[] {
    this.writeRows(true, false);
    return this.out.takeFull();
  }

  /** Writes rows until a piece is full or none is left (the log read to its end); false when none is left. */
  writeMore(): boolean {
    this.writeRows(false, true);
    return this.written < this.log.rowTable.length;
  }

  takeFull(): Buffer[] {
    return this.out.takeFull();
  }

  /** Rows written (or passed over by the filter) so far: what the correlator may forget. */
  get rowsWritten(): number {
    return this.written;
  }

  /** The correlator dropped its first `rows` rows (SessionCorrelator.forget) and renumbered its sessions. */
  forgotten(rows: number): void {
    if (rows === 0) return;
    this.written -= rows;
    this.cells.renumbered();
  }

  /** Every piece not taken yet, the last one included. */
  takeAll(): Buffer[] {
    return this.out.takeAll();
  }

  private writeRows(onlySettled: boolean, untilFull: boolean): void {
    const { row, out, filter, flags } = this;
    const rows = this.log.rowTable.length;
    while (this.written < rows && !(untilFull && out.hasFull)) {
      row.at(this.written);
      if (onlySettled && !row.settled()) return;
      this.written++;
      if (row.visible(filter, flags.allEvents)) writeRow(out, row, this.cells, flags);
    }
  }
}

/** The report in pieces of about `pieceBytes` bytes, written as it is made. */
function* reportPieces(log: SessionCorrelator, flags: ReportFlags, filter: ReportFilter, pieceBytes = DEFAULT_PIECE_BYTES): Generator<Buffer> {
  const writer = new ReportWriter(log, flags, filter, pieceBytes);
  while (writer.writeMore()) yield* writer.takeFull();
  yield* writer.takeAll();
}

/** The report as one string, one char per byte. */
export function formatReport(log: SessionCorrelator, flags: ReportFlags, filter: ReportFilter): string {
  return Buffer.concat([...reportPieces(log, flags, filter)]).toString('latin1');
}

/** What the summary counts, over the rows the filter shows. */
export interface ReportSummary {
  /** Seconds of the first and last record shown, or null when no row is. */
  readonly range: { readonly first: number; readonly last: number } | null;
  readonly starts: number;
  readonly stops: number;
  readonly resourceAssignments: number;
  readonly avcs: number;
  readonly anomalies: number;
  readonly failedOperations: number;
  readonly hostShutdowns: number;
  readonly unmatchedAvcsAndAnomalies: number;
}

/**
 * The summary's counts, taken row by row as the text writer writes them: the settled rows while the log is
 * read (so the correlator can forget them), the rest at its end.
 */
export class SummaryCounter {
  private readonly count = { start: 0, stop: 0, resrc: 0, avc: 0, anom: 0, down: 0, failed: 0 };
  private first = Infinity;
  private last = -Infinity;
  private visible = 0;
  private counted = 0;
  private readonly row: RowView;

  constructor(private readonly log: SessionCorrelator, private readonly filter: ReportFilter) {
    this.row = new RowView(log);
  }

  /** Counts the rows no later record can change, up to the first one that may (every row with `all`). */
  countSettled(all = false): void {
    const { row, count, filter } = this;
    for (; this.counted < this.log.rowTable.length; this.counted++) {
      row.at(this.counted);
      if (!all && !row.settled()) return;
      if (!row.visible(filter, true)) continue;
      this.visible++;
      for (const proof of row.proofs()) {
        this.first = Math.min(this.first, proof.sec);
        this.last = Math.max(this.last, proof.sec);
      }
      if (row.failed()) count.failed++;
      else count[ROW_KINDS[row.kind]!]++;
    }
  }

  get rowsCounted(): number {
    return this.counted;
  }

  /** The correlator dropped its first `rows` rows. */
  forgotten(rows: number): void {
    this.counted -= rows;
  }

  /** The counts over every row (the log read to its end). */
  summary(): ReportSummary {
    this.countSettled(true);
    const { count, log } = this;
    return {
      range: this.visible === 0 ? null : { first: this.first, last: this.last }, starts: count.start, stops: count.stop, resourceAssignments: count.resrc, avcs: count.avc,
      anomalies: count.anom, failedOperations: count.failed, hostShutdowns: count.down, unmatchedAvcsAndAnomalies: log.unmatched.avcs + log.unmatched.anomalies,
    };
  }
}

export function reportSummary(log: SessionCorrelator, filter: ReportFilter): ReportSummary {
  return new SummaryCounter(log, filter).summary();
}

export function formatReportSummary(log: SessionCorrelator, filter: ReportFilter, counted?: ReportSummary): string {
  const summary = counted ?? reportSummary(log, filter);
  const counts = { start: summary.starts, stop: summary.stops, resrc: summary.resourceAssignments, avc: summary.avcs, anom: summary.anomalies, failed: summary.failedOperations };
  return summaryText(summary.range, counts, [
    ['Number of host shutdowns:', summary.hostShutdowns],
    ['Unmatched AVCs and anomalies:', summary.unmatchedAvcsAndAnomalies],
  ]);
}

/** Whether the JSON forms show the session under the filter. */
export function sessionSelected(session: GuestSession, filter: ReportFilter): boolean {
  if (filter.vm !== undefined && session.name !== filter.vm) return false;
  if (filter.uuid !== undefined && session.uuid.toLowerCase() !== filter.uuid.toLowerCase()) return false;
  const from = session.start?.proof.sec ?? session.stops[0]?.proof.sec ?? 0;
  const to = session.end?.proof.sec ?? Infinity;
  return !(filter.end !== undefined && from > filter.end) && !(filter.start !== undefined && to < filter.start);
}

/** The summary as the JSON forms show it: the range's times in ISO 8601. */
export function summaryJson(summary: ReportSummary): Record<string, unknown> {
  return { ...summary, range: summary.range && { first: isoTime(summary.range.first * 1000), last: isoTime(summary.range.last * 1000) } };
}

/** The JSON form: sessions with resources, labels, AVCs and anomalies nested, proof ids as node:sec.ms:serial; with `summary`, the summary's counts too. */
export function reportJson(sessions: readonly GuestSession[], filter: ReportFilter, unmatched: UnmatchedKept, summary?: ReportSummary): string {
  const document = {
    sessions: sessions.filter((session) => sessionSelected(session, filter)).map(sessionJson),
    unmatched: unmatchedJson(unmatched),
    ...(summary === undefined ? {} : { summary: summaryJson(summary) }),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
