import type { AuditRecord, AuditTime } from '../model/audit-record.js';
import { exactSerial } from '../libvirt/json-form.js';
import { MinHeap } from './min-heap.js';
import { EOE, PROCTITLE, isSingleRecordType } from '../tables/record-types.js';

/** What grouping reads of a record: its stamp and type. */
export interface GroupableRecord {
  readonly node: string | null;
  readonly time: AuditTime | null;
  readonly serial: number | null;
  readonly typeNumber: number | null;
  /** The record's line: where the serial's digits are read again when `serial` is past 2^53 (not exact). */
  readonly text?: string;
}

/** A serial as grouping tells events apart: the number while it is exact, past 2^53 its decimal digits. */
type SerialKey = number | string;

const serialKeyOf = (record: GroupableRecord, serial: number): SerialKey =>
  Number.isSafeInteger(serial) || record.text === undefined ? serial : (exactSerial({ serial, text: record.text }) ?? serial);

function compareSerialKeys(a: SerialKey, b: SerialKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An audit event: the records of one node sharing a time stamp and serial. */
export interface GroupedEvent<R> {
  /** The records' `node=` name, or null. */
  readonly node: string | null;
  /** The event's time stamp; null for a record read without one (journald), which is an event of its own. */
  readonly time: AuditTime | null;
  /** The event's serial; null as for time. */
  readonly serial: number | null;
  /** Its records, in log order. */
  readonly records: readonly R[];
}

/** An audit event of parsed records. */
export type AuditEvent = GroupedEvent<AuditRecord>;

/** How records are grouped into events. */
export interface GroupingOptions {
  /** Stream time after which an event without EOE/PROCTITLE is taken as complete (auparse: 2 s). */
  readonly eoeTimeoutMs?: number;
  /** Open events kept at most; the oldest is completed beyond it, so memory stays bounded. */
  readonly maxOpenEvents?: number;
  /**
   * stamp order: complete events kept at most behind an incomplete one; beyond it, the oldest open event is
   * completed so they can leave (default: no bound, as auparse). A live reader under a steady stream sets it:
   * an event that waits for its end (a kernel record with no EOE) would otherwise hold every later one.
   */
  readonly maxPendingEvents?: number;
  /**
   * `completion` (default): events leave as soon as they are complete. `stamp`: as libauparse 3.x
   * delivers them (au_get_ready_event): the lowest pending event by time and serial leaves only once it
   * is complete, so a later complete event waits behind an earlier incomplete one.
   */
  readonly order?: 'completion' | 'stamp';
}

interface OpenEvent<R> {
  readonly node: string | null;
  readonly time: AuditTime;
  readonly serial: number;
  readonly key: SerialKey;
  readonly records: R[];
  /** Arrival rank: events with the same stamp (several nodes) leave in the order they came. */
  readonly rank: number;
  complete?: boolean;
  /** Passed over (see `skip`): tracked for completion and order, never delivered. */
  skipped?: boolean;
  /** Left the open set (completed). */
  closed?: boolean;
  /** Another open event with the same serial (several nodes, or a serial reused after a reboot). */
  sameSerial?: OpenEvent<R> | undefined;
}

const byStamp = <R>(a: OpenEvent<R>, b: OpenEvent<R>): number =>
  a.time.sec - b.time.sec || a.time.ms - b.time.ms || compareSerialKeys(a.key, b.key) || a.rank - b.rank;

const millis = (time: AuditTime): number => time.sec * 1000 + time.ms;

/** The records of every passed-over event: none, and none are ever added (see `add`). */
const NO_RECORDS: readonly never[] = Object.freeze([]);

/**
 * Groups records into events by (node, seconds, milliseconds, serial), as auparse does. Records of an
 * event may be interleaved with others; state carries across files when one grouper reads them all.
 */
export class EventGrouper<R extends GroupableRecord = AuditRecord> {
  /** Open events by serial; events sharing a serial are chained. */
  private readonly openBySerial = new Map<SerialKey, OpenEvent<R>>();
  /** Open events in the order they opened (closed ones are dropped lazily from the front). */
  private openOrder: OpenEvent<R>[] = [];
  private openHead = 0;
  private openCount = 0;
  private arrivals = 0;
  private readonly eoeTimeoutMs: number;
  private readonly maxOpenEvents: number;
  private readonly maxPendingEvents: number;
  private readonly inStampOrder: boolean;
  /** stamp order: every event not yet handed on, open or complete. */
  private readonly pending = new MinHeap<OpenEvent<R>>(byStamp);

  constructor(private readonly deliver: (event: GroupedEvent<R>) => void, options: GroupingOptions = {}) {
    this.eoeTimeoutMs = options.eoeTimeoutMs ?? 2000;
    this.maxOpenEvents = options.maxOpenEvents ?? 10_000;
    this.maxPendingEvents = options.maxPendingEvents ?? Number.POSITIVE_INFINITY;
    this.inStampOrder = options.order === 'stamp';
  }

  /** Events begun so far, passed-over ones included: once flushed, every one of them has completed. */
  get eventsBegun(): number {
    return this.arrivals;
  }

  private onEvent(event: GroupedEvent<R> | OpenEvent<R>): void {
    if (!this.inStampOrder || event.time === null || event.serial === null) {
      if (!(event as OpenEvent<R>).skipped) this.deliver(event);
      return;
    }
    (event as OpenEvent<R>).complete = true;
    this.release();
    while (this.pending.size > this.maxPendingEvents) {
      const oldest = this.oldestOpen();
      if (oldest === undefined) break;
      this.complete(oldest);
    }
  }

  /** stamp order: hands on the lowest pending events while they are complete. */
  private release(): void {
    for (let event = this.pending.peek(); event?.complete; event = this.pending.peek()) {
      this.pending.pop();
      if (!event.skipped) this.deliver(event);
    }
  }

  push(record: R): void {
    const { time, serial } = record;
    if (time === null || serial === null) {
      this.onEvent({ node: record.node, time, serial, records: [record], rank: this.arrivals++ });
      return;
    }
    this.add(record.node, time.sec, time.ms, time, serial, serialKeyOf(record, serial), record.typeNumber, record);
  }

  private find(node: string | null, sec: number, ms: number, key: SerialKey): OpenEvent<R> | undefined {
    for (let event = this.openBySerial.get(key); event !== undefined; event = event.sameSerial) {
      if (event.node === node && event.time.sec === sec && event.time.ms === ms) return event;
    }
    return undefined;
  }

  /**
   * Whether a record with this stamp belongs to an event being kept: the open event it joins was not
   * skipped, or, when it opens an event, `opensKept` (its type decides, as auparse's first record does).
   * `serial` must be exact (a safe integer): a header read from bytes whose serial is not is parsed instead.
   */
  keeps(node: string | null, sec: number, ms: number, serial: number, opensKept: boolean): boolean {
    const event = this.find(node, sec, ms, serial);
    return event === undefined ? opensKept : !event.skipped;
  }

  /** A record of an event nobody reads: it counts for the event's completion and order, nothing is kept. */
  skip(node: string | null, sec: number, ms: number, serial: number, typeNumber: number | null): void {
    this.add(node, sec, ms, null, serial, serial, typeNumber, null);
  }

  /** `time` is the record's own {sec, ms} when it has one; a passed-over record gets one only if it opens an event. */
  private add(node: string | null, sec: number, ms: number, time: AuditTime | null, serial: number, key: SerialKey, typeNumber: number | null, record: R | null): void {
    this.completeTimedOut(sec * 1000 + ms);
    const event = this.find(node, sec, ms, key);
    if (event === undefined && typeNumber !== null && isSingleRecordType(typeNumber)) {
      // A passed-over single-record event is complete at once: in completion order it leaves no trace.
      if (record === null && !this.inStampOrder) {
        this.arrivals++;
        return;
      }
      const single: OpenEvent<R> = { node, time: time ?? { sec, ms }, serial, key, records: record === null ? (NO_RECORDS as unknown as R[]) : [record], rank: this.arrivals++, skipped: record === null };
      if (this.inStampOrder) this.pending.push(single);
      this.onEvent(single);
      return;
    }
    let target = event;
    if (target === undefined) {
      target = { node, time: time ?? { sec, ms }, serial, key, records: record === null ? (NO_RECORDS as unknown as R[]) : [record], rank: this.arrivals++, skipped: record === null, sameSerial: this.openBySerial.get(key) };
      this.openBySerial.set(key, target);
      this.openOrder.push(target);
      this.openCount++;
      if (this.inStampOrder) this.pending.push(target);
      if (this.openCount > this.maxOpenEvents) this.completeOldest();
    } else if (record !== null && !target.skipped) {
      // A passed-over event is never handed on: what joins it is dropped with it.
      target.records.push(record);
    }
    if (typeNumber === EOE || typeNumber === PROCTITLE) this.complete(target);
  }

  /** Completes every open event (end of input). */
  flush(): void {
    for (let event = this.oldestOpen(); event !== undefined; event = this.oldestOpen()) this.complete(event);
  }

  private oldestOpen(): OpenEvent<R> | undefined {
    while (this.openHead < this.openOrder.length && this.openOrder[this.openHead]!.closed) this.openHead++;
    if (this.openHead > 4096 && this.openHead * 2 > this.openOrder.length) {
      this.openOrder = this.openOrder.slice(this.openHead);
      this.openHead = 0;
    }
    return this.openOrder[this.openHead];
  }

  private completeTimedOut(nowMs: number): void {
    for (let event = this.oldestOpen(); event !== undefined; event = this.oldestOpen()) {
      if (nowMs - millis(event.time) <= this.eoeTimeoutMs) break;
      this.complete(event);
    }
  }

  private completeOldest(): void {
    const oldest = this.oldestOpen();
    if (oldest !== undefined) this.complete(oldest);
  }

  private complete(event: OpenEvent<R>): void {
    if (event.closed) return;
    event.closed = true;
    this.openCount--;
    this.unlink(event);
    this.onEvent(event);
  }

  private unlink(event: OpenEvent<R>): void {
    const head = this.openBySerial.get(event.key);
    if (head === event) {
      if (event.sameSerial === undefined) this.openBySerial.delete(event.key);
      else this.openBySerial.set(event.key, event.sameSerial);
      return;
    }
    for (let previous = head; previous !== undefined; previous = previous.sameSerial) {
      if (previous.sameSerial === event) {
        previous.sameSerial = event.sameSerial;
        return;
      }
    }
  }
}
