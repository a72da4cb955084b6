// auvirt keeps every event for its report. Here they live in fixed-size rows of pages with strings stored
// once and referred to by number: no object per event for the garbage collector to copy and promote,
// and pages past the first few in a temporary file.

import { grown } from '../../src/model/typed-columns.js';
import { PageSpool } from './page-spool.js';
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

/** Where and how the table's rows are paged. */
export interface SpoolOptions {
  /** Where the rows beyond the cached pages go: `$TMPDIR`, else /tmp. */
  readonly directory?: string;
  /** Rows of a page, as a power of two: 13 (8,192 rows, 1 MiB) unless told. */
  readonly pageRowsShift?: number;
  /** Pages kept in memory: 16 unless told (the table's first 16 MiB never go to disk). */
  readonly cachedPages?: number;
}

// Doubles of a row.
const START_AT = 0;
const END_AT = 1;
const PID_AT = 2;
const PROOF_AT = 3;
const F64_PER_ROW = ROW_BYTES / 8;
// Ints of a row, after its doubles.
const UUID_AT = 16;
const NAME_AT = 17;
const USER_AT = 18;
const TEXT_AT = 19;
/** kind | success << 8 | proof count << 16 */
const FLAGS_AT = 31;
const I32_PER_ROW = ROW_BYTES / 4;

/**
 * Every event of the report, in list order, each a fixed-size row in pages of a PageSpool: the pages
 * most recently used in memory, the others in a temporary file. auvirt 3.0.9 prints once the input ends,
 * and a row can change until then (a stop closes every open resource of its guest's session), so all of
 * them are kept; this way memory stays flat whatever the input's size (docs/bounded-memory.md).
 */
export class CompatEventTable implements Iterable<CompatEvent> {
  readonly strings = new StringTable();
  length = 0;
  private readonly spool: PageSpool;
  private readonly shift: number;
  private readonly mask: number;
  private pageId = -1;
  private pageEvictions = -1;
  private pageWritable = false;
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);

  constructor(options: SpoolOptions = {}) {
    this.shift = options.pageRowsShift ?? 13;
    this.mask = (1 << this.shift) - 1;
    this.spool = new PageSpool(ROW_BYTES << this.shift, options.cachedPages ?? 16, options.directory);
  }

  /** Bytes of rows written to the temporary file so far (0 while the table fits the cached pages). */
  get spooledBytes(): number {
    return this.spool.spooledBytes;
  }

  /** Appends an event (end 0, no proof, no texts) and returns its index. */
  add(event: NewEvent): number {
    const index = this.length;
    if ((index & this.mask) === 0) this.spool.allocate();
    this.length++;
    const row = this.row(index, true);
    const f64 = this.f64;
    const i32 = this.i32;
    const doubles = row * F64_PER_ROW;
    const ints = row * I32_PER_ROW;
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
    const row = this.row(index, false);
    return this.i32[row * I32_PER_ROW + FLAGS_AT]! & 0xff;
  }

  success(index: number): boolean {
    const row = this.row(index, false);
    return (this.i32[row * I32_PER_ROW + FLAGS_AT]! & (1 << 8)) !== 0;
  }

  uuid(index: number): number {
    const row = this.row(index, false);
    return this.i32[row * I32_PER_ROW + UUID_AT]!;
  }

  name(index: number): number {
    const row = this.row(index, false);
    return this.i32[row * I32_PER_ROW + NAME_AT]!;
  }

  user(index: number): number {
    const row = this.row(index, false);
    return this.i32[row * I32_PER_ROW + USER_AT]!;
  }

  start(index: number): number {
    const row = this.row(index, false);
    return this.f64[row * F64_PER_ROW + START_AT]!;
  }

  end(index: number): number {
    const row = this.row(index, false);
    return this.f64[row * F64_PER_ROW + END_AT]!;
  }

  setEnd(index: number, seconds: number): void {
    const row = this.row(index, true);
    this.f64[row * F64_PER_ROW + END_AT] = seconds;
  }

  pid(index: number): number {
    const row = this.row(index, false);
    return this.f64[row * F64_PER_ROW + PID_AT]!;
  }

  /** Adds a serial to the event's proof, up to MAX_PROOF of them. */
  addProof(index: number, serial: number): void {
    const row = this.row(index, true);
    const flags = this.i32[row * I32_PER_ROW + FLAGS_AT]!;
    const count = flags >>> 16;
    if (count >= MAX_PROOF) return;
    this.f64[row * F64_PER_ROW + PROOF_AT + count] = serial;
    this.i32[row * I32_PER_ROW + FLAGS_AT] = (flags & 0xffff) | ((count + 1) << 16);
  }

  proofCount(index: number): number {
    const row = this.row(index, false);
    return this.i32[row * I32_PER_ROW + FLAGS_AT]! >>> 16;
  }

  proof(index: number, at: number): number {
    const row = this.row(index, false);
    return this.f64[row * F64_PER_ROW + PROOF_AT + at]!;
  }

  setText(index: number, column: TextColumn, id: number): void {
    const row = this.row(index, true);
    this.i32[row * I32_PER_ROW + TEXT_AT + SLOT[column]] = id + 1;
  }

  textId(index: number, column: TextColumn): number {
    const row = this.row(index, false);
    return this.i32[row * I32_PER_ROW + TEXT_AT + SLOT[column]]! - 1;
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
    this.spool.close();
  }

  /**
   * The row of `index` in its page, whose views `f64` and `i32` are made current: call it before naming
   * them (`this.f64[this.row(…)]` would read the view of the page current before).
   */
  private row(index: number, forWrite: boolean): number {
    const id = index >>> this.shift;
    if (id !== this.pageId || this.spool.evictions !== this.pageEvictions || (forWrite && !this.pageWritable)) {
      if (index < 0 || index >= this.length) throw new RangeError(`no event ${index} (${this.length} events)`);
      const buffer = this.spool.page(id, forWrite);
      this.f64 = new Float64Array(buffer);
      this.i32 = new Int32Array(buffer);
      this.pageId = id;
      this.pageEvictions = this.spool.evictions;
      this.pageWritable = forWrite;
    }
    return index & this.mask;
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

  /** Leaves `index` alone in the list. */
  restart(index: number): void {
    if (this.items.length > 16) this.items = new Int32Array(16);
    this.items[0] = index;
    this.length = 1;
  }
}
