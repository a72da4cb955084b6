// Resource assignments and report rows in fixed-size rows of pages (paged-rows.ts), strings stored once:
// a 1 M-line log has hundreds of thousands of them; as objects they were most of what the garbage
// collector copied, and in columns in memory the assignments of a guest that never stops grew without end.
import { NO_STRING, StringTable } from '../../src/text/string-table.js';
import { PagedRows, type PagingOptions } from './paged-rows.js';
import type { ProofId, ResourceAssignment } from './session-model.js';

export type { PagingOptions };

export type EndedBy = ResourceAssignment['endedBy'];
const ENDED_BY: readonly EndedBy[] = [null, 'update', 'detach', 'stop', 'failed-start', 'down', 'restarted'];
const ENDED_BY_CODE = new Map(ENDED_BY.map((how, code) => [how, code]));

export interface NewAssignment extends Pick<ResourceAssignment, 'kind' | 'reason' | 'value' | 'previous' | 'success' | 'user' | 'start'> {
  /** Closed by its own record (a detach): its end is its start. */
  readonly closedAtCreation: boolean;
  /** Name, value, name, value … */
  readonly details: ReadonlyArray<string | null>;
}

/** StringTable.recentId slots: one per text column, one per position of a detail, one for nodes. */
const SLOT = { kind: 0, reason: 1, value: 2, previous: 3, user: 4, firstDetail: 5, details: 16, node: 21 } as const;

/** An assignment is a row of 96 bytes: 5 doubles, then ints from the 10th. */
const ROW_BYTES = 96;
const INTS_PER_ROW = ROW_BYTES / 4;
// Doubles (indexes in f64 from the row's start there).
const START_SEC = 0;
const START_SERIAL = 1;
const END_SEC = 2;
const END_SERIAL = 3;
/** Where its details start in the details' rows (a double: their count grows with the input). */
const DETAILS_AT = 4;
// Ints (indexes in i32 from the row's start).
const KIND = 11;
const REASON = 12;
const VALUE = 13;
const PREVIOUS = 14;
const USER = 15;
/** success | closed at creation << 1 | has an end << 2 | ended-by code << 8 */
const FLAGS = 16;
const START_NODE = 17;
const END_NODE = 18;
const START_MS = 19;
const END_MS = 20;
const DETAILS_COUNT = 21;
const SUCCESS = 1;
const CLOSED_AT_CREATION = 2;
const HAS_END = 4;

/** 8,192 assignments a page (768 KiB), 16 pages in memory. */
const ASSIGNMENT_PAGES = { pageRowsShift: 13, cachedPages: 16 };
/** The details' string numbers, 2^18 a page (1 MiB), 4 pages in memory. */
const DETAIL_PAGES = { pageRowsShift: 18, cachedPages: 4 };

const uint16 = new Uint16Array(1);
/** A proof's milliseconds as the Uint16Array column that held them stored them (the output stays the same). */
function asUint16(value: number): number {
  uint16[0] = value;
  return uint16[0]!;
}

/** Proof stamps of one side of an assignment (its start or its end), as row positions. */
interface ProofSide {
  readonly sec: number;
  readonly serial: number;
  readonly node: number;
  readonly ms: number;
  /** The exact stamps (`ProofId.exactStamp`) of proofs past 2^53 (a double does not hold them), by row. */
  readonly exactStamps: Map<number, string>;
}

/**
 * The assignments, each a row of pages: the most recently used pages in memory, the others in a
 * temporary file (made only once more than the cached pages are needed). Read and written by index as
 * columns would be, so nothing read depends on where a row is.
 */
export class AssignmentTable {
  readonly strings: StringTable;
  private readonly rows: PagedRows;
  /** The details' string numbers, name, value, name, value …, one int a row. */
  private readonly details: PagedRows;
  private readonly starts: ProofSide = { sec: START_SEC, serial: START_SERIAL, node: START_NODE, ms: START_MS, exactStamps: new Map() };
  private readonly ends: ProofSide = { sec: END_SEC, serial: END_SERIAL, node: END_NODE, ms: END_MS, exactStamps: new Map() };

  constructor(strings: StringTable, paging: PagingOptions = {}) {
    this.strings = strings;
    this.rows = new PagedRows(ROW_BYTES, ASSIGNMENT_PAGES, paging);
    // A detail is an int: a page of them as many bytes as a page of assignments at most.
    this.details = new PagedRows(4, DETAIL_PAGES, paging.pageRowsShift === undefined ? paging : { ...paging, pageRowsShift: paging.pageRowsShift + 2 });
  }

  get length(): number {
    return this.rows.length;
  }

  /** Bytes put out to temporary files so far. */
  get spooledBytes(): number {
    return this.rows.spooledBytes + this.details.spooledBytes;
  }

  /** Closes the temporary files (they are gone then); the table is not to be used after. */
  close(): void {
    this.rows.close();
    this.details.close();
  }

  add(assignment: NewAssignment): number {
    const strings = this.strings;
    const kind = strings.recentId(SLOT.kind, assignment.kind);
    const reason = strings.recentId(SLOT.reason, assignment.reason);
    const value = strings.recentId(SLOT.value, assignment.value);
    const previous = strings.recentId(SLOT.previous, assignment.previous);
    const user = strings.recentId(SLOT.user, assignment.user);
    const details = assignment.details;
    const detailsAt = this.details.length;
    for (let at = 0; at < details.length; at++) this.pushDetail(strings.recentId(SLOT.firstDetail + (at % SLOT.details), details[at]));
    const index = this.rows.append();
    const row = this.rows.at(index, true);
    const i32 = this.rows.i32;
    i32[row + KIND] = kind;
    i32[row + REASON] = reason;
    i32[row + VALUE] = value;
    i32[row + PREVIOUS] = previous;
    i32[row + USER] = user;
    i32[row + FLAGS] = (assignment.success ? SUCCESS : 0) | (assignment.closedAtCreation ? CLOSED_AT_CREATION : 0);
    i32[row + DETAILS_COUNT] = details.length / 2;
    this.rows.f64[(row >> 1) + DETAILS_AT] = detailsAt;
    this.setProof(this.starts, index, assignment.start);
    if (assignment.closedAtCreation) this.end(index, assignment.start, 'detach');
    return index;
  }

  kindId(index: number): number {
    return this.int(index, KIND);
  }

  reasonId(index: number): number {
    return this.int(index, REASON);
  }

  valueId(index: number): number {
    return this.int(index, VALUE);
  }

  previousId(index: number): number {
    return this.int(index, PREVIOUS);
  }

  kind(index: number): string {
    return this.strings.text(this.kindId(index))!;
  }

  reason(index: number): string {
    return this.strings.text(this.reasonId(index))!;
  }

  value(index: number): string {
    return this.strings.text(this.valueId(index))!;
  }

  user(index: number): string | null {
    return this.strings.text(this.int(index, USER));
  }

  success(index: number): boolean {
    return (this.int(index, FLAGS) & SUCCESS) !== 0;
  }

  isOpen(index: number): boolean {
    return (this.int(index, FLAGS) & HAS_END) === 0;
  }

  endedByOf(index: number): EndedBy {
    return ENDED_BY[this.int(index, FLAGS) >>> 8]!;
  }

  startSec(index: number): number {
    const row = this.rows.at(index, false);
    return this.rows.f64[(row >> 1) + START_SEC]!;
  }

  /** Seconds of the end, or null while open. */
  endSec(index: number): number | null {
    const row = this.rows.at(index, false);
    return (this.rows.i32[row + FLAGS]! & HAS_END) === 0 ? null : this.rows.f64[(row >> 1) + END_SEC]!;
  }

  end(index: number, proof: ProofId, how: EndedBy): void {
    this.setProof(this.ends, index, proof);
    const row = this.rows.at(index, true);
    const i32 = this.rows.i32;
    i32[row + FLAGS] = (i32[row + FLAGS]! & (SUCCESS | CLOSED_AT_CREATION)) | HAS_END | (ENDED_BY_CODE.get(how)! << 8);
  }

  /** The value of detail `name`, or null. */
  detail(index: number, name: string): string | null {
    const nameId = this.strings.find(name);
    const row = this.rows.at(index, false);
    const at = this.rows.f64[(row >> 1) + DETAILS_AT]!;
    const count = this.rows.i32[row + DETAILS_COUNT]!;
    for (let pair = 0; pair < count; pair++) {
      if (this.detailAt(at + pair * 2) === nameId) return this.strings.text(this.detailAt(at + pair * 2 + 1));
    }
    return null;
  }

  /** The record's proof, then the proof of what ended it when that was another record. */
  proofs(index: number): ProofId[] {
    const proofs = [this.proofAt(this.starts, index)];
    const flags = this.int(index, FLAGS);
    if ((flags & HAS_END) !== 0 && (flags & CLOSED_AT_CREATION) === 0) proofs.push(this.proofAt(this.ends, index));
    return proofs;
  }

  /** The assignment as an object (for JSON and tests). */
  assignment(index: number): ResourceAssignment {
    const strings = this.strings;
    const row = this.rows.at(index, false);
    const at = this.rows.f64[(row >> 1) + DETAILS_AT]!;
    const count = this.rows.i32[row + DETAILS_COUNT]!;
    const flags = this.rows.i32[row + FLAGS]!;
    const details: Record<string, string | null> = {};
    for (let pair = 0; pair < count; pair++) {
      Object.defineProperty(details, strings.text(this.detailAt(at + pair * 2))!, { value: strings.text(this.detailAt(at + pair * 2 + 1)), enumerable: true, writable: true, configurable: true });
    }
    const start = this.proofAt(this.starts, index);
    const end = (flags & HAS_END) === 0 ? null : (flags & CLOSED_AT_CREATION) !== 0 ? start : this.proofAt(this.ends, index);
    return {
      kind: this.kind(index), reason: this.reason(index), value: this.value(index), previous: strings.text(this.previousId(index)),
      success: this.success(index), user: this.user(index), start, end, endedBy: this.endedByOf(index), details,
      proofs: end === null || end === start ? [start] : [start, end],
    };
  }

  /** Appends a copy of assignment `index` of `source` (a table over the same strings); returns its number here. */
  copyFrom(source: AssignmentTable, index: number): number {
    const from = source.rows;
    let row = from.at(index, false);
    // Copied as ints: a pair of them read as a double could be a NaN, whose bits a copy need not keep.
    const ints = from.i32.slice(row, row + INTS_PER_ROW);
    const count = from.i32[row + DETAILS_COUNT]!;
    const sourceAt = from.f64[(row >> 1) + DETAILS_AT]!;
    const detailsAt = this.details.length;
    for (let offset = 0; offset < count * 2; offset++) this.pushDetail(source.detailAt(sourceAt + offset));
    const to = this.rows.append();
    row = this.rows.at(to, true);
    this.rows.i32.set(ints, row);
    this.rows.f64[(row >> 1) + DETAILS_AT] = detailsAt;
    for (const [into, fromSide] of [[this.starts, source.starts], [this.ends, source.ends]] as const) {
      const exact = fromSide.exactStamps.get(index);
      if (exact !== undefined) into.exactStamps.set(to, exact);
    }
    return to;
  }

  private int(index: number, at: number): number {
    const row = this.rows.at(index, false);
    return this.rows.i32[row + at]!;
  }

  private pushDetail(id: number): void {
    const at = this.details.append();
    const slot = this.details.at(at, true);
    this.details.i32[slot] = id;
  }

  private detailAt(at: number): number {
    const slot = this.details.at(at, false);
    return this.details.i32[slot]!;
  }

  private setProof(side: ProofSide, index: number, proof: ProofId): void {
    const node = proof.node === null ? NO_STRING : this.strings.recentId(SLOT.node, proof.node);
    const row = this.rows.at(index, true);
    const f64 = this.rows.f64;
    const i32 = this.rows.i32;
    i32[row + side.node] = node;
    f64[(row >> 1) + side.sec] = proof.sec;
    i32[row + side.ms] = asUint16(proof.ms);
    f64[(row >> 1) + side.serial] = proof.serial;
    if (proof.exactStamp === undefined) side.exactStamps.delete(index);
    else side.exactStamps.set(index, proof.exactStamp);
  }

  private proofAt(side: ProofSide, index: number): ProofId {
    const row = this.rows.at(index, false);
    const f64 = this.rows.f64;
    const i32 = this.rows.i32;
    const exactStamp = side.exactStamps.get(index);
    return { node: this.strings.text(i32[row + side.node]!), sec: f64[(row >> 1) + side.sec]!, ms: i32[row + side.ms]!, serial: f64[(row >> 1) + side.serial]!, ...(exactStamp === undefined ? {} : { exactStamp }) };
  }
}

export const ROW_KINDS = ['start', 'stop', 'resrc', 'avc', 'anom', 'down'] as const;
export type RowKind = (typeof ROW_KINDS)[number];
export const ROW_START = 0;
export const ROW_STOP = 1;
export const ROW_RESRC = 2;
export const ROW_AVC = 3;
export const ROW_ANOM = 4;
export const ROW_DOWN = 5;

/** A row of the report is 3 ints: kind, session, item. 2^16 rows a page (768 KiB), 4 pages in memory. */
const ROW_PAGES = { pageRowsShift: 16, cachedPages: 4 };

/**
 * The report's rows in the order the log told them: kind, session number, and the number of the item.
 * Paged as the assignments are: a row waits here until everything before it is settled and written.
 */
export class RowTable {
  private readonly rows: PagedRows;

  constructor(paging: PagingOptions = {}) {
    this.rows = new PagedRows(12, ROW_PAGES, paging);
  }

  get length(): number {
    return this.rows.length;
  }

  add(kind: number, session: number, item: number): void {
    const rows = this.rows;
    const row = rows.at(rows.append(), true);
    rows.i32[row] = kind;
    rows.i32[row + 1] = session;
    rows.i32[row + 2] = item;
  }

  kind(row: number): number {
    const at = this.rows.at(row, false);
    return this.rows.i32[at]!;
  }

  session(row: number): number {
    const at = this.rows.at(row, false);
    return this.rows.i32[at + 1]!;
  }

  item(row: number): number {
    const at = this.rows.at(row, false);
    return this.rows.i32[at + 2]!;
  }

  /** Bytes put out to the temporary file so far. */
  get spooledBytes(): number {
    return this.rows.spooledBytes;
  }

  /** Closes the temporary file (it is gone then); the table is not to be used after. */
  close(): void {
    this.rows.close();
  }
}
