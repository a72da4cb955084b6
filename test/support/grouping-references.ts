// The straight ports the reading commands used before their grouping was made faster (session 10):
// ausearch-lol.c's list and auparse's event list, each scanning every event at every record exactly as
// the C code does. The faster AusearchLol and AuparseGrouper are held to them (test/grouping-fast.test.ts).
import type { AuditTime } from '../../src/model/audit-record.js';
import { EOE } from '../../src/tables/record-types.js';
import type { GroupableRecord, GroupedEvent } from '../../src/reader/event-grouper.js';
import { extractTimestamp, LOL_BOUNDS, LOL_EOE_TIMEOUT, standsAlone, type LolEvent, type LolStamp } from '../../src/reader/ausearch-lol.js';
import { ScannedLine } from '../../src/reader/scanned-line.js';
import type { ExactInteger } from '../../src/text/strtoul.js';

const AUDIT_EOE = 1320;
const EMPTY = 0;
const BUILDING = 1;
const COMPLETE = 2;

interface LolSlot<R> {
  status: number;
  event: LolEvent<R> | null;
}

const ARRAY_LIMIT = 80;

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
export class ReferenceLol<R> {
  private readonly slots: LolSlot<R>[] = [];
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
    let lowest: LolSlot<R> | null = null;
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

  private checkEvents(sec: ExactInteger): void {
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status !== BUILDING) continue;
      const first = slot.event!.stamp;
      if (BigInt(first.sec) + this.eoeTimeout <= BigInt(sec) || standsAlone(first.type)) {
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
    let lowest: LolSlot<R> | null = null;
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

/** A serial as a bigint; one no double holds (hundreds of digits) past every unsigned long. */
const bigSerial = (serial: number): bigint => (Number.isFinite(serial) ? BigInt(Math.trunc(serial)) : 1n << 64n);

/** A record's serial, exact: past 2^53 read again from its stamp (a double there stands for several). */
function exactSerial(record: GroupableRecord, serial: number): bigint {
  if (Number.isSafeInteger(serial)) return BigInt(serial);
  const text = record instanceof ScannedLine ? record.bytes.toString('latin1', record.start, record.start + record.bodyStart) : 'text' in record && typeof record.text === 'string' ? record.text : null;
  const found = text === null ? null : extractTimestamp(text, { auparse: true });
  return found?.kind === 'stamp' ? BigInt(found.stamp.serial) : bigSerial(serial);
}

const EOE_TIMEOUT_SECONDS = 2;

/** au_check_events: the last record's type says the event is whole. */
function endsEvent(type: number | null): boolean {
  const value = type ?? -1;
  return value === EOE || standsAlone(value);
}


interface Slot<R> {
  status: number;
  node: string | null;
  time: AuditTime;
  serial: number;
  /** The serial exact (bigint): events are told apart and ordered by it. */
  exact: bigint;
  lastType: number | null;
  records: R[];
  /** An event nobody reads: counted for completion and order, never handed on. */
  skipped: boolean;
}

/** Events held at most: past it the lowest one still building is taken as complete (auparse has no bound). */
const MAX_EVENTS = 10_000;

export class ReferenceAuparseGrouper<R extends GroupableRecord> {
  private readonly slots: Slot<R>[] = [];
  private maxi = -1;
  private ready = 0;
  private held = 0;

  constructor(private readonly deliver: (event: GroupedEvent<R>) => void) {}

  push(record: R): void {
    const { time, serial } = record;
    if (time === null || serial === null) {
      this.deliver({ node: record.node, time, serial, records: [record] });
      return;
    }
    this.add(record.node, time, serial, exactSerial(record, serial), record.typeNumber, record);
  }

  /** Whether a record with this stamp belongs to an event being kept (see EventGrouper.keeps). */
  keeps(node: string | null, sec: number, ms: number, serial: number, opensKept: boolean): boolean {
    const slot = this.building(node, sec, ms, bigSerial(serial));
    return slot === undefined ? opensKept : !slot.skipped;
  }

  /** A record of an event nobody reads (its header read as numbers: a serial past 2^53 is the nearest double). */
  skip(node: string | null, sec: number, ms: number, serial: number, typeNumber: number | null): void {
    this.add(node, { sec, ms }, serial, bigSerial(serial), typeNumber, null);
  }

  /** The end of the input: every event complete, and handed on. */
  flush(): void {
    for (let i = 0; i <= this.maxi; i++) this.markComplete(this.slots[i]!);
    this.drain();
  }

  private building(node: string | null, sec: number, ms: number, exact: bigint): Slot<R> | undefined {
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === BUILDING && slot.exact === exact && slot.time.ms === ms && slot.time.sec === sec && slot.node === node) return slot;
    }
    return undefined;
  }

  private add(node: string | null, time: AuditTime, serial: number, exact: bigint, type: number | null, record: R | null): void {
    const joined = this.building(node, time.sec, time.ms, exact);
    if (joined !== undefined) {
      if (record !== null && !joined.skipped) joined.records.push(record);
      joined.lastType = type;
      this.checkEvents(time.sec);
      return;
    }
    // A standalone EOE is eaten: its event was already complete.
    if (type === EOE) return;
    this.append({ status: BUILDING, node, time, serial, exact, lastType: type, records: record === null ? [] : [record], skipped: record === null });
    this.checkEvents(time.sec);
    if (this.held > MAX_EVENTS) this.completeLowestBuilding();
    this.drain();
  }

  private append(slot: Slot<R>): void {
    let index = this.slots.findIndex((candidate) => candidate.status === EMPTY);
    if (index === -1) index = this.slots.push(slot) - 1;
    else this.slots[index] = slot;
    if (index > this.maxi) this.maxi = index;
    this.held++;
  }

  private checkEvents(sec: number): void {
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === BUILDING && (slot.time.sec + EOE_TIMEOUT_SECONDS <= sec || endsEvent(slot.lastType))) this.markComplete(slot);
    }
  }

  private markComplete(slot: Slot<R>): void {
    if (slot.status !== BUILDING) return;
    slot.status = COMPLETE;
    this.ready++;
  }

  private completeLowestBuilding(): void {
    let lowest: Slot<R> | undefined;
    for (let i = 0; i <= this.maxi; i++) {
      const slot = this.slots[i]!;
      if (slot.status === BUILDING && (lowest === undefined || compare(lowest, slot) === 1)) lowest = slot;
    }
    if (lowest !== undefined) this.markComplete(lowest);
  }

  /** au_get_ready_event, again while it finds one. */
  private drain(): void {
    while (this.ready > 0) {
      let lowest: Slot<R> | undefined;
      for (let i = 0; i <= this.maxi; i++) {
        const slot = this.slots[i]!;
        if (slot.status !== EMPTY && (lowest === undefined || compare(lowest, slot) === 1)) lowest = slot;
      }
      if (lowest === undefined || lowest.status !== COMPLETE) return;
      lowest.status = EMPTY;
      this.ready--;
      this.held--;
      if (!lowest.skipped) this.deliver({ node: lowest.node, time: lowest.time, serial: lowest.serial, records: lowest.records });
    }
  }
}

/** auparse_timestamp_compare: seconds, millis, serial (not the node). */
function compare(a: Slot<unknown>, b: Slot<unknown>): number {
  if (a.time.sec !== b.time.sec) return a.time.sec > b.time.sec ? 1 : -1;
  if (a.time.ms !== b.time.ms) return a.time.ms > b.time.ms ? 1 : -1;
  if (a.exact !== b.exact) return a.exact > b.exact ? 1 : -1;
  return 0;
}
