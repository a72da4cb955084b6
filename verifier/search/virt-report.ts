// `aureport --virt` (audit-userspace 3.0.9, aureport-scan.c / aureport-output.c): one row per event that
// holds a VIRT_* record, typed by its first record, or the per-type summary. Rows are written as their
// events come, as aureport prints them, so memory stays flat however long the log.
import { Latin1Pieces } from '../../src/text/latin1-pieces.js';
import type { ExactInteger } from '../../src/text/strtoul.js';
import { MinuteTexts } from '../../src/text/minute-texts.js';
import { localStampText, parseUserOutcome, type AureportOutcome } from './aureport-record.js';
import { isUserMessageType } from './virt-search.js';
import type { AuditInput } from '../../src/reader/input-set.js';
import type { UnreadLines } from '../../src/reader/unread-lines.js';
import { ausearchRawPart, readAusearchEvents, type AusearchEvent } from '../../src/reader/ausearch-reading.js';
import { isVirtRecordType, recordTypeName } from '../../src/tables/record-types.js';

export interface VirtReportOptions {
  readonly summary: boolean;
  readonly interpret: boolean;
  readonly only?: 'failed' | 'success';
  readonly start?: number;
  readonly end?: number;
  /** aureport's `Error extracting time stamp (…)`: a record whose stamp aureport cannot read (ausearch-lol's str2event). */
  readonly onUnreadableStamp?: (stampText: string) => void;
  /** Each row of the detailed report, as it comes (beside the text). */
  readonly onRow?: (row: VirtReportRow) => void;
  readonly onProgress?: (bytesRead: number) => void;
}

/** A row of the detailed report, its columns as aureport prints them. */
export interface VirtReportRow {
  readonly number: number;
  /** `MM/DD/YY HH:MM:SS`, local time, as aureport prints it. */
  readonly localTime: string;
  /** ISO 8601, UTC; null beyond a date. */
  readonly time: string | null;
  readonly type: string;
  readonly success: AureportOutcome;
  /** The event's serial, exact. */
  readonly event: string;
}

/** A line of the summary: events of a type. */
export interface VirtSummaryLine {
  readonly total: number;
  readonly type: string;
  readonly typeNumber: number;
}

interface Row {
  readonly time: number;
  /** The exact time_t, where `time` is not (beyond 2^53). */
  readonly exactTime: ExactInteger;
  readonly type: string;
  readonly typeNumber: number;
  readonly outcome: AureportOutcome;
  /** As aureport prints it (%lu): exact. */
  readonly serial: string;
}

const two = (value: number): string => String(value).padStart(2, '0');

/** `%x %T` in the C locale, local time: `11/22/26 06:18:32`. */
function localStampOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return `${two(date.getMonth() + 1)}/${two(date.getDate())}/${two(date.getFullYear() % 100)} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `MM/DD/YY HH:MM:` of each minute. */
const stampMinutes = new MinuteTexts((minuteStart) => localStampOf(minuteStart).slice(0, -2));

/** localStampOf, its date and minute made once a minute. */
function localStamp(seconds: number): string {
  const prefix = Number.isInteger(seconds) ? stampMinutes.of(seconds) : null;
  return prefix === null ? localStampOf(seconds) : `${prefix}${two(seconds - Math.floor(seconds / 60) * 60)}`;
}

function rowOf(event: AusearchEvent): Row | null {
  if (!event.records.some((record) => isVirtRecordType(record.stamp.type))) return null;
  const first = event.records[0]!;
  // Each user message of the event as parse_user reads it: the last outcome named wins; a record it
  // cannot read makes aureport skip the event.
  let outcome: AureportOutcome = 'unset';
  for (const record of event.records) {
    if (!isUserMessageType(record.stamp.type)) continue;
    // The RAW part of the line is what aureport's parser sees (auparse cuts the line at 0x1D).
    const read = parseUserOutcome(ausearchRawPart(record));
    if (read === null) return null;
    if (read !== 'unset') outcome = read;
  }
  // audit_msg_type_to_name of the first record's type: NULL (printed `(null)`) when not known.
  const typeNumber = first.stamp.type;
  const name = typeNumber === -1 ? null : recordTypeName(typeNumber);
  const type = name === null || name.startsWith('UNKNOWN[') ? '(null)' : name;
  const { sec, serial } = event.stamp;
  return { time: Number(sec), exactTime: sec, type, typeNumber, outcome, serial: String(serial) };
}

/** Seconds JS numbers and dates hold exactly and the minute cache handles. */
const PLAIN_SECONDS = 8_640_000_000_000n;

const PIECE_BYTES = 1 << 16;
const NONE = '<no events of interest were found>\n\n';
const DETAILED_HEAD = '\nVirtualization Report\n==============================\n# date time type success event\n==============================\n';

/**
 * Writes the report to `write` in pieces (one char per byte) as the events come, and returns how many
 * events it holds and aureport's exit status (1 for an empty detailed report; a summary exits 0).
 */
export async function virtReport(
  inputs: readonly AuditInput[],
  options: VirtReportOptions,
  write: (piece: Buffer) => void,
): Promise<{ events: number; status: number; unread: UnreadLines; summary: VirtSummaryLine[] }> {
  const out = new Latin1Pieces(PIECE_BYTES);
  const counts = new Map<number, { count: number; name: string }>();
  let events = 0;
  if (!options.summary) out.text(DETAILED_HEAD);
  const unread = await readAusearchEvents(
    inputs,
    (event) => {
      const row = rowOf(event);
      if (row === null) return;
      if (options.start !== undefined && row.time < options.start) return;
      if (options.end !== undefined && row.time > options.end) return;
      // aureport's --failed and --success: a record with no outcome is neither.
      if (options.only === 'failed' && row.outcome !== 'no') return;
      if (options.only === 'success' && row.outcome !== 'yes') return;
      events++;
      if (options.summary) {
        const entry = counts.get(row.typeNumber);
        if (entry === undefined) counts.set(row.typeNumber, { count: 1, name: row.type });
        else entry.count++;
        return;
      }
      const stamp = row.exactTime > -PLAIN_SECONDS && row.exactTime < PLAIN_SECONDS ? localStamp(row.time) : localStampText(BigInt(row.exactTime));
      out.text(`${events}. ${stamp} ${row.type} ${row.outcome} ${row.serial}\n`);
      options.onRow?.({ number: events, localTime: stamp, time: isoTime(row.exactTime), type: row.type, success: row.outcome, event: row.serial });
      if (out.hasFull) for (const piece of out.takeFull()) write(piece);
    },
    {
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.end === undefined ? {} : { end: options.end }),
      ...(options.onUnreadableStamp === undefined ? {} : { onUnreadableStamp: options.onUnreadableStamp }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    },
  );
  if (options.summary) out.text(summaryReport(counts, options));
  else if (events === 0) out.text(NONE);
  for (const piece of out.takeAll()) write(piece);
  const summary = sortedCounts(counts).map(([typeNumber, { count, name }]) => ({ total: count, type: name, typeNumber }));
  return { events, status: events === 0 && !options.summary ? 1 : 0, unread, summary };
}

function isoTime(seconds: ExactInteger): string | null {
  const date = new Date(Number(seconds) * 1000);
  return seconds > -PLAIN_SECONDS && seconds < PLAIN_SECONDS && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

// aureport keeps its list ordered by type number, then sorts by hits: ties stay in type order.
const sortedCounts = (counts: ReadonlyMap<number, { count: number; name: string }>) => [...counts].sort((a, b) => b[1].count - a[1].count || a[0] - b[0]);

/** The head of the report aureport prints before its rows (and alone when it cannot read its input). */
export function reportHead(options: Pick<VirtReportOptions, 'summary' | 'only'>): string {
  if (!options.summary) return DETAILED_HEAD;
  const prefix = options.only === 'failed' ? 'Failed ' : options.only === 'success' ? 'Success ' : '';
  return `\n${prefix}Virtualization Summary Report\n=============================\ntotal  type\n=============================\n`;
}

function summaryReport(counts: ReadonlyMap<number, { count: number; name: string }>, options: VirtReportOptions): string {
  const head = reportHead(options);
  if (counts.size === 0) return head + NONE;
  return head + sortedCounts(counts).map(([number, { count, name }]) => `${count}  ${options.interpret ? name : number}\n`).join('');
}
