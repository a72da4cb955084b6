// How libauparse 3.0.9 (auparse.c au_auparse_next_event, and so auvirt) groups records into events and
// hands them on, followed exactly for auvirt --compat: an event is complete when the record last added
// to it stands alone by its type (PROCTITLE, EOE, below 1300, 2000, 2100 and above, the NetLabel range)
// or once a record comes eoe_timeout whole seconds after its first — both checked over every event
// being built each time a record is added; and events are handed on, the lowest stamp first while that
// one is complete, only after a record opens a new event (or at the end), so a record joining an event
// never lets one out by itself. Its slots are reused first-empty-first, which decides ties.
import type { AuditTime } from '../model/audit-record.js';
import { EOE } from '../tables/record-types.js';
import type { GroupableRecord, GroupedEvent } from './event-grouper.js';
import { extractTimestamp, standsAlone } from './ausearch-lol.js';
import { ScannedLine } from './scanned-line.js';

/** A serial as a bigint; one no double holds (hundreds of digits) past every unsigned long. */
const bigSerial = (serial: number): bigint => (Number.isFinite(serial) ? BigInt(Math.trunc(serial)) : 1n << 64n);

/** A record's serial, exact: past 2^53 read again from its stamp (a double there stands for several). */
function exactSerial(record: GroupableRecord, serial: number): bigint {
  if (Number.isSafeInteger(serial)) return BigInt(serial);
  const text = record instanceof ScannedLine ? record.bytes.toString('latin1', record.start, record.start + record.bodyStart) : 'text' in record && typeof record.text === 'string' ? record.text : null;
  const found = text === null ? null : extractTimestamp(text, { auparse: true });
  return found?.kind === 'stamp' ? found.stamp.serial : bigSerial(serial);
}

const EOE_TIMEOUT_SECONDS = 2;

/** au_check_events: the last record's type says the event is whole. */
function endsEvent(type: number | null): boolean {
  const value = type ?? -1;
  return value === EOE || standsAlone(value);
}

const EMPTY = 0;
const BUILDING = 1;
const COMPLETE = 2;

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

export class AuparseGrouper<R extends GroupableRecord> {
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
