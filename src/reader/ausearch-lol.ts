// How ausearch and aureport (audit-userspace 3.0.9, src/ausearch-lol.c) read a record's stamp and group
// records into events — not auparse's way (auvirt's): the stamp is read by strtoul, its seconds a signed
// time_t; an event is complete when its FIRST record's type says it stands alone, or once a newer event
// starts eoe_timeout seconds after it; and events leave one at a time, the lowest stamp first, only
// while that lowest one is complete (so a building event holds back every later one).
import { exactInteger, exactSum, strtoul, type ExactInteger } from '../text/strtoul.js';
import { recordTypeNumber } from '../tables/record-types.js';
import { MinHeap } from './min-heap.js';

/** A record's stamp as extract_timestamp reads it (the `event` struct of ausearch-llist.h). */
export interface LolStamp {
  readonly node: string | null;
  /** time_t: the unsigned long read, as the signed 64-bit value it becomes. */
  readonly sec: ExactInteger;
  /** unsigned int, at most 999. */
  readonly milli: number;
  /** unsigned long. */
  readonly serial: ExactInteger;
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
export function msgTypeOf(name: string): number {
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
function str2event(text: string, eoeTimeout: bigint): { sec: ExactInteger; milli: number; serial: ExactInteger } | null {
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
  return { sec: exactInteger(signedSec), milli, serial: exactInteger(serial) };
}

/** The most seconds str2event takes: LONG_MAX − eoe_timeout − 1. */
export const maxStampSeconds = (eoeTimeout: bigint): ExactInteger => exactInteger(LONG_MAX - eoeTimeout - 1n);

/** Outside -ts/-te (whole seconds; 0 or undefined is no bound, as ausearch's start_time/end_time). */
export const outsideBounds = (sec: ExactInteger, options: LolOptions): boolean => (!!options.start && sec < options.start) || (!!options.end && sec > options.end);

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
  if (outsideBounds(read.sec, options)) return { kind: 'outside' };
  return { kind: 'stamp', stamp: { node, sec: read.sec, milli: read.milli, serial: read.serial, type: msgTypeOf(typeName), typeName, stampAt: msg.value.at + open + 1 } };
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

/** An event in the list, in the slot it sits in. */
interface HeldEvent<R> extends LolEvent<R> {
  /** Its slot of the C array: which of two events with the same stamp leaves first. */
  readonly index: number;
  complete: boolean;
  /** The next building event with the same serial (see `building`). */
  nextSameSerial: HeldEvent<R> | null;
}

/** The C array grows by this many slots. */
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

/** get_ready_event's choice: the lowest stamp, of equal ones the first slot (its scan keeps the first it found). */
const lowestFirst = <R>(a: HeldEvent<R>, b: HeldEvent<R>): number => compareEventTime(a.stamp, b.stamp) || a.index - b.index;

/** Serials and seconds are ExactIntegers, so === compares them exactly. */
function eventsAreEqual(a: LolStamp, b: LolStamp): boolean {
  return a.serial === b.serial && a.milli === b.milli && a.sec === b.sec && a.node === b.node;
}

/**
 * The list of lists (ausearch-lol.c): its slots reused first-empty-first, as the C array is, since which
 * slot an event sits in decides which of two events with the same stamp leaves first.
 *
 * What 3.0.9 finds by scanning every slot at each record is kept at hand here, with the same answers: the
 * building events by serial (at most one building event has a given stamp: a record opens one only when
 * none has it), every held event in a heap by (stamp, slot), the empty slots lowest first, and the oldest
 * first second of a building event (only the event a record opens can stand alone by its first record's
 * type: every other building event was checked when it opened, and its first record does not change).
 */
export class AusearchLol<R> {
  /** The C array: each slot's event, null when empty. */
  private readonly slots: Array<HeldEvent<R> | null> = [];
  private readonly emptySlots = new MinHeap<number>((a, b) => a - b);
  private readonly held = new MinHeap<HeldEvent<R>>(lowestFirst);
  private readonly building = new Map<ExactInteger, HeldEvent<R>>();
  /** The event a record last joined or opened: the next record most often belongs to it. */
  private last: HeldEvent<R> | null = null;
  /** No building event started before this second (a lower bound; null: none is building). */
  private oldestBuildingSec: ExactInteger | null = null;
  private ready = 0;
  private readonly eoeTimeout: ExactInteger;
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
    this.grow();
    this.eoeTimeout = exactInteger(eoeTimeout);
  }

  private grow(): void {
    const from = this.slots.length;
    for (let i = 0; i < ARRAY_LIMIT; i++) {
      this.slots.push(null);
      this.emptySlots.push(from + i);
    }
  }

  private keepWithinBounds(): void {
    if (this.heldEvents <= this.bounds.events && this.heldRecords <= this.bounds.records) return;
    let lowest: HeldEvent<R> | null = null;
    for (const event of this.slots) {
      if (event !== null && !event.complete && (lowest === null || compareEventTime(lowest.stamp, event.stamp) === 1)) lowest = event;
    }
    if (lowest === null) return;
    this.complete(lowest);
    this.forcedComplete++;
  }

  /** The building event with this stamp, if any. */
  private buildingWith(stamp: LolStamp): HeldEvent<R> | null {
    const last = this.last;
    if (last !== null && !last.complete && eventsAreEqual(last.stamp, stamp)) return last;
    for (let event = this.building.get(stamp.serial) ?? null; event !== null; event = event.nextSameSerial) {
      if (eventsAreEqual(event.stamp, stamp)) return event;
    }
    return null;
  }

  /** lol_add_record after extract_timestamp succeeded: false for a standalone EOE (eaten). */
  add(stamp: LolStamp, record: R): boolean {
    const joined = this.buildingWith(stamp);
    if (joined !== null) {
      joined.records.push(record);
      this.last = joined;
      this.heldRecords++;
      this.keepWithinBounds();
      return true;
    }
    if (stamp.type === AUDIT_EOE) return false;
    const event = this.append(stamp, record);
    this.last = event;
    this.heldEvents++;
    this.heldRecords++;
    this.checkEvents(event);
    this.keepWithinBounds();
    return true;
  }

  private append(stamp: LolStamp, record: R): HeldEvent<R> {
    if (this.emptySlots.size === 0) this.grow();
    const index = this.emptySlots.pop()!;
    const sameSerial = this.building.get(stamp.serial) ?? null;
    const event: HeldEvent<R> = { stamp, records: [record], index, complete: false, nextSameSerial: sameSerial };
    this.building.set(stamp.serial, event);
    this.slots[index] = event;
    this.held.push(event);
    if (this.oldestBuildingSec === null || stamp.sec < this.oldestBuildingSec) this.oldestBuildingSec = stamp.sec;
    return event;
  }

  /** check_events after `opened` was added: every building event whose first second is eoe_timeout old, and `opened` if it stands alone. */
  private checkEvents(opened: HeldEvent<R>): void {
    const sec = opened.stamp.sec;
    if (standsAlone(opened.stamp.type)) this.complete(opened);
    if (this.oldestBuildingSec === null || exactSum(this.oldestBuildingSec, this.eoeTimeout) > sec) return;
    let oldest: ExactInteger | null = null;
    for (const event of this.slots) {
      if (event === null || event.complete) continue;
      const first = event.stamp.sec;
      if (exactSum(first, this.eoeTimeout) <= sec) this.complete(event);
      else if (oldest === null || first < oldest) oldest = first;
    }
    this.oldestBuildingSec = oldest;
  }

  private complete(event: HeldEvent<R>): void {
    if (event.complete) return;
    event.complete = true;
    this.ready++;
    const { serial } = event.stamp;
    const head = this.building.get(serial)!;
    if (head === event) {
      if (event.nextSameSerial === null) this.building.delete(serial);
      else this.building.set(serial, event.nextSameSerial);
    } else {
      let before = head;
      while (before.nextSameSerial !== event) before = before.nextSameSerial!;
      before.nextSameSerial = event.nextSameSerial;
    }
    event.nextSameSerial = null;
  }

  /** terminate_all_events: at the end of the last input. */
  terminateAll(): void {
    for (const event of this.slots) if (event !== null) this.complete(event);
    this.oldestBuildingSec = null;
  }

  /** get_ready_event: the event with the lowest stamp, if it is complete. */
  takeReady(): LolEvent<R> | null {
    if (this.ready === 0) return null;
    const lowest = this.held.peek();
    if (lowest === undefined || !lowest.complete) return null;
    this.held.pop();
    this.slots[lowest.index] = null;
    this.emptySlots.push(lowest.index);
    this.ready--;
    this.heldEvents--;
    this.heldRecords -= lowest.records.length;
    return lowest;
  }

  /** Every record the list holds (for a reader that must copy what they point into before it is reused). */
  *heldRecordsNow(): Generator<R> {
    for (const event of this.slots) if (event !== null) yield* event.records;
  }
}
