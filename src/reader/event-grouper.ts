import type { AuditRecord, AuditTime } from '../model/audit-record.js';
import { EOE, PROCTITLE, isSingleRecordType } from '../tables/record-types.js';

export interface AuditEvent {
  readonly node: string | null;
  readonly time: AuditTime | null;
  readonly serial: number | null;
  readonly records: readonly AuditRecord[];
}

export interface GroupingOptions {
  /** Stream time after which an event without EOE/PROCTITLE is taken as complete (auparse: 2 s). */
  readonly eoeTimeoutMs?: number;
  /** Open events kept at most; the oldest is completed beyond it, so memory stays bounded. */
  readonly maxOpenEvents?: number;
  /**
   * `completion` (default): events leave as soon as they are complete. `stamp`: as libauparse 3.x
   * delivers them (au_get_ready_event): the lowest pending event by time and serial leaves only once it
   * is complete, so a later complete event waits behind an earlier incomplete one.
   */
  readonly order?: 'completion' | 'stamp';
}

interface OpenEvent {
  readonly node: string | null;
  readonly time: AuditTime;
  readonly serial: number;
  readonly records: AuditRecord[];
  complete?: boolean;
}

const byStamp = (a: OpenEvent, b: OpenEvent): number =>
  a.time.sec - b.time.sec || a.time.ms - b.time.ms || a.serial - b.serial;

const millis = (time: AuditTime): number => time.sec * 1000 + time.ms;

/**
 * Groups records into events by (node, seconds, milliseconds, serial), as auparse does. Records of an
 * event may be interleaved with others; state carries across files when one grouper reads them all.
 */
export class EventGrouper {
  private readonly open = new Map<string, OpenEvent>();
  private readonly eoeTimeoutMs: number;
  private readonly maxOpenEvents: number;
  private readonly inStampOrder: boolean;
  /** stamp order: every event not yet handed on, open or complete. */
  private readonly pending: OpenEvent[] = [];

  constructor(private readonly deliver: (event: AuditEvent) => void, options: GroupingOptions = {}) {
    this.eoeTimeoutMs = options.eoeTimeoutMs ?? 2000;
    this.maxOpenEvents = options.maxOpenEvents ?? 10_000;
    this.inStampOrder = options.order === 'stamp';
  }

  private onEvent(event: AuditEvent | OpenEvent): void {
    if (!this.inStampOrder || event.time === null || event.serial === null) {
      this.deliver(event);
      return;
    }
    (event as OpenEvent).complete = true;
    this.release();
  }

  /** stamp order: hands on the lowest pending events while they are complete. */
  private release(): void {
    while (this.pending.length > 0) {
      let lowest = 0;
      for (let index = 1; index < this.pending.length; index++) if (byStamp(this.pending[index]!, this.pending[lowest]!) < 0) lowest = index;
      const event = this.pending[lowest]!;
      if (!event.complete) return;
      this.pending.splice(lowest, 1);
      this.deliver(event);
    }
  }

  push(record: AuditRecord): void {
    const { time, serial, typeNumber } = record;
    if (time === null || serial === null) {
      this.onEvent({ node: record.node, time, serial, records: [record] });
      return;
    }
    this.completeTimedOut(millis(time));
    const key = `${record.node ?? ''}\u0000${time.sec}.${time.ms}:${serial}`;
    const event = this.open.get(key);
    if (event === undefined && typeNumber !== null && isSingleRecordType(typeNumber)) {
      const single: OpenEvent = { node: record.node, time, serial, records: [record] };
      if (this.inStampOrder) this.pending.push(single);
      this.onEvent(single);
      return;
    }
    if (event === undefined) {
      const opened: OpenEvent = { node: record.node, time, serial, records: [record] };
      this.open.set(key, opened);
      if (this.inStampOrder) this.pending.push(opened);
      if (this.open.size > this.maxOpenEvents) this.completeOldest();
    } else {
      event.records.push(record);
    }
    if (typeNumber === EOE || typeNumber === PROCTITLE) this.complete(key);
  }

  /** Completes every open event (end of input). */
  flush(): void {
    for (const key of [...this.open.keys()]) this.complete(key);
  }

  private completeTimedOut(nowMs: number): void {
    for (const [key, event] of this.open) {
      if (nowMs - millis(event.time) <= this.eoeTimeoutMs) break;
      this.complete(key);
    }
  }

  private completeOldest(): void {
    const oldest = this.open.keys().next();
    if (!oldest.done) this.complete(oldest.value);
  }

  private complete(key: string): void {
    const event = this.open.get(key);
    if (event === undefined) return;
    this.open.delete(key);
    this.onEvent(event);
  }
}
