// The --start/--end (-ts/-te) and --since/--until bounds of the reading commands (auvirt, search,
// aureport). With --compat exactly what audit 3.0.9's ausearch-time.c accepts (time-keywords.ts);
// without, ISO 8601 dates and times, relative times (-2h) and the same MM/DD/YY and keywords.
import { resolveBound, TimeError, type Bound } from './auvirt/time-keywords.js';

export { TimeError, type Bound } from './auvirt/time-keywords.js';

/** What a bad date is told, in default mode. */
export const ACCEPTED_DATES =
  'accepted: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional zone (Z, +HH:MM), ' +
  'a time ago (-30s, -30m, -2h, -7d, -1w), MM/DD/YY [HH:MM[:SS]], ' +
  'or now, recent, today, yesterday, this-week, week-ago, this-month, this-year, boot';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const RELATIVE = /^-(\d+)(s|m|h|d|w)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** Whether an argument reads as a bound's own date or time, not an option: relative times start with '-'. */
export const isRelativeTime = (text: string): boolean => RELATIVE.test(text);

/** Whether a date is one of this package's own forms (ISO 8601 or a time ago), not audit 3.0.9's. */
export const isOwnDateForm = (text: string): boolean => RELATIVE.test(text) || ISO.test(text);

/** Seconds since the epoch of an ISO 8601 date or date-time (local time when it names no zone), or null. */
function isoSeconds(text: string, time: string | undefined): number | null {
  const match = ISO.exec(text);
  if (match === null) return null;
  const [, year, month, day, hours, minutes, seconds, fraction, zone] = match;
  let clock = { hours: Number(hours ?? 0), minutes: Number(minutes ?? 0), seconds: Number(seconds ?? 0) };
  if (time !== undefined) {
    if (hours !== undefined) throw new TimeError(`a time is given twice (${text} ${time})`);
    const given = TIME_OF_DAY.exec(time);
    if (given === null) throw new TimeError(`invalid time (${time}): HH:MM or HH:MM:SS`);
    clock = { hours: Number(given[1]), minutes: Number(given[2]), seconds: Number(given[3] ?? 0) };
  }
  const fields = [Number(year), Number(month) - 1, Number(day), clock.hours, clock.minutes, clock.seconds] as const;
  if (fields[1] > 11 || fields[2] < 1 || clock.hours > 23 || clock.minutes > 59 || clock.seconds > 60) return Number.NaN;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  let epochMs: number;
  if (zone === undefined) {
    const local = new Date(...fields, millis);
    // A date the calendar does not have (02-30) rolls over in Date: refuse it instead.
    if (local.getFullYear() !== fields[0] || local.getMonth() !== fields[1] || local.getDate() !== fields[2]) return Number.NaN;
    epochMs = local.getTime();
  } else {
    const utc = Date.UTC(...fields, millis);
    const check = new Date(utc);
    if (check.getUTCMonth() !== fields[1] || check.getUTCDate() !== fields[2]) return Number.NaN;
    epochMs = utc - zoneOffsetMinutes(zone) * 60_000;
  }
  return Math.floor(epochMs / 1000);
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}

export interface BoundText {
  readonly date: string;
  /** The argument after the date, when it is a time of day. */
  readonly time?: string;
}

/**
 * Seconds since the epoch (whole seconds, as the filters compare) for a bound. `compat`: audit 3.0.9's
 * syntax only, its own messages. Otherwise a bad date throws a TimeError naming the accepted formats.
 */
export function resolveTimeBound(bound: Bound, given: BoundText, options: { readonly compat: boolean; readonly now?: Date }): number {
  const now = options.now ?? new Date();
  if (options.compat) return resolveBound(bound, given.date, given.time ?? '00:00:00', now);
  const relative = RELATIVE.exec(given.date);
  if (relative !== null) {
    if (given.time !== undefined) throw new TimeError(`invalid ${bound} (${given.date} ${given.time}): a time ago takes no time of day; ${ACCEPTED_DATES}`);
    return Math.floor(now.getTime() / 1000) - Number(relative[1]) * UNIT_SECONDS[relative[2]!]!;
  }
  let iso: number | null;
  try {
    iso = isoSeconds(given.date, given.time);
  } catch (error) {
    if (error instanceof TimeError) throw new TimeError(`invalid ${bound} date (${given.date}): ${error.message}; ${ACCEPTED_DATES}`);
    throw error;
  }
  if (iso !== null) {
    if (Number.isNaN(iso)) throw new TimeError(`invalid ${bound} date (${given.date}): no such date or time; ${ACCEPTED_DATES}`);
    return iso;
  }
  try {
    return resolveBound(bound, given.date, given.time ?? '00:00:00', now);
  } catch (error) {
    if (error instanceof TimeError) throw new TimeError(`${error.message}; ${ACCEPTED_DATES}`);
    throw error;
  }
}
