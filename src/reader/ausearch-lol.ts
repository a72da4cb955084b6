// How ausearch and aureport (audit-userspace 3.0.9, src/ausearch-lol.c) read a record's stamp and group
// records into events — not auparse's way (auvirt's): the stamp is read by strtoul, its seconds a signed
// time_t; an event is complete when its FIRST record's type says it stands alone, or once a newer event
// starts eoe_timeout seconds after it; and events leave one at a time, the lowest stamp first, only
// while that lowest one is complete (so a building event holds back every later one).
import { strtoul } from '../text/strtoul.js';
import { recordTypeNumber } from '../tables/record-types.js';

/** A record's stamp as extract_timestamp reads it (the `event` struct of ausearch-llist.h). */
export interface LolStamp {
  readonly node: string | null;
  /** time_t: the unsigned long read, as the signed 64-bit value it becomes. */
  readonly sec: bigint;
  /** unsigned int, at most 999. */
  readonly milli: number;
  /** unsigned long: exact. */
  readonly serial: bigint;
  /** audit_name_to_msg_type of the type word: -1 when not known. */
  readonly type: number;
  /** The word after `type=`, as written. */
  readonly typeName: string;
  /** Where the stamp's text (after `(`) starts in the line. */
  readonly stampAt: number;
}

/** What extract_timestamp makes of a line. */
export type ExtractedStamp =
  | { readonly kind: 'stamp'; readonly stamp: LolStamp }
  /** str2event failed: the text `Error extracting time stamp (TEXT)` shows; the line is passed over. */
  | { readonly kind: 'unreadable'; readonly shown: string }
  /** Outside -ts/-te: passed over. */
  | { readonly kind: 'outside' }
  /** Not a record line ("a bad line"): passed over. */
  | { readonly kind: 'bad' };

const LONG_MAX = (1n << 63n) - 1n;
const UINT_MAX = 0xffffffffn;
const AUDIT_EOE = 1320;
const AUDIT_PROCTITLE = 1327;
const AUDIT_FIRST_EVENT = 1300;
const AUDIT_FIRST_ANOM_MSG = 2100;
const AUDIT_KERNEL = 2000;
const AUDIT_MAC_UNLBL_ALLOW = 1406;
const AUDIT_MAC_CALIPSO_DEL = 1419;

/** The default end_of_event_timeout (auditd.conf, EOE_TIMEOUT). */
export const LOL_EOE_TIMEOUT = 2n;

export interface LolOptions {
  /** end_of_event_timeout, seconds. */
  readonly eoeTimeout?: bigint;
  /** -ts / -te as whole seconds (0 or undefined: none, as ausearch's start_time/end_time). */
  readonly start?: number;
  readonly end?: number;
  /** auparse's extract_timestamp (auparse.c): a first word is a node only past `node=` (six bytes or more). */
  readonly auparse?: boolean;
}

/** audit_strsplit over `text`: the words split on single spaces, runs of spaces skipped. */
function* words(text: string): Generator<{ word: string; at: number }> {
  let at = 0;
  for (;;) {
    while (text[at] === ' ') at++;
    const space = text.indexOf(' ', at);
    if (space === -1) {
      if (at < text.length) yield { word: text.slice(at), at };
      return;
    }
    yield { word: text.slice(at, space), at };
    at = space + 1;
  }
}

/** audit_name_to_msg_type. */
function msgTypeOf(name: string): number {
  const known = recordTypeNumber(name);
  if (known !== null && !name.startsWith('UNKNOWN[')) return known;
  if (name.startsWith('UNKNOWN[')) {
    const end = name.indexOf(']', 8);
    if (end === -1) return -1;
    return strtol32(name.slice(8, 8 + Math.min(end - 8, 7)));
  }
  if (/^[0-9]/.test(name)) return strtol32(name);
  return -1;
}

/** strtol(text, NULL, 10) stored in an int. */
function strtol32(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(text)!;
  if (match[2] === '') return 0;
  let value = BigInt(match[2]!);
  if (match[1] === '-') value = -value;
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < -LONG_MAX - 1n) value = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, value));
}

/**
 * str2event: the seconds (strtoul, refused on ERANGE or past LONG_MAX − eoe_timeout − 1 as a signed
 * time_t), the millis after the first `.` (unsigned int, refused past 999), the serial after the next `:`.
 */
function str2event(text: string, eoeTimeout: bigint): { sec: bigint; milli: number; serial: bigint } | null {
  const sec = strtoul(text, 0);
  const signedSec = BigInt.asIntN(64, sec.value);
  if (sec.overflow || signedSec > LONG_MAX - eoeTimeout - 1n) return null;
  let from = 0;
  let milli = 0;
  const dot = text.indexOf('.');
  if (dot !== -1) {
    const read = strtoul(text, dot + 1);
    const stored = read.value & UINT_MAX;
    if (read.overflow || stored > 999n) return null;
    milli = Number(stored);
    from = dot + 1;
  }
  let serial = 0n;
  const colon = text.indexOf(':', from);
  if (colon !== -1) {
    const read = strtoul(text, colon + 1);
    if (read.overflow) return null;
    serial = read.value;
  }
  return { sec: signedSec, milli, serial };
}

/**
 * extract_timestamp of ausearch-lol.c on a line as fgets read it (its newline included): only the first
 * 80 bytes are looked at (340 when the line starts with `n`); the third word is taken as `msg=…(STAMP)`
 * when it is longer than 18 bytes.
 */
export function extractTimestamp(line: string, options: LolOptions = {}): ExtractedStamp {
  const copy = line.slice(0, line.startsWith('n') ? 340 : 80);
  const split = words(copy);
  let next = split.next();
  if (next.done) return { kind: 'bad' };
  let node: string | null = null;
  if (next.value.word.startsWith('n') && (options.auparse !== true || next.value.word.length > 5)) {
    node = next.value.word.slice(5);
    next = split.next();
    if (next.done) return { kind: 'bad' };
  }
  const typeName = next.value.word.slice(5);
  const msg = split.next();
  if (msg.done || msg.value.word.length <= 18) return { kind: 'bad' };
  const word = msg.value.word;
  const open = word[9] === '(' ? 9 : word.indexOf('(');
  if (open === -1) return { kind: 'bad' };
  const close = word.indexOf(')', open + 1);
  const stampText = word.slice(open + 1, close === -1 ? word.length : close);
  const eoeTimeout = options.eoeTimeout ?? LOL_EOE_TIMEOUT;
  const read = str2event(stampText, eoeTimeout);
  if (read === null) return { kind: 'unreadable', shown: stampText };
  if ((options.start && read.sec < BigInt(options.start)) || (options.end && read.sec > BigInt(options.end))) return { kind: 'outside' };
  return { kind: 'stamp', stamp: { node, ...read, type: msgTypeOf(typeName), typeName, stampAt: msg.value.at + open + 1 } };
}

/**
 * Where a record's body begins: after `): ` when the stamp's word closes, else at the stamp (ausearch and
 * auparse then search the whole line for a field).
 */
export function bodyStartAfterStamp(text: string, stampAt: number): number {
  const space = text.indexOf(' ', stampAt);
  const close = text.indexOf(')', stampAt);
  let bodyStart = stampAt;
  if (close !== -1 && (space === -1 || close < space)) {
    bodyStart = close + 1;
    if (text[bodyStart] === ':') bodyStart++;
    if (text[bodyStart] === ' ') bodyStart++;
  }
  return bodyStart;
}

/**
 * check_events (ausearch-lol.c), the same rule as auparse's au_check_events: an event known by its type to
 * be one record long.
 */
export function standsAlone(type: number): boolean {
  return (
    type === AUDIT_PROCTITLE ||
    type < AUDIT_FIRST_EVENT ||
    type >= AUDIT_FIRST_ANOM_MSG ||
    type === AUDIT_KERNEL ||
    (type >= AUDIT_MAC_UNLBL_ALLOW && type <= AUDIT_MAC_CALIPSO_DEL)
  );
}

/** An event of the list: its first record's stamp and its records in the order they came. */
export interface LolEvent<R> {
  readonly stamp: LolStamp;
  readonly records: R[];
}

const EMPTY = 0;
const BUILDING = 1;
const COMPLETE = 2;

interface Slot<R> {
  status: number;
  event: LolEvent<R> | null;
}

const ARRAY_LIMIT = 80;

/** The list's bounds: far above what auditd's logs hold open at once (a few events). */
export const LOL_BOUNDS = { events: 2_000, records: 100_000 };

/** compare_event_time: seconds (signed), millis, serial; the node is not compared. */
function compareEventTime(a: LolStamp, b: LolStamp): number {
  if (a.sec !== b.sec) return a.sec > b.sec ? 1 : -1;
  if (a.milli !== b.milli) return a.milli > b.milli ? 1 : -1;
  if (a.serial !== b.serial) return a.serial > b.serial ? 1 : -1;
  return 0;
}

function eventsAreEqual(a: LolStamp, b: LolStamp): boolean {
  return a.serial === b.serial && a.milli === b.milli && a.sec === b.sec && a.node === b.node;
}

/**
 * The list of lists (ausearch-lol.c): its slots reused first-empty-first, as the C array is, since which
 * slot an event sits in decides which of two events with the same stamp leaves first.
 */
export class AusearchLol<R> {
  private readonly slots: Slot<R>[] = [];
  private maxi = -1;
  private ready = 0;
  private readonly eoeTimeout: bigint;
  /** Events in the list, and their records. */
  private heldEvents = 0;
  private heldRecords = 0;
  /** Events completed early to keep within the bounds (3.0.9 has none). */
  forcedComplete = 0;

  /**
   * @param bounds - Events and records the list holds at most: past either, the lowest event still
   * building is taken as complete. 3.0.9 has no bound (its memory grows, and each record scans every
   * event); only input holding that many events open at once is read differently.
   */
  constructor(eoeTimeout: bigint = LOL_EOE_TIMEOUT, private readonly bounds: { events: number; records: number } = LOL_BOUNDS) {
    for (let i = 0; i < ARRAY_LIMIT; i++) this.slots.push({ status: EMPTY, event: null });
    this.eoeTimeout = eoeTimeout;
  }

  private keepWithinBounds(): void {
    if (this.heldEvents <= this.bounds.events && this.heldRecords <= this.bounds.records) return;
    let lowest: Slot<R> | null = null;
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === BUILDING && (lowest === null || compareEventTime(lowest.event!.stamp, slot.event!.stamp) === 1)) lowest = slot;
    }
    if (lowest === null) return;
    lowest.status = COMPLETE;
    this.ready++;
    this.forcedComplete++;
  }

  /** lol_add_record after extract_timestamp succeeded: false for a standalone EOE (eaten). */
  add(stamp: LolStamp, record: R): boolean {
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === BUILDING && eventsAreEqual(slot.event!.stamp, stamp)) {
        slot.event!.records.push(record);
        this.heldRecords++;
        this.keepWithinBounds();
        return true;
      }
    }
    if (stamp.type === AUDIT_EOE) return false;
    this.append({ stamp, records: [record] });
    this.heldEvents++;
    this.heldRecords++;
    this.checkEvents(stamp.sec);
    this.keepWithinBounds();
    return true;
  }

  private append(event: LolEvent<R>): void {
    let index = this.slots.findIndex((slot) => slot.status === EMPTY);
    if (index === -1) {
      index = this.slots.length;
      for (let i = 0; i < ARRAY_LIMIT; i++) this.slots.push({ status: EMPTY, event: null });
    }
    this.slots[index] = { status: BUILDING, event };
    if (index > this.maxi) this.maxi = index;
  }

  private checkEvents(sec: bigint): void {
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status !== BUILDING) continue;
      const first = slot.event!.stamp;
      if (first.sec + this.eoeTimeout <= sec || standsAlone(first.type)) {
        slot.status = COMPLETE;
        this.ready++;
      }
    }
  }

  /** terminate_all_events: at the end of the last input. */
  terminateAll(): void {
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === BUILDING) {
        slot.status = COMPLETE;
        this.ready++;
      }
    }
  }

  /** get_ready_event: the event with the lowest stamp, if it is complete. */
  takeReady(): LolEvent<R> | null {
    if (this.ready === 0) return null;
    let lowest: Slot<R> | null = null;
    let lowestIndex = -1;
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === EMPTY) continue;
      if (lowest === null || compareEventTime(lowest.event!.stamp, slot.event!.stamp) === 1) {
        lowest = slot;
        lowestIndex = i;
      }
    }
    if (lowest === null || lowest.status !== COMPLETE) return null;
    const event = lowest.event!;
    lowest.status = EMPTY;
    lowest.event = null;
    this.ready--;
    this.heldEvents--;
    this.heldRecords -= event.records.length;
    if (lowestIndex === this.maxi) {
      while (this.slots[this.maxi]!.status === EMPTY && this.maxi > 0) this.maxi--;
    }
    return event;
  }
}
