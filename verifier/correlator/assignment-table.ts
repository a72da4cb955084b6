// Resource assignments and report rows in typed-array columns, strings stored once: a 1 M-line log has
// hundreds of thousands of them, and as objects they were most of what the garbage collector copied.
import { grown } from '../../src/model/typed-columns.js';
import { NO_STRING, StringTable } from '../../src/text/string-table.js';
import type { ProofId, ResourceAssignment } from './session-model.js';

export type EndedBy = ResourceAssignment['endedBy'];
const ENDED_BY: readonly EndedBy[] = [null, 'update', 'detach', 'stop', 'failed-start', 'down', 'restarted'];
const ENDED_BY_CODE = new Map(ENDED_BY.map((how, code) => [how, code]));

/** Where a fact comes from, as columns: node (string number), seconds, milliseconds, serial. */
export interface ProofColumns {
  node: Int32Array;
  sec: Float64Array;
  ms: Uint16Array;
  serial: Float64Array;
  /** The exact stamps (`ProofId.exactStamp`) of proofs past 2^53 (a double does not hold them), by row. */
  exactStamps: Map<number, string>;
}

function proofColumns(capacity: number): ProofColumns {
  return { node: new Int32Array(capacity), sec: new Float64Array(capacity), ms: new Uint16Array(capacity), serial: new Float64Array(capacity), exactStamps: new Map() };
}

function growProofs(columns: ProofColumns, capacity: number): ProofColumns {
  return { node: grown(columns.node, capacity), sec: grown(columns.sec, capacity), ms: grown(columns.ms, capacity), serial: grown(columns.serial, capacity), exactStamps: columns.exactStamps };
}

export interface NewAssignment extends Pick<ResourceAssignment, 'kind' | 'reason' | 'value' | 'previous' | 'success' | 'user' | 'start'> {
  /** Closed by its own record (a detach): its end is its start. */
  readonly closedAtCreation: boolean;
  /** Name, value, name, value … */
  readonly details: ReadonlyArray<string | null>;
}

/** StringTable.recentId slots: one per text column, one per position of a detail, one for nodes. */
const SLOT = { kind: 0, reason: 1, value: 2, previous: 3, user: 4, firstDetail: 5, details: 16, node: 21 } as const;

export class AssignmentTable {
  readonly strings: StringTable;
  length = 0;
  private capacity = 1 << 12;
  private sessions = new Int32Array(this.capacity);
  private kinds = new Int32Array(this.capacity);
  private reasons = new Int32Array(this.capacity);
  private values = new Int32Array(this.capacity);
  private previousValues = new Int32Array(this.capacity);
  private users = new Int32Array(this.capacity);
  private successes = new Uint8Array(this.capacity);
  private closedAtCreation = new Uint8Array(this.capacity);
  private endedBy = new Uint8Array(this.capacity);
  private hasEnd = new Uint8Array(this.capacity);
  private starts = proofColumns(this.capacity);
  private ends = proofColumns(this.capacity);
  private detailsAt = new Int32Array(this.capacity);
  private detailsCount = new Int32Array(this.capacity);
  private details = new Int32Array(1 << 12);
  private detailsUsed = 0;

  constructor(strings: StringTable) {
    this.strings = strings;
  }

  add(assignment: NewAssignment): number {
    if (this.length === this.capacity) this.grow();
    const index = this.length++;
    const strings = this.strings;
    this.sessions[index] = -1;
    this.kinds[index] = strings.recentId(SLOT.kind, assignment.kind);
    this.reasons[index] = strings.recentId(SLOT.reason, assignment.reason);
    this.values[index] = strings.recentId(SLOT.value, assignment.value);
    this.previousValues[index] = strings.recentId(SLOT.previous, assignment.previous);
    this.users[index] = strings.recentId(SLOT.user, assignment.user);
    this.successes[index] = assignment.success ? 1 : 0;
    this.closedAtCreation[index] = assignment.closedAtCreation ? 1 : 0;
    this.setProof(this.starts, index, assignment.start);
    if (assignment.closedAtCreation) this.end(index, assignment.start, 'detach');
    else {
      this.hasEnd[index] = 0;
      this.endedBy[index] = 0;
    }
    const details = assignment.details;
    this.detailsAt[index] = this.detailsUsed;
    this.detailsCount[index] = details.length / 2;
    if (this.detailsUsed + details.length > this.details.length) this.details = grown(this.details, Math.max(this.details.length * 2, this.detailsUsed + details.length));
    for (let at = 0; at < details.length; at++) this.details[this.detailsUsed++] = strings.recentId(SLOT.firstDetail + (at % SLOT.details), details[at]);
    return index;
  }

  session(index: number): number {
    return this.sessions[index]!;
  }

  setSession(index: number, session: number): void {
    this.sessions[index] = session;
  }

  kindId(index: number): number {
    return this.kinds[index]!;
  }

  reasonId(index: number): number {
    return this.reasons[index]!;
  }

  valueId(index: number): number {
    return this.values[index]!;
  }

  previousId(index: number): number {
    return this.previousValues[index]!;
  }

  kind(index: number): string {
    return this.strings.text(this.kinds[index]!)!;
  }

  reason(index: number): string {
    return this.strings.text(this.reasons[index]!)!;
  }

  value(index: number): string {
    return this.strings.text(this.values[index]!)!;
  }

  user(index: number): string | null {
    return this.strings.text(this.users[index]!);
  }

  success(index: number): boolean {
    return this.successes[index] === 1;
  }

  isOpen(index: number): boolean {
    return this.hasEnd[index] === 0;
  }

  endedByOf(index: number): EndedBy {
    return ENDED_BY[this.endedBy[index]!]!;
  }

  startSec(index: number): number {
    return this.starts.sec[index]!;
  }

  /** Seconds of the end, or null while open. */
  endSec(index: number): number | null {
    return this.hasEnd[index] === 1 ? this.ends.sec[index]! : null;
  }

  end(index: number, proof: ProofId, how: EndedBy): void {
    this.setProof(this.ends, index, proof);
    this.hasEnd[index] = 1;
    this.endedBy[index] = ENDED_BY_CODE.get(how)!;
  }

  /** The value of detail `name`, or null. */
  detail(index: number, name: string): string | null {
    const nameId = this.strings.find(name);
    const at = this.detailsAt[index]!;
    for (let pair = 0; pair < this.detailsCount[index]!; pair++) {
      if (this.details[at + pair * 2] === nameId) return this.strings.text(this.details[at + pair * 2 + 1]!);
    }
    return null;
  }

  /** The record's proof, then the proof of what ended it when that was another record. */
  proofs(index: number): ProofId[] {
    const proofs = [this.proofAt(this.starts, index)];
    if (this.hasEnd[index] === 1 && this.closedAtCreation[index] === 0) proofs.push(this.proofAt(this.ends, index));
    return proofs;
  }

  /** The assignment as an object (for JSON and tests). */
  assignment(index: number): ResourceAssignment {
    const strings = this.strings;
    const at = this.detailsAt[index]!;
    const details: Record<string, string | null> = {};
    for (let pair = 0; pair < this.detailsCount[index]!; pair++) {
      Object.defineProperty(details, strings.text(this.details[at + pair * 2]!)!, { value: strings.text(this.details[at + pair * 2 + 1]!), enumerable: true, writable: true, configurable: true });
    }
    const start = this.proofAt(this.starts, index);
    const end = this.hasEnd[index] === 0 ? null : this.closedAtCreation[index] === 1 ? start : this.proofAt(this.ends, index);
    return {
      kind: this.kind(index), reason: this.reason(index), value: this.value(index), previous: strings.text(this.previousValues[index]!),
      success: this.success(index), user: this.user(index), start, end, endedBy: this.endedByOf(index), details,
      proofs: end === null || end === start ? [start] : [start, end],
    };
  }

  /** Appends a copy of assignment `index` of `source` (a table over the same strings); returns its number here. */
  copyFrom(source: AssignmentTable, index: number): number {
    if (this.length === this.capacity) this.grow();
    const to = this.length++;
    this.sessions[to] = source.sessions[index]!;
    this.kinds[to] = source.kinds[index]!;
    this.reasons[to] = source.reasons[index]!;
    this.values[to] = source.values[index]!;
    this.previousValues[to] = source.previousValues[index]!;
    this.users[to] = source.users[index]!;
    this.successes[to] = source.successes[index]!;
    this.closedAtCreation[to] = source.closedAtCreation[index]!;
    this.endedBy[to] = source.endedBy[index]!;
    this.hasEnd[to] = source.hasEnd[index]!;
    for (const [into, from] of [[this.starts, source.starts], [this.ends, source.ends]] as const) {
      into.node[to] = from.node[index]!;
      into.sec[to] = from.sec[index]!;
      into.ms[to] = from.ms[index]!;
      into.serial[to] = from.serial[index]!;
      const exact = from.exactStamps.get(index);
      if (exact === undefined) into.exactStamps.delete(to);
      else into.exactStamps.set(to, exact);
    }
    const count = source.detailsCount[index]!;
    const at = source.detailsAt[index]!;
    this.detailsAt[to] = this.detailsUsed;
    this.detailsCount[to] = count;
    if (this.detailsUsed + count * 2 > this.details.length) this.details = grown(this.details, Math.max(this.details.length * 2, this.detailsUsed + count * 2));
    for (let offset = 0; offset < count * 2; offset++) this.details[this.detailsUsed++] = source.details[at + offset]!;
    return to;
  }

  private setProof(columns: ProofColumns, index: number, proof: ProofId): void {
    columns.node[index] = proof.node === null ? NO_STRING : this.strings.recentId(SLOT.node, proof.node);
    columns.sec[index] = proof.sec;
    columns.ms[index] = proof.ms;
    columns.serial[index] = proof.serial;
    if (proof.exactStamp === undefined) columns.exactStamps.delete(index);
    else columns.exactStamps.set(index, proof.exactStamp);
  }

  private proofAt(columns: ProofColumns, index: number): ProofId {
    const exactStamp = columns.exactStamps.get(index);
    return { node: this.strings.text(columns.node[index]!), sec: columns.sec[index]!, ms: columns.ms[index]!, serial: columns.serial[index]!, ...(exactStamp === undefined ? {} : { exactStamp }) };
  }

  private grow(): void {
    const capacity = this.capacity * 4;
    this.sessions = grown(this.sessions, capacity);
    this.kinds = grown(this.kinds, capacity);
    this.reasons = grown(this.reasons, capacity);
    this.values = grown(this.values, capacity);
    this.previousValues = grown(this.previousValues, capacity);
    this.users = grown(this.users, capacity);
    this.successes = grown(this.successes, capacity);
    this.closedAtCreation = grown(this.closedAtCreation, capacity);
    this.endedBy = grown(this.endedBy, capacity);
    this.hasEnd = grown(this.hasEnd, capacity);
    this.starts = growProofs(this.starts, capacity);
    this.ends = growProofs(this.ends, capacity);
    this.detailsAt = grown(this.detailsAt, capacity);
    this.detailsCount = grown(this.detailsCount, capacity);
    this.capacity = capacity;
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

/** The report's rows in the order the log told them: kind, session number, and the number of the item. */
export class RowTable {
  length = 0;
  private capacity = 1 << 12;
  private kinds = new Uint8Array(this.capacity);
  private sessions = new Int32Array(this.capacity);
  private items = new Int32Array(this.capacity);

  add(kind: number, session: number, item: number): void {
    if (this.length === this.capacity) {
      this.capacity *= 4;
      this.kinds = grown(this.kinds, this.capacity);
      this.sessions = grown(this.sessions, this.capacity);
      this.items = grown(this.items, this.capacity);
    }
    this.kinds[this.length] = kind;
    this.sessions[this.length] = session;
    this.items[this.length++] = item;
  }

  kind(row: number): number {
    return this.kinds[row]!;
  }

  session(row: number): number {
    return this.sessions[row]!;
  }

  item(row: number): number {
    return this.items[row]!;
  }
}
