// Lines of audit text in, the correlator's changes out: the batch report's reading (the same line forms,
// events grouped in stamp order, only those whose first record's type the correlator reads) fed one line
// at a time, so a live run and a later `auvirt --format json` over the same log tell the same sessions.
import type { AuditRecord } from '../../src/model/audit-record.js';
import { EventGrouper, type AuditEvent } from '../../src/reader/event-grouper.js';
import { ALL_BUT_INTERPRETED } from '../../src/reader/line-forms.js';
import { parseLine } from '../../src/reader/parse-line.js';
import { typeSelector } from '../../src/reader/type-selection.js';
import { exactStampOf, formatProofId } from '../correlator/session-model.js';
import { exactSerial } from '../../src/libvirt/json-form.js';
import { SessionCorrelator, type CorrelatorSnapshot } from '../correlator/session-correlator.js';
import type { LiveEvent, LiveLine } from './live-event.js';

/** A record id, `node:seconds.millis:serial` as proofs write it, read back for ordering. */
export interface RecordId {
  readonly node: string | null;
  readonly sec: number;
  readonly ms: number;
  /** Exact (bigint): a serial past 2^53 and its neighbours are the same double. */
  readonly serial: bigint;
}

const RECORD_ID = /^(?:(.*):)?(\d+)\.(\d{3}):(\d+)$/;

/** Reads `node:sec.ms:serial` (node optional); null when it is not one. */
export function parseRecordId(text: string): RecordId | null {
  const match = RECORD_ID.exec(text);
  if (match === null) return null;
  return { node: match[1] ?? null, sec: Number(match[2]), ms: Number(match[3]), serial: BigInt(match[4]!) };
}

/** A record's exact serial as a bigint (none: 0; one no number holds: past every unsigned long). */
const serialBigInt = (serial: number | string | null): bigint => (serial === null ? 0n : typeof serial === 'string' ? BigInt(serial) : Number.isFinite(serial) ? BigInt(Math.trunc(serial)) : 1n << 64n);

/** Whether the record `id` comes after `bound`: by time, then serial (serials restart at a reboot; time does not). */
export function isAfter(id: RecordId, bound: RecordId): boolean {
  return id.sec - bound.sec || id.ms - bound.ms ? id.sec * 1000 + id.ms > bound.sec * 1000 + bound.ms : id.serial > bound.serial;
}

export interface LiveCorrelatorOptions {
  /** Told every change; events of records at or before `after` (or before `since`) are not told. */
  readonly onEvent: (event: LiveEvent) => void;
  /** Seconds since the epoch: changes made by earlier records are correlated but not told. */
  readonly since?: number;
  /** Changes made by this record or earlier ones are correlated but not told (a restart's last told record). */
  readonly after?: RecordId;
  /** Where the correlator goes on from (a state file). */
  readonly snapshot?: CorrelatorSnapshot;
  /** Lines that are not audit records: counted here, each handed to this (for a diagnostic). */
  readonly onRejected?: (line: LiveLine, reason: string) => void;
}

const keeps = typeSelector(SessionCorrelator.keepTypes);
/** Rows kept before the correlator is asked to forget (nobody reads them live). */
const FORGET_EVERY_EVENTS = 4096;
/** Complete events kept behind an incomplete one at most (EventGrouper's maxPendingEvents). */
const MAX_PENDING_EVENTS = 10_000;

export class LiveCorrelator {
  readonly correlator: SessionCorrelator;
  private readonly grouper: EventGrouper<AuditRecord>;
  private lineNumber = 0;
  private events = 0;
  /** The last record whose event was handled, as a record id. */
  lastRecord: string | null = null;
  /** Lines that were not audit records (rejected or of other forms). */
  rejected = 0;

  constructor(private readonly options: LiveCorrelatorOptions) {
    const told = (event: LiveEvent): void => {
      if (this.shouldTell()) options.onEvent(event);
    };
    // Unmatched AVCs and anomalies are counted, not kept: no live event tells them, and a state file keeps counts only.
    const correlatorOptions = { onChange: told, keepUnmatched: 0 };
    this.correlator = options.snapshot ? SessionCorrelator.restore(options.snapshot, correlatorOptions) : new SessionCorrelator(correlatorOptions);
    // Bounded: under a steady stream, an event waiting for its end would otherwise hold every later one in memory.
    this.grouper = new EventGrouper<AuditRecord>((event) => this.handle(event), { order: 'stamp', maxPendingEvents: MAX_PENDING_EVENTS });
  }

  /** Reads one line (no newline). */
  push(line: LiveLine): void {
    const parsed = parseLine(line.text, { file: line.origin, line: ++this.lineNumber });
    if (parsed.kind === 'record' && ALL_BUT_INTERPRETED.has(parsed.record.form)) {
      this.recordsIn++;
      this.grouper.push(parsed.record);
    }
    else if (parsed.kind === 'rejected' || parsed.kind === 'record') {
      this.rejected++;
      this.options.onRejected?.(line, parsed.kind === 'rejected' ? parsed.reason : `${parsed.record.form} line`);
    }
  }

  private recordsIn = 0;
  private recordsOut = 0;

  /** Every record read is in an event handled: nothing waits in the grouper. */
  get settled(): boolean {
    return this.recordsIn === this.recordsOut;
  }

  /** Completes the events still open (the source is idle, or ends): their changes are told now. */
  flush(): void {
    this.grouper.flush();
  }

  private handle(event: AuditEvent): void {
    const first = event.records[0]!;
    this.recordsOut += event.records.length;
    if (event.time !== null && event.serial !== null) this.lastRecord = formatProofId({ node: event.node, sec: event.time.sec, ms: event.time.ms, serial: event.serial, ...exactStampOf(event.time.sec, event.serial, first.text) });
    if (!keeps(first.type)) return;
    this.currentEvent = event;
    this.correlator.handle(event);
    this.currentEvent = undefined;
    if (++this.events % FORGET_EVERY_EVENTS === 0) this.correlator.forget(this.correlator.rowTable.length);
  }

  private currentEvent: AuditEvent | undefined;

  /** Whether the changes of the event being handled are told (`since`, `after`). */
  private shouldTell(): boolean {
    const { since, after } = this.options;
    if (since === undefined && after === undefined) return true;
    const current = this.currentEvent;
    if (current === undefined || current.time === null) return true;
    if (since !== undefined && current.time.sec < since) return false;
    return after === undefined || isAfter({ node: current.node, sec: current.time.sec, ms: current.time.ms, serial: serialBigInt(exactSerial(current.records[0]!)) }, after);
  }
}
