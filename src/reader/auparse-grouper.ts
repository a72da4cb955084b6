// How libauparse 3.0.9 (auparse.c au_auparse_next_event, and so auvirt) groups records into events and
// hands them on, followed exactly for auvirt --compat: an event is complete when the record last added
// to it stands alone by its type (PROCTITLE, EOE, below 1300, 2000, 2100 and above, the NetLabel range)
// or once a record comes eoe_timeout whole seconds after its first — both checked over every event
// being built each time a record is added; and events are handed on, the lowest stamp first while that
// one is complete, only after a record opens a new event (or at the end), so a record joining an event
// never lets one out by itself. Its slots are reused first-empty-first, which decides ties.
//
// What auparse finds by scanning every event at each record is kept at hand here, with the same answers:
// the building events by serial (at most one building event has a given stamp: a record opens one only
// when none has it), every held event in a heap by (stamp, slot), the empty slots lowest first, and the
// oldest first second of a building event. Only the event a record joins or opens can have become complete
// by its last record's type: every other building event was checked when its last record came.
import type { AuditTime } from '../model/audit-record.js';
import { EOE } from '../tables/record-types.js';
import type { GroupableRecord, GroupedEvent } from './event-grouper.js';
import { extractTimestamp, standsAlone } from './ausearch-lol.js';
import { MinHeap } from './min-heap.js';
import { exactInteger, type ExactInteger } from '../text/strtoul.js';
import { ScannedLine } from './scanned-line.js';

/** A serial exact; one no double holds (hundreds of digits) past every unsigned long. */
const exactOf = (serial: number): ExactInteger => (Number.isSafeInteger(serial) ? serial : Number.isFinite(serial) ? exactInteger(BigInt(Math.trunc(serial))) : 1n << 64n);

/** A record's serial, exact: past 2^53 read again from its stamp (a double there stands for several). */
function exactSerial(record: GroupableRecord, serial: number): ExactInteger {
  if (Number.isSafeInteger(serial)) return serial;
  const text = record instanceof ScannedLine ? record.bytes.toString('latin1', record.start, record.start + record.bodyStart) : 'text' in record && typeof record.text === 'string' ? record.text : null;
  const found = text === null ? null : extractTimestamp(text, { auparse: true });
  return found?.kind === 'stamp' ? found.stamp.serial : exactOf(serial);
}

const EOE_TIMEOUT_SECONDS = 2;

/** au_check_events: the last record's type says the event is whole. */
function endsEvent(type: number | null): boolean {
  const value = type ?? -1;
  return value === EOE || standsAlone(value);
}

interface Slot<R> {
  /** Its place in auparse's array: which of two events with the same stamp leaves first. */
  readonly index: number;
  complete: boolean;
  readonly node: string | null;
  readonly time: AuditTime;
  readonly serial: number;
  /** The serial exact: events are told apart and ordered by it. */
  readonly exact: ExactInteger;
  lastType: number | null;
  readonly records: R[];
  /** An event nobody reads: counted for completion and order, never handed on. */
  readonly skipped: boolean;
  /** The next building event with the same exact serial. */
  nextSameSerial: Slot<R> | null;
}

/** Events held at most: past it the lowest one still building is taken as complete (auparse has no bound). */
const MAX_EVENTS = 10_000;

/** auparse_timestamp_compare: seconds, millis, serial (not the node). */
function compare(a: Slot<unknown>, b: Slot<unknown>): number {
  if (a.time.sec !== b.time.sec) return a.time.sec > b.time.sec ? 1 : -1;
  if (a.time.ms !== b.time.ms) return a.time.ms > b.time.ms ? 1 : -1;
  if (a.exact !== b.exact) return a.exact > b.exact ? 1 : -1;
  return 0;
}

/** au_get_ready_event's choice: the lowest stamp, of equal ones the first slot. */
const lowestFirst = (a: Slot<unknown>, b: Slot<unknown>): number => compare(a, b) || a.index - b.index;

export class AuparseGrouper<R extends GroupableRecord> {
  /** auparse's array: each slot's event, null when empty. */
  private readonly slots: Array<Slot<R> | null> = [];
  private readonly emptySlots = new MinHeap<number>((a, b) => a - b);
  private readonly held = new MinHeap<Slot<R>>(lowestFirst);
  private readonly building = new Map<ExactInteger, Slot<R>>();
  /** The event last found or opened: the next record most often belongs to it. */
  private last: Slot<R> | null = null;
  /** No building event started before this second (a lower bound; null: none is building). */
  private oldestBuildingSec: number | null = null;
  private ready = 0;

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
    const slot = this.buildingWith(node, sec, ms, exactOf(serial));
    return slot === null ? opensKept : !slot.skipped;
  }

  /** A record of an event nobody reads (its header read as numbers: a serial past 2^53 is the nearest double). */
  skip(node: string | null, sec: number, ms: number, serial: number, typeNumber: number | null): void {
    this.add(node, { sec, ms }, serial, exactOf(serial), typeNumber, null);
  }

  /** The end of the input: every event complete, and handed on. */
  flush(): void {
    for (const slot of this.slots) if (slot !== null) this.markComplete(slot);
    this.oldestBuildingSec = null;
    this.drain();
  }

  private buildingWith(node: string | null, sec: number, ms: number, exact: ExactInteger): Slot<R> | null {
    const last = this.last;
    if (last !== null && !last.complete && last.exact === exact && last.time.ms === ms && last.time.sec === sec && last.node === node) return last;
    for (let slot = this.building.get(exact) ?? null; slot !== null; slot = slot.nextSameSerial) {
      if (slot.time.ms === ms && slot.time.sec === sec && slot.node === node) {
        this.last = slot;
        return slot;
      }
    }
    return null;
  }

  private add(node: string | null, time: AuditTime, serial: number, exact: ExactInteger, type: number | null, record: R | null): void {
    const joined = this.buildingWith(node, time.sec, time.ms, exact);
    if (joined !== null) {
      if (record !== null && !joined.skipped) joined.records.push(record);
      joined.lastType = type;
      this.checkEvents(joined, time.sec);
      return;
    }
    // A standalone EOE is eaten: its event was already complete.
    if (type === EOE) return;
    const slot = this.append(node, time, serial, exact, type, record);
    this.checkEvents(slot, time.sec);
    if (this.slots.length - this.emptySlots.size > MAX_EVENTS) this.completeLowestBuilding();
    this.drain();
  }

  private append(node: string | null, time: AuditTime, serial: number, exact: ExactInteger, type: number | null, record: R | null): Slot<R> {
    const index = this.emptySlots.size > 0 ? this.emptySlots.pop()! : this.slots.push(null) - 1;
    const slot: Slot<R> = { index, complete: false, node, time, serial, exact, lastType: type, records: record === null ? [] : [record], skipped: record === null, nextSameSerial: this.building.get(exact) ?? null };
    this.building.set(exact, slot);
    this.slots[index] = slot;
    this.held.push(slot);
    this.last = slot;
    if (this.oldestBuildingSec === null || time.sec < this.oldestBuildingSec) this.oldestBuildingSec = time.sec;
    return slot;
  }

  /** au_check_events after a record came to `changed`: every building event eoe_timeout old, and `changed` if its last record ends it. */
  private checkEvents(changed: Slot<R>, sec: number): void {
    if (endsEvent(changed.lastType)) this.markComplete(changed);
    // Seconds are doubles here, as the header read them: x + 2 rounds the same way in the scan and for the bound.
    if (this.oldestBuildingSec === null || !(this.oldestBuildingSec + EOE_TIMEOUT_SECONDS <= sec)) return;
    let oldest: number | null = null;
    for (const slot of this.slots) {
      if (slot === null || slot.complete) continue;
      if (slot.time.sec + EOE_TIMEOUT_SECONDS <= sec) this.markComplete(slot);
      else if (oldest === null || slot.time.sec < oldest) oldest = slot.time.sec;
    }
    this.oldestBuildingSec = oldest;
  }

  private markComplete(slot: Slot<R>): void {
    if (slot.complete) return;
    slot.complete = true;
    this.ready++;
    const head = this.building.get(slot.exact)!;
    if (head === slot) {
      if (slot.nextSameSerial === null) this.building.delete(slot.exact);
      else this.building.set(slot.exact, slot.nextSameSerial);
    } else {
      let before = head;
      while (before.nextSameSerial !== slot) before = before.nextSameSerial!;
      before.nextSameSerial = slot.nextSameSerial;
    }
    slot.nextSameSerial = null;
  }

  private completeLowestBuilding(): void {
    let lowest: Slot<R> | undefined;
    for (const slot of this.slots) {
      if (slot !== null && !slot.complete && (lowest === undefined || compare(lowest, slot) === 1)) lowest = slot;
    }
    if (lowest !== undefined) this.markComplete(lowest);
  }

  /** au_get_ready_event, again while it finds one. */
  private drain(): void {
    while (this.ready > 0) {
      const lowest = this.held.peek();
      if (lowest === undefined || !lowest.complete) return;
      this.held.pop();
      this.slots[lowest.index] = null;
      this.emptySlots.push(lowest.index);
      this.ready--;
      if (!lowest.skipped) this.deliver({ node: lowest.node, time: lowest.time, serial: lowest.serial, records: lowest.records });
    }
  }
}
