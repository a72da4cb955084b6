// ausearch-time.c as auvirt 3.0.9 compiles it: `--start/--end DATE [TIME]` with the C locale's %x and %X.
import { readFileSync } from 'node:fs';

export class TimeError extends Error {}

export type Bound = 'start' | 'end';

const KEYWORDS = new Set(['now', 'recent', 'boot', 'today', 'yesterday', 'this-week', 'week-ago', 'this-month', 'this-year']);

interface Tm {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const fromDate = (date: Date): Tm => ({
  year: date.getFullYear(), month: date.getMonth(), day: date.getDate(), hour: date.getHours(), minute: date.getMinutes(), second: date.getSeconds(),
});
const midnight = (date: Date): Tm => ({ ...fromDate(date), hour: 0, minute: 0, second: 0 });

function uptimeSeconds(): number {
  try {
    return Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]));
  } catch {
    return 0;
  }
}

/** The date a keyword stands for, and whether it carries its own time of day (now, recent, boot). */
function keywordDate(keyword: string, bound: Bound, now: Date): { tm: Tm; timed: boolean } {
  switch (keyword) {
    case 'now':
      return { tm: fromDate(now), timed: true };
    case 'recent':
      return { tm: fromDate(new Date(now.getTime() - 600_000)), timed: true };
    case 'boot':
      return { tm: fromDate(new Date(now.getTime() - uptimeSeconds() * 1000)), timed: true };
    case 'today':
      return bound === 'end' ? { tm: fromDate(now), timed: true } : { tm: midnight(now), timed: false };
    case 'yesterday':
      return { tm: midnight(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1)), timed: false };
    case 'this-week':
      return { tm: midnight(new Date(now.getFullYear(), now.getMonth(), now.getDate() - now.getDay())), timed: false };
    case 'week-ago':
      return { tm: midnight(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 7)), timed: false };
    case 'this-month':
      return { tm: midnight(new Date(now.getFullYear(), now.getMonth(), 1)), timed: false };
    default:
      return { tm: midnight(new Date(now.getFullYear(), 0, 1)), timed: false };
  }
}

/** glibc strptime of one number field: optional leading spaces, up to `width` digits, in range. */
function number(text: string, at: number, width: number, min: number, max: number): { value: number; next: number } | null {
  let index = at;
  while (text[index] === ' ') index++;
  const start = index;
  while (index < text.length && index - start < width && /\d/.test(text[index]!)) index++;
  if (index === start) return null;
  const value = Number(text.slice(start, index));
  return value < min || value > max ? null : { value, next: index };
}

/** strptime(text, "%m/%d/%y") in the C locale: the fields, and what is left over. */
function parseDate(text: string): { month: number; day: number; year: number; rest: string } | null {
  const month = number(text, 0, 2, 1, 12);
  if (!month || text[month.next] !== '/') return null;
  const day = number(text, month.next + 1, 2, 1, 31);
  if (!day || text[day.next] !== '/') return null;
  const year = number(text, day.next + 1, 2, 0, 99);
  if (!year) return null;
  return { month: month.value - 1, day: day.value, year: year.value < 69 ? 2000 + year.value : 1900 + year.value, rest: text.slice(year.next) };
}

/** strptime(text, "%H:%M:%S"). */
function parseTime(text: string): { hour: number; minute: number; second: number; rest: string } | null {
  const hour = number(text, 0, 2, 0, 23);
  if (!hour || text[hour.next] !== ':') return null;
  const minute = number(text, hour.next + 1, 2, 0, 59);
  if (!minute || text[minute.next] !== ':') return null;
  const second = number(text, minute.next + 1, 2, 0, 61);
  if (!second) return null;
  return { hour: hour.value, minute: minute.value, second: second.value, rest: text.slice(second.next) };
}

/** Seconds since the epoch for `--start/--end DATE TIME` (auvirt passes "00:00:00" when no time was given). */
export function resolveBound(bound: Bound, date: string, time: string, now = new Date()): number {
  let tm: Tm;
  if (KEYWORDS.has(date)) {
    const keyword = keywordDate(date, bound, now);
    if (keyword.timed && time === '00:00:00') return Math.floor(new Date(keyword.tm.year, keyword.tm.month, keyword.tm.day, keyword.tm.hour, keyword.tm.minute, keyword.tm.second).getTime() / 1000);
    tm = keyword.tm;
  } else {
    const parsed = parseDate(date);
    if (parsed === null) throw new TimeError(`Invalid ${bound} date (${date}). Month, Day, and Year are required.`);
    if (parsed.rest !== '') throw new TimeError(`Error parsing ${bound} date (${date})`);
    tm = { year: parsed.year, month: parsed.month, day: parsed.day, hour: 0, minute: 0, second: 0 };
  }
  const parsedTime = parseTime(time.length <= 5 ? `${time}:00` : time);
  if (parsedTime === null) throw new TimeError(`Invalid ${bound} time (${time}). Hour, Minute, and Second are required.`);
  if (parsedTime.rest !== '') throw new TimeError(`Error parsing ${bound} time (${time})`);
  if (tm.year < 2004) throw new TimeError(`Error - year is ${tm.year}`);
  const seconds = new Date(tm.year, tm.month, tm.day, parsedTime.hour, parsedTime.minute, parsedTime.second).getTime() / 1000;
  if (!Number.isFinite(seconds)) throw new TimeError(`Error converting ${bound} time`);
  return Math.floor(seconds);
}
