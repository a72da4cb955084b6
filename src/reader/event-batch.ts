// Events moved between threads as one byte buffer of record texts and one array of numbers, both
// transferred without copying; the receiving side rebuilds AuditRecords from them (one string per
// record, body and enrichment sliced from it), so no record is parsed twice. The sender may also find
// where each body's fields lie (indexBodies), so the receiver looks fields up without searching for them.
import { AuditRecord, type AuditTime, type RecordForm, type RecordInit, type RecordIssue } from '../model/audit-record.js';
import { addBodyTokens, addLineTokens, TokenOffsets } from '../model/field-index.js';
import type { AuditEvent, GroupedEvent } from './event-grouper.js';
import { ScannedLine } from './scanned-line.js';

const FORMS: readonly RecordForm[] = ['raw', 'printk', 'journald', 'interpreted'];
const FORM_IDS = new Map(FORMS.map((form, index) => [form, index]));
const RAW = FORM_IDS.get('raw')!;

/** Numbers per record: see `EventBatchWriter.add`. */
const SLOTS = 15;
const NONE = -1;
/** Room past a batch's size: the event that fills a batch fits without the buffer being grown and copied. */
const HEADROOM_BYTES = 1 << 16;
const NO_ISSUES: readonly RecordIssue[] = [];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface EventBatch {
  readonly bytes: Uint8Array;
  readonly numbers: Float64Array;
  /** The bodies' token offsets (field-index `addBodyTokens`), empty unless the writer indexes bodies. */
  readonly tokens: Int32Array;
  readonly eventCount: number;
  /** Strings the numbers point into: files, nodes, types, time texts, issue lists (JSON). */
  readonly strings: readonly string[];
}

export class EventBatchWriter {
  private bytes: Buffer;
  private numbers: Float64Array;
  private usedBytes = 0;
  private usedNumbers = 0;
  private eventCount = 0;
  private strings: string[] = [];
  private stringIds = new Map<string, number>();
  private readonly tokens = new TokenOffsets();
  /** The size of the batch being filled: small at first, so the receiver starts while this thread warms up. */
  private batchBytes: number;

  /**
   * indexBodies: find where each body's fields lie, for a receiver that reads fields of every record.
   * Batches grow from `firstBatchBytes` (doubling) to `targetBytes`.
   */
  constructor(private readonly indexBodies = false, private readonly targetBytes = 1 << 19, firstBatchBytes = 1 << 14) {
    this.batchBytes = Math.min(firstBatchBytes, targetBytes);
    this.bytes = Buffer.allocUnsafe(this.batchBytes + HEADROOM_BYTES);
    this.numbers = new Float64Array(4096);
  }

  get full(): boolean {
    return this.usedBytes >= this.batchBytes;
  }

  get empty(): boolean {
    return this.eventCount === 0;
  }

  add(event: GroupedEvent<AuditRecord | ScannedLine>): void {
    this.room(1 + event.records.length * SLOTS);
    this.numbers[this.usedNumbers++] = event.records.length;
    for (const record of event.records) {
      if (record instanceof ScannedLine) this.addScannedLine(record);
      else this.addRecord(record);
    }
    this.eventCount++;
  }

  /** The batch so far, for transfer; the writer starts a new one. */
  take(): EventBatch {
    const batch: EventBatch = {
      bytes: new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.usedBytes),
      numbers: this.numbers.subarray(0, this.usedNumbers),
      tokens: this.tokens.take(),
      eventCount: this.eventCount,
      strings: this.strings,
    };
    this.batchBytes = Math.min(this.batchBytes * 2, this.targetBytes);
    this.bytes = Buffer.allocUnsafe(this.batchBytes + HEADROOM_BYTES);
    this.numbers = new Float64Array(this.numbers.length);
    this.usedBytes = 0;
    this.usedNumbers = 0;
    this.eventCount = 0;
    this.strings = [];
    this.stringIds = new Map();
    return batch;
  }

  private addScannedLine(line: ScannedLine): void {
    const length = line.end - line.start;
    this.byteRoom(length);
    const textStart = this.usedBytes;
    // TypedArray#set: Buffer#copy's argument checks cost more than the copy of a line.
    this.bytes.set(new Uint8Array(line.bytes.buffer, line.bytes.byteOffset + line.start, length), textStart);
    this.usedBytes += length;
    const bodyEnd = line.separator === -1 ? length : line.separator;
    const tokens = this.indexBodies ? addLineTokens(line.bytes, line.start, line.bodyStart, bodyEnd, this.tokens, line.ascii) : NONE;
    this.slots(
      textStart, length, line.bodyStart, bodyEnd, this.stringId(line.file), line.line, RAW,
      line.node === null ? NONE : this.stringId(line.node), this.stringId(line.type), line.typeNumber, line.time.sec, line.time.ms, line.serial, NONE, tokens,
    );
  }

  /** A record's SLOTS numbers, in the order readEventBatch reads them. */
  private slots(
    textStart: number, textLength: number, bodyStart: number, bodyEnd: number, file: number, line: number, form: number,
    node: number, type: number, typeNumber: number, sec: number, msOrText: number, serial: number, issues: number, tokens: number,
  ): void {
    const numbers = this.numbers;
    let at = this.usedNumbers;
    numbers[at++] = textStart;
    numbers[at++] = textLength;
    numbers[at++] = bodyStart;
    numbers[at++] = bodyEnd;
    numbers[at++] = file;
    numbers[at++] = line;
    numbers[at++] = form;
    numbers[at++] = node;
    numbers[at++] = type;
    numbers[at++] = typeNumber;
    numbers[at++] = sec;
    numbers[at++] = msOrText;
    numbers[at++] = serial;
    numbers[at++] = issues;
    numbers[at++] = tokens;
    this.usedNumbers = at;
  }

  private byteRoom(length: number): void {
    if (this.usedBytes + length <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.usedBytes + length));
    this.bytes.copy(grown, 0, 0, this.usedBytes);
    this.bytes = grown;
  }

  private addRecord(record: AuditRecord): void {
    const text = record.text;
    this.byteRoom(text.length);
    const textStart = this.usedBytes;
    this.usedBytes += this.bytes.write(text, textStart, 'latin1');
    const tokens = this.indexBodies ? addBodyTokens(text, record.bodyStart, record.bodyEnd, this.tokens) : NONE;
    this.slots(
      textStart, text.length, record.bodyStart, record.bodyEnd, this.stringId(record.file), record.line, FORM_IDS.get(record.form)!,
      record.node === null ? NONE : this.stringId(record.node), this.stringId(record.type), record.typeNumber ?? Number.NaN,
      record.time === null ? Number.NaN : record.time.sec,
      record.time === null ? (record.timeText === undefined ? NONE : this.stringId(record.timeText)) : record.time.ms,
      record.serial ?? Number.NaN, !record.hasIssues ? NONE : this.stringId(JSON.stringify(record.issues)), tokens,
    );
  }

  private stringId(text: string): number {
    let id = this.stringIds.get(text);
    if (id === undefined) {
      id = this.strings.push(text) - 1;
      this.stringIds.set(text, id);
    }
    return id;
  }

  private room(count: number): void {
    if (this.usedNumbers + count <= this.numbers.length) return;
    const grown = new Float64Array(Math.max(this.numbers.length * 2, this.usedNumbers + count));
    grown.set(this.numbers.subarray(0, this.usedNumbers));
    this.numbers = grown;
  }
}

/** What a batch posted to another thread moves there instead of copying. */
export function transferListOf(batch: EventBatch): ArrayBuffer[] {
  return [batch.bytes.buffer as ArrayBuffer, batch.numbers.buffer as ArrayBuffer, batch.tokens.buffer as ArrayBuffer];
}

/** The events of a batch, in the order they were added. */
export function readEventBatch(batch: EventBatch, onEvent: (event: AuditEvent) => void): void {
  const { numbers, strings, tokens } = batch;
  // One string per record: cheaper to make than one large string for the batch, and a record kept by
  // a consumer holds only its own text.
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  // One init for every record: the record copies what it keeps, and a batch makes hundreds of thousands.
  const init: Mutable<RecordInit> = {
    file: '', line: 0, form: 'raw', node: null, type: '', typeNumber: null, time: null, timeText: undefined, serial: null,
    text: '', bodyStart: 0, bodyEnd: 0, enrichmentStart: NONE, issues: NO_ISSUES, tokens: undefined, tokensAt: NONE,
  };
  let at = 0;
  for (let event = 0; event < batch.eventCount; event++) {
    const count = numbers[at++]!;
    // An event's records share their stamp, so they share its object.
    let time: AuditTime | null = null;
    let records: AuditRecord[] | undefined;
    for (let index = 0; index < count; index++) {
      const textStart = numbers[at]!;
      const textLength = numbers[at + 1]!;
      const bodyEnd = numbers[at + 3]!;
      const tokensAt = numbers[at + 14]!;
      const sec = numbers[at + 10]!;
      const msOrText = numbers[at + 11]!;
      const typeNumber = numbers[at + 9]!;
      const serial = numbers[at + 12]!;
      const issues = numbers[at + 13]!;
      const node = numbers[at + 7]!;
      if (Number.isNaN(sec)) time = null;
      else if (time === null || time.sec !== sec || time.ms !== msOrText) time = { sec, ms: msOrText };
      init.file = strings[numbers[at + 4]!]!;
      init.line = numbers[at + 5]!;
      init.form = FORMS[numbers[at + 6]!]!;
      init.node = node === NONE ? null : strings[node]!;
      init.type = strings[numbers[at + 8]!]!;
      init.typeNumber = Number.isNaN(typeNumber) ? null : typeNumber;
      init.time = time;
      init.timeText = Number.isNaN(sec) && msOrText !== NONE ? strings[msOrText]! : undefined;
      init.serial = Number.isNaN(serial) ? null : serial;
      init.text = bytes.toString('latin1', textStart, textStart + textLength);
      init.bodyStart = numbers[at + 2]!;
      init.bodyEnd = bodyEnd;
      // The body ends the text, or is followed by the 0x1D separator and the enrichment.
      init.enrichmentStart = bodyEnd === textLength ? NONE : bodyEnd + 1;
      init.issues = issues === NONE ? NO_ISSUES : (JSON.parse(strings[issues]!) as RecordIssue[]);
      init.tokens = tokensAt === NONE ? undefined : tokens;
      init.tokensAt = tokensAt;
      const record = new AuditRecord(init);
      // A list made by push would start with room for 17 records; most events are one.
      if (records === undefined) records = [record];
      else records.push(record);
      at += SLOTS;
    }
    const first = records![0]!;
    onEvent({ node: first.node, time: first.time, serial: first.serial, records: records! });
  }
}
