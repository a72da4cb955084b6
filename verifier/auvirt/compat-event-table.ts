// auvirt keeps every event for its report. Here they live in fixed-size rows of pages with strings stored
// once and referred to by number: no object per event for the garbage collector to copy and promote,
// and pages past the first few in a temporary file.

import { PagedRows, type PagingOptions } from '../correlator/paged-rows.js';
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

/** A row is 128 bytes: 16 doubles, then 32 ints. */
const ROW_BYTES = 128;

/** Where and how the table's rows are paged: pages of 8,192 rows (1 MiB) and 16 of them in memory unless told. */
export type SpoolOptions = PagingOptions;

// Doubles of a row.
const START_AT = 0;
const END_AT = 1;
const PID_AT = 2;
const PROOF_AT = 3;
// Ints of a row, after its doubles.
const UUID_AT = 16;
const NAME_AT = 17;
const USER_AT = 18;
const TEXT_AT = 19;
/** kind | success << 8 | proof count << 16 */
const FLAGS_AT = 31;

/**
 * Every event of the report, in list order, each a fixed-size row in pages of a PageSpool: the pages
 * most recently used in memory, the others in a temporary file. auvirt 3.0.9 prints once the input ends,
 * and a row can change until then (a stop closes every open resource of its guest's session), so all of
 * them are kept; this way memory stays flat whatever the input's size (docs/bounded-memory.md).
 */
export class CompatEventTable implements Iterable<CompatEvent> {
  readonly strings = new StringTable();
  private readonly rows: PagedRows;

  constructor(options: SpoolOptions = {}) {
    this.rows = new PagedRows(ROW_BYTES, { pageRowsShift: 13, cachedPages: 16 }, options);
  }

  get length(): number {
    return this.rows.length;
  }

  /** Bytes of rows written to the temporary file so far (0 while the table fits the cached pages). */
  get spooledBytes(): number {
    return this.rows.spooledBytes;
  }

  /** Appends an event (end 0, no proof, no texts) and returns its index. */
  add(event: NewEvent): number {
    const index = this.rows.append();
    const ints = this.rows.at(index, true);
    const { f64, i32 } = this.rows;
    const doubles = ints >> 1;
    f64[doubles + START_AT] = event.start;
    f64[doubles + END_AT] = 0;
    f64[doubles + PID_AT] = event.pid;
    i32[ints + UUID_AT] = event.uuid;
    i32[ints + NAME_AT] = event.name;
    i32[ints + USER_AT] = event.user;
    i32[ints + FLAGS_AT] = event.kind | (event.success ? 1 << 8 : 0);
    return index;
  }

  kind(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.i32[ints + FLAGS_AT]! & 0xff;
  }

  success(index: number): boolean {
    const ints = this.rows.at(index, false);
    return (this.rows.i32[ints + FLAGS_AT]! & (1 << 8)) !== 0;
  }

  uuid(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.i32[ints + UUID_AT]!;
  }

  name(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.i32[ints + NAME_AT]!;
  }

  user(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.i32[ints + USER_AT]!;
  }

  start(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.f64[(ints >> 1) + START_AT]!;
  }

  end(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.f64[(ints >> 1) + END_AT]!;
  }

  setEnd(index: number, seconds: number): void {
    const ints = this.rows.at(index, true);
    this.rows.f64[(ints >> 1) + END_AT] = seconds;
  }

  pid(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.f64[(ints >> 1) + PID_AT]!;
  }

  /** Adds a serial to the event's proof, up to MAX_PROOF of them. */
  addProof(index: number, serial: number): void {
    const ints = this.rows.at(index, true);
    const flags = this.rows.i32[ints + FLAGS_AT]!;
    const count = flags >>> 16;
    if (count >= MAX_PROOF) return;
    this.rows.f64[(ints >> 1) + PROOF_AT + count] = serial;
    this.rows.i32[ints + FLAGS_AT] = (flags & 0xffff) | ((count + 1) << 16);
  }

  proofCount(index: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.i32[ints + FLAGS_AT]! >>> 16;
  }

  proof(index: number, at: number): number {
    const ints = this.rows.at(index, false);
    return this.rows.f64[(ints >> 1) + PROOF_AT + at]!;
  }

  setText(index: number, column: TextColumn, id: number): void {
    const ints = this.rows.at(index, true);
    this.rows.i32[ints + TEXT_AT + SLOT[column]] = id + 1;
  }

  textId(index: number, column: TextColumn): number {
    const ints = this.rows.at(index, false);
    return this.rows.i32[ints + TEXT_AT + SLOT[column]]! - 1;
  }

  /** The event as the report reads it. */
  event(index: number): CompatEvent {
    const strings = this.strings;
    const kind = this.kind(index);
    const proof: number[] = [];
    for (let at = 0; at < this.proofCount(index); at++) proof.push(this.proof(index, at));
    const base = {
      kind: KINDS[kind]!, uuid: strings.text(this.uuid(index)), name: strings.text(this.name(index)), success: this.success(index),
      user: strings.text(this.user(index)), start: this.start(index), end: this.end(index), proof,
    };
    const text = (column: TextColumn): string | null => strings.text(this.textId(index, column));
    switch (kind) {
      case START:
      case STOP:
        return { ...base, pid: this.pid(index) };
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

  /** Closes the temporary file (it is gone then); the table cannot be read after. */
  close(): void {
    this.rows.close();
  }
}
