// auvirt keeps every event for its report. Here they live in typed-array columns with strings stored
// once and referred to by number: no object per event for the garbage collector to copy and promote,
// and memory of a few dozen bytes per event instead of a few hundred.

import { grown } from '../../src/model/typed-columns.js';
import { NO_STRING, StringTable } from '../../src/text/string-table.js';

export { NO_STRING };

export type CompatKind = 'start' | 'stop' | 'resrc' | 'avc' | 'anom' | 'machine-id';

/** One event as the report reads it (made on demand from the table). */
export interface CompatEvent {
  readonly kind: CompatKind;
  readonly uuid: string | null;
  readonly name: string | null;
  readonly success: boolean;
  readonly user: string | null;
  readonly start: number;
  readonly end: number;
  readonly proof: readonly number[];
  readonly pid?: number;
  readonly seclevel?: string | null;
  readonly resourceType?: string;
  readonly reason?: string | null;
  readonly value?: string | null;
  readonly cgroupClass?: string | null;
  readonly acl?: string | null;
  readonly detail?: string | null;
  readonly operation?: string | null;
  readonly result?: string | null;
  readonly comm?: string | null;
  readonly target?: string | null;
  readonly context?: string | null;
}

export const KINDS: readonly CompatKind[] = ['start', 'stop', 'resrc', 'avc', 'anom', 'machine-id'];
export const START = 0;
export const STOP = 1;
export const RESRC = 2;
export const AVC = 3;
export const ANOM = 4;
export const MACHINE_ID = 5;

export const MAX_PROOF = 4;

/** The per-kind text columns, by slot. */
export const TEXTS = ['seclevel', 'resourceType', 'reason', 'value', 'cgroupClass', 'acl', 'detail', 'operation', 'result', 'comm', 'target', 'context'] as const;
export type TextColumn = (typeof TEXTS)[number];
const SLOT = Object.fromEntries(TEXTS.map((name, index) => [name, index])) as Record<TextColumn, number>;

export interface NewEvent {
  readonly kind: number;
  readonly uuid: number;
  readonly name: number;
  readonly user: number;
  readonly success: boolean;
  readonly start: number;
  /** QEMU's pid for starts and stops; NaN for other events. */
  readonly pid: number;
}

export class CompatEventTable implements Iterable<CompatEvent> {
  readonly strings = new StringTable();
  length = 0;
  private capacity = 1 << 14;
  private kinds = new Uint8Array(this.capacity);
  private successes = new Uint8Array(this.capacity);
  private uuids = new Int32Array(this.capacity);
  private names = new Int32Array(this.capacity);
  private users = new Int32Array(this.capacity);
  private starts = new Float64Array(this.capacity);
  private ends = new Float64Array(this.capacity);
  private pids = new Float64Array(this.capacity);
  private proofCounts = new Uint8Array(this.capacity);
  private proofs = new Float64Array(this.capacity * MAX_PROOF);
  /** String numbers plus one: a new (zeroed) slot reads as NO_STRING, with nothing to fill per event. */
  private texts = new Int32Array(this.capacity * TEXTS.length);

  /** Appends an event (end 0, no proof, no texts) and returns its index. */
  add(event: NewEvent): number {
    if (this.length === this.capacity) this.grow();
    const index = this.length++;
    this.kinds[index] = event.kind;
    this.successes[index] = event.success ? 1 : 0;
    this.uuids[index] = event.uuid;
    this.names[index] = event.name;
    this.users[index] = event.user;
    this.starts[index] = event.start;
    this.ends[index] = 0;
    this.pids[index] = event.pid;
    this.proofCounts[index] = 0;
    return index;
  }

  kind(index: number): number {
    return this.kinds[index]!;
  }

  success(index: number): boolean {
    return this.successes[index] === 1;
  }

  uuid(index: number): number {
    return this.uuids[index]!;
  }

  name(index: number): number {
    return this.names[index]!;
  }

  user(index: number): number {
    return this.users[index]!;
  }

  start(index: number): number {
    return this.starts[index]!;
  }

  end(index: number): number {
    return this.ends[index]!;
  }

  setEnd(index: number, seconds: number): void {
    this.ends[index] = seconds;
  }

  pid(index: number): number {
    return this.pids[index]!;
  }

  /** Adds a serial to the event's proof, up to MAX_PROOF of them. */
  addProof(index: number, serial: number): void {
    const count = this.proofCounts[index]!;
    if (count >= MAX_PROOF) return;
    this.proofs[index * MAX_PROOF + count] = serial;
    this.proofCounts[index] = count + 1;
  }

  proofCount(index: number): number {
    return this.proofCounts[index]!;
  }

  proof(index: number, at: number): number {
    return this.proofs[index * MAX_PROOF + at]!;
  }

  setText(index: number, column: TextColumn, id: number): void {
    this.texts[index * TEXTS.length + SLOT[column]] = id + 1;
  }

  textId(index: number, column: TextColumn): number {
    return this.texts[index * TEXTS.length + SLOT[column]]! - 1;
  }

  /** The event as the report reads it. */
  event(index: number): CompatEvent {
    const strings = this.strings;
    const kind = this.kinds[index]!;
    const proof: number[] = [];
    for (let at = 0; at < this.proofCounts[index]!; at++) proof.push(this.proofs[index * MAX_PROOF + at]!);
    const base = {
      kind: KINDS[kind]!, uuid: strings.text(this.uuids[index]!), name: strings.text(this.names[index]!), success: this.successes[index] === 1,
      user: strings.text(this.users[index]!), start: this.starts[index]!, end: this.ends[index]!, proof,
    };
    const text = (column: TextColumn): string | null => strings.text(this.textId(index, column));
    switch (kind) {
      case START:
      case STOP:
        return { ...base, pid: this.pids[index]! };
      case MACHINE_ID:
        return { ...base, seclevel: text('seclevel') };
      case RESRC:
        return { ...base, resourceType: text('resourceType') ?? '', reason: text('reason'), value: text('value'), cgroupClass: text('cgroupClass'), acl: text('acl'), detail: text('detail') };
      case AVC:
        return { ...base, operation: text('operation'), result: text('result'), comm: text('comm'), target: text('target'), context: text('context') };
      default:
        return base;
    }
  }

  *[Symbol.iterator](): Iterator<CompatEvent> {
    for (let index = 0; index < this.length; index++) yield this.event(index);
  }

  private grow(): void {
    // Four times: every column is copied on growth, and memory the table has not written yet costs nothing.
    const capacity = this.capacity * 4;
    this.kinds = grown(this.kinds, capacity);
    this.successes = grown(this.successes, capacity);
    this.uuids = grown(this.uuids, capacity);
    this.names = grown(this.names, capacity);
    this.users = grown(this.users, capacity);
    this.starts = grown(this.starts, capacity);
    this.ends = grown(this.ends, capacity);
    this.pids = grown(this.pids, capacity);
    this.proofCounts = grown(this.proofCounts, capacity);
    this.proofs = grown(this.proofs, capacity * MAX_PROOF);
    this.texts = grown(this.texts, capacity * TEXTS.length);
    this.capacity = capacity;
  }
}

/** A growable list of event indexes. */
export class IndexList {
  private items = new Int32Array(16);
  length = 0;

  push(index: number): void {
    if (this.length === this.items.length) {
      this.items = grown(this.items, this.items.length * 2);
    }
    this.items[this.length++] = index;
  }

  at(position: number): number {
    return this.items[position]!;
  }
}
