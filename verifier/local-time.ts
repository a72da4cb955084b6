// localtime(3) for any time_t, as glibc computes it: JS dates end at ±8.64e15 ms, glibc's only where the
// year leaves tm_year (an int counted from 1900). Beyond the JS range the same second a multiple of four
// centuries nearer is taken apart: the Gregorian calendar and its weekdays repeat every 146,097 days, and
// a zone's rule for far dates (its POSIX TZ footer) is the same every year.

export interface LocalTime {
  readonly year: bigint;
  /** 0–11 */
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday */
  readonly weekday: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const FOUR_CENTURIES = 146_097n * 86_400n;
/** Seconds JS dates take, less four centuries of room for the zone's offset. */
const DATE_RANGE = 8_640_000_000_000n - FOUR_CENTURIES;
const INT_MAX = 2_147_483_647n;

/** The local time of `seconds` since the epoch; null where glibc's localtime fails (EOVERFLOW). */
export function localTime(seconds: bigint | number): LocalTime | null {
  let sec = typeof seconds === 'bigint' ? seconds : BigInt(Math.floor(seconds));
  let shift = 0n;
  if (sec > DATE_RANGE || sec < -DATE_RANGE) {
    shift = sec / FOUR_CENTURIES;
    sec -= shift * FOUR_CENTURIES;
  }
  const date = new Date(Number(sec) * 1000);
  const year = BigInt(date.getFullYear()) + shift * 400n;
  if (year - 1900n > INT_MAX || year - 1900n < -INT_MAX - 1n) return null;
  return { year, month: date.getMonth(), day: date.getDate(), weekday: date.getDay(), hours: date.getHours(), minutes: date.getMinutes(), seconds: date.getSeconds() };
}

/** Whether a JS Date represents `seconds` (the usual path needs nothing else). */
export const inDateRange = (seconds: number): boolean => Math.abs(seconds) <= 8_640_000_000_000;

/** A stamp in milliseconds for a message: ISO 8601 where a JS date can show it, else the seconds (an absurd stamp). */
export function isoTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms / 1000} s after the epoch`;
}
