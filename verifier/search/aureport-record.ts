// What aureport (audit-userspace 3.0.9) reads of a record for `--virt`: its stamp as ausearch-lol's
// extract_timestamp reads it (strtoul: exact, a value beyond unsigned long makes the event unreadable),
// and, for a user message, what ausearch-parse.c's parse_user reads with the fields aureport asks for
// (the pid, then the outcome): `yes`, `no`, `unset` when the record names none, or null when parse_user
// fails and aureport skips the event (a record cut before the space after pid=, a res= with no closing
// quote after it).

import { localTime } from '../local-time.js';
import { strtoul } from '../../src/text/strtoul.js';

export { strtoul };

export interface AureportStamp {
  /** time_t: the unsigned long read, as the signed 64-bit value it becomes. */
  readonly sec: bigint;
  readonly serial: bigint;
}

const STAMP = /msg=audit\(/;
/**
 * Of a line without `node=`, aureport's error message shows no more than its first 80 bytes (seen with
 * the real aureport 3.0.9; a `node=` line's message shows the whole stamp).
 */
const STAMP_COPY = 80;

/**
 * The record's stamp as aureport reads it; where a part overflows, the text aureport's error message
 * shows (`Error extracting time stamp (TEXT)`): the event is not reported.
 */
export function aureportStamp(text: string): AureportStamp | { readonly unreadable: string } | null {
  const at = STAMP.exec(text);
  if (at === null) return null;
  const secAt = at.index + at[0].length;
  const sec = strtoul(text, secAt);
  const dot = text.indexOf('.', secAt);
  const colon = dot === -1 ? -1 : text.indexOf(':', dot);
  if (dot === -1 || colon === -1) return null;
  const milli = strtoul(text, dot + 1);
  const serial = strtoul(text, colon + 1);
  if (sec.overflow || milli.overflow || serial.overflow) {
    const copy = text.startsWith('node=') ? text : text.slice(0, STAMP_COPY);
    const close = copy.indexOf(')', secAt);
    return { unreadable: copy.slice(secAt, close === -1 ? copy.length : close) };
  }
  return { sec: BigInt.asIntN(64, sec.value), serial: serial.value };
}

export type AureportOutcome = 'yes' | 'no' | 'unset';

/**
 * parse_user with aureport's fields (event_pid and event_success set, the rest unset), on the record's
 * text before any ENRICHED separator (auparse hands on the RAW part only); null: parse_user fails.
 */
export function parseUserOutcome(message: string): AureportOutcome | null {
  const pid = message.indexOf('pid=');
  if (pid === -1) return null;
  let term = message.indexOf(' ', pid + 4);
  if (term === -1 || strtoul(message, pid + 4).overflow) return null;
  // skip: mptr = term + 1; then acct=, which moves term past its value.
  const acct = message.indexOf('acct=', term + 1);
  if (acct !== -1) {
    const value = acct + 5;
    if (message[value] === '"') {
      term = value + 1;
      while (term < message.length && message[term] !== '"') term++;
    } else {
      term = value;
      while (term < message.length && message[term] !== ' ') term++;
    }
  }
  const mptr = term + 1;
  const res = message.indexOf('res=', mptr);
  if (res !== -1) {
    const quote = message.indexOf("'", res + 4);
    if (quote === -1) return null;
    return message.slice(res + 4, quote).startsWith('failed') ? 'no' : 'yes';
  }
  const result = message.indexOf('result=', mptr);
  if (result !== -1) {
    const paren = message.indexOf(')', result + 7);
    if (paren === -1) return null;
    return message.slice(result + 7, paren).toLowerCase() === 'success' ? 'yes' : 'no';
  }
  return 'unset';
}

const two = (value: number): string => String(value).padStart(2, '0');

/** `%x %T` of localtime(sec) in the C locale, as aureport prints it; `?` where localtime fails. */
export function localStampText(sec: bigint): string {
  const local = localTime(sec);
  if (local === null) return '?';
  const yy = Number(((local.year % 100n) + 100n) % 100n);
  return `${two(local.month + 1)}/${two(local.day)}/${two(yy)} ${two(local.hours)}:${two(local.minutes)}:${two(local.seconds)}`;
}
