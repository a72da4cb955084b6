// auvirt 3.0.9's output, byte for byte (auvirt-behaviour.md §2.9). Strings are handled one char per byte
// (latin1), because printf pads and cuts bytes, not characters.
import { DEFAULT_PIECE_BYTES, Latin1Pieces } from '../../src/text/latin1-pieces.js';
import { MinuteTexts } from '../../src/text/minute-texts.js';
import { inDateRange, localTime } from '../local-time.js';
import { ANOM, AVC, KINDS, MACHINE_ID, RESRC, START, STOP, type CompatEventTable, type CompatKind, type TextColumn } from './compat-event-table.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (value: number): string => String(value).padStart(2, '0');

/** ctime(3) in the local time zone, without the newline: `Sun Mar  3 09:00:00 2024`; any time_t glibc takes. */
export function ctime(seconds: number): string {
  if (!inDateRange(seconds)) {
    const local = localTime(seconds);
    // glibc's ctime returns NULL there; what auvirt then prints is undefined.
    if (local === null) return '?';
    return `${DAYS[local.weekday]} ${MONTHS[local.month]} ${String(local.day).padStart(2, ' ')} ${two(local.hours)}:${two(local.minutes)}:${two(local.seconds)} ${local.year}`;
  }
  const date = new Date(seconds * 1000);
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2, ' ')} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${date.getFullYear()}`;
}

/** printf's `%-W.Ps`: cut to P bytes, pad with spaces to W. */
export function pad(text: string | null | undefined, width: number, precision = width): string {
  return (text ?? '').slice(0, precision).padEnd(width, ' ');
}

const ctimeMinute = (seconds: number): string => ctime(seconds).slice(0, 16);
const minuteTexts = new MinuteTexts(ctimeMinute);

/** `ctime(seconds)` cut to its first 16 chars (`Sun Mar  3 09:00`), all auvirt's rows show. */
const minuteText = (seconds: number): string => minuteTexts.of(seconds) ?? ctimeMinute(seconds);

function period(start: number, end: number, success: boolean, kind: number): string {
  // glibc's ctime gives NULL past a year that fits an int, and `%-16.16s` of NULL prints `(null)`.
  let text = inDateRange(start) || localTime(start) !== null ? minuteText(start) : '(null)'.padEnd(16, ' ');
  if (end !== 0) {
    // C's integer division and remainder (toward zero), into ints: an end before its start (a damaged
    // stamp) prints negative parts as 3.0.9 does.
    const seconds = end - start;
    const hours = Math.trunc(seconds / 3600) % 24;
    const minutes = Math.trunc(seconds / 60) % 60;
    const days = Math.trunc(seconds / 86400) | 0;
    text += ` - ${minuteText(end).slice(11)}  ${days !== 0 ? `(${days}+${two(hours)}:${two(minutes)})` : `(${two(hours)}:${two(minutes)})`}`;
  } else if (!success && kind !== AVC && kind !== ANOM) {
    text += ' - failed';
  }
  return text;
}

export interface FormatFlags {
  readonly allEvents: boolean;
  readonly showUuid: boolean;
  readonly proof: boolean;
}

const TAB = 0x09;
const NEWLINE = 0x0a;

/** One row (and its proof line) of auvirt's report: event `index` of the table. */
export function writeEvent(out: Latin1Pieces, events: CompatEventTable, index: number, flags: FormatFlags): void {
  const strings = events.strings;
  const kind = events.kind(index);
  const text = (column: TextColumn): string | null => strings.text(events.textId(index, column));
  if (flags.allEvents) {
    out.padded(KINDS[kind], 6, 5);
    out.byte(0x20);
  }
  out.padded(strings.text(events.name(index)), 22);
  if (flags.showUuid) {
    out.byte(TAB);
    out.padded(strings.text(events.uuid(index)), 36);
  }
  out.byte(TAB);
  out.padded(strings.text(events.user(index)), 11);
  out.byte(TAB);
  out.padded(period(events.start(index), events.end(index), events.success(index), kind), 32);
  if (kind === RESRC) {
    const resourceType = text('resourceType');
    out.byte(TAB);
    out.padded(resourceType, 12);
    out.byte(TAB);
    out.padded(text('reason'), 10);
    if (resourceType === 'cgroup') {
      for (const column of ['cgroupClass', 'acl', 'detail'] as const) {
        out.byte(TAB);
        out.text(text(column) ?? '');
      }
    } else {
      out.byte(TAB);
      out.text(text('value') ?? '');
    }
  } else if (kind === AVC) {
    out.byte(TAB);
    out.padded(text('operation'), 12);
    out.byte(TAB);
    out.padded(text('result'), 10);
    for (const column of ['comm', 'target', 'context'] as const) {
      out.byte(TAB);
      out.text(text(column) ?? '');
    }
  }
  out.byte(NEWLINE);
  if (flags.proof) {
    const proof: number[] = [];
    for (let at = 0; at < events.proofCount(index); at++) proof.push(events.proof(index, at));
    out.text(`    Proof:${proof.join(',')}\n\n`);
  }
}

/**
 * The report in pieces of about `pieceBytes` bytes, so a large report is written as it is made
 * instead of being held whole in memory.
 */
export function* formatEventPieces(events: CompatEventTable, flags: FormatFlags, pieceBytes = DEFAULT_PIECE_BYTES): Generator<Buffer> {
  const out = new Latin1Pieces(pieceBytes);
  for (let index = 0; index < events.length; index++) {
    const kind = events.kind(index);
    if (kind === MACHINE_ID || (!flags.allEvents && kind !== START)) continue;
    writeEvent(out, events, index, flags);
    if (out.hasFull) yield* out.takeFull();
  }
  yield* out.takeAll();
}

/**
 * The report handed to `write` in pieces of about `pieceBytes` bytes. `write` must be done with a piece when
 * it returns (a synchronous write): its memory is filled again with the next one.
 */
export function writeEventPieces(events: CompatEventTable, flags: FormatFlags, write: (piece: Buffer) => void, pieceBytes = DEFAULT_PIECE_BYTES): void {
  const out = new Latin1Pieces(pieceBytes);
  const hand = (pieces: Buffer[]): void => {
    for (const piece of pieces) {
      write(piece);
      out.recycle(piece);
    }
  };
  for (let index = 0; index < events.length; index++) {
    const kind = events.kind(index);
    if (kind === MACHINE_ID || (!flags.allEvents && kind !== START)) continue;
    writeEvent(out, events, index, flags);
    if (out.hasFull) hand(out.takeFull());
  }
  hand(out.takeAll());
}

export function formatEvents(events: CompatEventTable, flags: FormatFlags): string {
  return Buffer.concat([...formatEventPieces(events, flags)]).toString('latin1');
}

export function formatSummary(events: CompatEventTable): string {
  const counts = { start: 0, stop: 0, resrc: 0, avc: 0, anom: 0, failed: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (let index = 0; index < events.length; index++) {
    const start = events.start(index);
    const end = events.end(index);
    first = Math.min(first, start);
    last = Math.max(last, start);
    if (end !== 0) last = Math.max(last, end);
    const kind = events.kind(index);
    if (kind === MACHINE_ID) continue;
    if (!events.success(index) && (kind === START || kind === STOP || kind === RESRC)) counts.failed++;
    else counts[KINDS[kind] as Exclude<CompatKind, 'machine-id'>]++;
  }
  return summaryText(events.length === 0 ? null : { first, last }, counts);
}

export interface SummaryCounts {
  readonly start: number;
  readonly stop: number;
  readonly resrc: number;
  readonly avc: number;
  readonly anom: number;
  readonly failed: number;
}

/** auvirt's seven summary lines, and any further `[label, value]` lines after them. */
export function summaryText(range: { first: number; last: number } | null, counts: SummaryCounts, extra: ReadonlyArray<readonly [string, number]> = []): string {
  const span = range === null ? 'undef - undef' : `${ctime(range.first).slice(0, 16)} - ${ctime(range.last).slice(0, 16)}`;
  const lines: Array<readonly [string, string | number]> = [
    ['Range of time for report:', span],
    ['Number of guest starts:', counts.start],
    ['Number of guest stops:', counts.stop],
    ['Number of resource assignments:', counts.resrc],
    ['Number of related AVCs:', counts.avc],
    ['Number of related anomalies:', counts.anom],
    ['Number of failed operations:', counts.failed],
    ...extra,
  ];
  return `${lines.map(([label, value]) => `${label.padEnd(32, ' ')}${value}`).join('\n')}\n`;
}
