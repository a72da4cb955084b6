// auvirt 3.0.9's output, byte for byte (auvirt-behaviour.md §2.9). Strings are handled one char per byte
// (latin1), because printf pads and cuts bytes, not characters.
import { DEFAULT_PIECE_BYTES, Latin1Pieces } from '../../src/index.js';
import type { CompatEvent } from './compat-correlator.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (value: number): string => String(value).padStart(2, '0');

/** ctime(3) in the local time zone, without the newline: `Sun Mar  3 09:00:00 2024`. */
export function ctime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2, ' ')} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${date.getFullYear()}`;
}

/** printf's `%-W.Ps`: cut to P bytes, pad with spaces to W. */
export function pad(text: string | null | undefined, width: number, precision = width): string {
  return (text ?? '').slice(0, precision).padEnd(width, ' ');
}

const minuteTexts = new Map<number, string>();

/**
 * `ctime(seconds)` cut to its first 16 chars (`Sun Mar  3 09:00`), all auvirt's rows show. Cached by
 * minute where the zone's offset is whole minutes (then every second of a minute shows the same text).
 */
function minuteText(seconds: number): string {
  const minute = Math.floor(seconds / 60);
  const known = minuteTexts.get(minute);
  if (known !== undefined) return known;
  const text = ctime(seconds).slice(0, 16);
  if (new Date(minute * 60_000).getSeconds() === 0) {
    if (minuteTexts.size >= 1 << 16) minuteTexts.clear();
    minuteTexts.set(minute, text);
  }
  return text;
}

function period(event: CompatEvent): string {
  let text = minuteText(event.start);
  if (event.end !== 0) {
    const seconds = event.end - event.start;
    const hours = Math.floor(seconds / 3600) % 24;
    const minutes = Math.floor(seconds / 60) % 60;
    const days = Math.floor(seconds / 86400);
    text += ` - ${minuteText(event.end).slice(11)}  ${days > 0 ? `(${days}+${two(hours)}:${two(minutes)})` : `(${two(hours)}:${two(minutes)})`}`;
  } else if (!event.success && event.kind !== 'avc' && event.kind !== 'anom') {
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

/** One row (and its proof line) of auvirt's report. */
export function writeEvent(out: Latin1Pieces, event: CompatEvent, flags: FormatFlags): void {
  if (flags.allEvents) {
    out.padded(event.kind, 6, 5);
    out.byte(0x20);
  }
  out.padded(event.name, 22);
  if (flags.showUuid) {
    out.byte(TAB);
    out.padded(event.uuid, 36);
  }
  out.byte(TAB);
  out.padded(event.user, 11);
  out.byte(TAB);
  out.padded(period(event), 32);
  if (event.kind === 'resrc') {
    out.byte(TAB);
    out.padded(event.resourceType, 12);
    out.byte(TAB);
    out.padded(event.reason, 10);
    if (event.resourceType === 'cgroup') {
      for (const cell of [event.cgroupClass, event.acl, event.detail]) {
        out.byte(TAB);
        out.text(cell ?? '');
      }
    } else {
      out.byte(TAB);
      out.text(event.value ?? '');
    }
  } else if (event.kind === 'avc') {
    out.byte(TAB);
    out.padded(event.operation, 12);
    out.byte(TAB);
    out.padded(event.result, 10);
    for (const cell of [event.comm, event.target, event.context]) {
      out.byte(TAB);
      out.text(cell ?? '');
    }
  }
  out.byte(NEWLINE);
  if (flags.proof) out.text(`    Proof:${event.proof.join(',')}\n\n`);
}

export function formatEvent(event: CompatEvent, flags: FormatFlags): string {
  const out = new Latin1Pieces(4096);
  writeEvent(out, event, flags);
  return out.toString();
}

/**
 * The report in pieces of about `pieceBytes` bytes, so a large report is written as it is made
 * instead of being held whole in memory.
 */
export function* formatEventPieces(events: readonly CompatEvent[], flags: FormatFlags, pieceBytes = DEFAULT_PIECE_BYTES): Generator<Buffer> {
  const out = new Latin1Pieces(pieceBytes);
  for (const event of events) {
    if (event.kind === 'machine-id' || (!flags.allEvents && event.kind !== 'start')) continue;
    writeEvent(out, event, flags);
    yield* out.takeFull();
  }
  yield* out.takeAll();
}

export function formatEvents(events: readonly CompatEvent[], flags: FormatFlags): string {
  return Buffer.concat([...formatEventPieces(events, flags)]).toString('latin1');
}

export function formatSummary(events: readonly CompatEvent[]): string {
  const counts = { start: 0, stop: 0, resrc: 0, avc: 0, anom: 0, failed: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    first = Math.min(first, event.start);
    last = Math.max(last, event.start);
    if (event.end !== 0) last = Math.max(last, event.end);
    if (event.kind === 'machine-id') continue;
    if (!event.success && (event.kind === 'start' || event.kind === 'stop' || event.kind === 'resrc')) counts.failed++;
    else counts[event.kind]++;
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
