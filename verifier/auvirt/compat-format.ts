// auvirt 3.0.9's output, byte for byte (auvirt-behaviour.md §2.9). Strings are handled one char per byte
// (latin1), because printf pads and cuts bytes, not characters.
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

function period(event: CompatEvent): string {
  let text = pad(ctime(event.start), 16);
  if (event.end !== 0) {
    text += ` - ${pad(ctime(event.end).slice(11), 7, 5)}`;
    const seconds = event.end - event.start;
    const hours = Math.floor(seconds / 3600) % 24;
    const minutes = Math.floor(seconds / 60) % 60;
    const days = Math.floor(seconds / 86400);
    text += days > 0 ? `(${days}+${two(hours)}:${two(minutes)})` : `(${two(hours)}:${two(minutes)})`;
  } else if (!event.success && event.kind !== 'avc' && event.kind !== 'anom') {
    text += ' - failed';
  }
  return pad(text, 32);
}

export interface FormatFlags {
  readonly allEvents: boolean;
  readonly showUuid: boolean;
  readonly proof: boolean;
}

export function formatEvent(event: CompatEvent, flags: FormatFlags): string {
  let line = '';
  if (flags.allEvents) line += `${pad(event.kind, 6, 5)} `;
  line += pad(event.name, 22);
  if (flags.showUuid) line += `\t${pad(event.uuid, 36)}`;
  line += `\t${pad(event.user, 11)}\t${period(event)}`;
  if (event.kind === 'resrc') {
    line += `\t${pad(event.resourceType, 12)}\t${pad(event.reason, 10)}`;
    line += event.resourceType === 'cgroup' ? `\t${event.cgroupClass ?? ''}\t${event.acl ?? ''}\t${event.detail ?? ''}` : `\t${event.value ?? ''}`;
  } else if (event.kind === 'avc') {
    line += `\t${pad(event.operation, 12)}\t${pad(event.result, 10)}\t${event.comm ?? ''}\t${event.target ?? ''}\t${event.context ?? ''}`;
  }
  line += '\n';
  if (flags.proof) line += `    Proof:${event.proof.join(',')}\n\n`;
  return line;
}

/**
 * The report in pieces of about `pieceChars` characters, so a large report is written as it is made
 * instead of being held whole (with every row's intermediate strings) in memory.
 */
export function* formatEventPieces(events: readonly CompatEvent[], flags: FormatFlags, pieceChars = 1 << 20): Generator<string> {
  let piece = '';
  for (const event of events) {
    if (event.kind === 'machine-id' || (!flags.allEvents && event.kind !== 'start')) continue;
    piece += formatEvent(event, flags);
    if (piece.length >= pieceChars) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}

export function formatEvents(events: readonly CompatEvent[], flags: FormatFlags): string {
  return [...formatEventPieces(events, flags)].join('');
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
