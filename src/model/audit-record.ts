import { findField, tokenizeFields, type AuditField } from './audit-field.js';
import { BodyIndex, bodyWords, payloadSpan } from './field-index.js';

/** How the line carrying a record was written. */
export type RecordForm =
  | 'raw' // auditd log_format RAW (or ENRICHED: see `enrichment`)
  | 'printk' // the kernel log's `audit: type=NNNN audit(...)` (no auditd registered), also via journald
  | 'journald' // `<date> <host> audit[pid]: TYPE body`: no timestamp of the record's own, no serial
  | 'interpreted'; // `ausearch -i` output: values interpreted, encoding lost

/** A record's time stamp, as the kernel wrote it: `audit(SECONDS.MILLIS:…)`. */
export interface AuditTime {
  /** Seconds since the epoch. */
  readonly sec: number;
  /** Milliseconds within the second (0–999). */
  readonly ms: number;
}

/** Something wrong with a record, found while reading it. */
export interface RecordIssue {
  /** The rule it breaks (`crlf`, `msg-unterminated`…). */
  readonly rule: string;
  /** What is wrong, for a person. */
  readonly message: string;
}

export interface RecordInit {
  readonly file: string;
  readonly line: number;
  readonly form: RecordForm;
  readonly node: string | null;
  readonly type: string;
  readonly typeNumber: number | null;
  readonly time: AuditTime | null;
  /** The timestamp as written, when it could not be read as one (interpreted, journald). */
  readonly timeText?: string | undefined;
  readonly serial: number | null;
  readonly text: string;
  /** Where the body — everything after `): ` up to the enrichment separator — lies in `text`. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** Where the text after the 0x1D separator (ENRICHED) begins in `text`, or -1. */
  readonly enrichmentStart: number;
  readonly issues: readonly RecordIssue[];
  /** The body's token offsets, found on the reading thread (field-index `addBodyTokens`), and where its entry begins. */
  readonly tokens?: Int32Array | undefined;
  readonly tokensAt?: number | undefined;
}

/**
 * One audit record. Header data is read when the line is parsed; fields are tokenized on first use,
 * so passing over records nobody looks at costs little.
 */
export class AuditRecord {
  /** The file the record was read from. */
  readonly file: string;
  /** Its line in that file, from 1. */
  readonly line: number;
  /** How its line was written. */
  readonly form: RecordForm;
  /** Its `node=` name, or null. */
  readonly node: string | null;
  /** Its type name (`VIRT_CONTROL`, `SYSCALL`…; `UNKNOWN[NNNN]` for a number libaudit does not name). */
  readonly type: string;
  /** Its type number, where the line or libaudit's table gives one. */
  readonly typeNumber: number | null;
  /** Its time stamp; null in a form without one (journald). */
  readonly time: AuditTime | null;
  /** The time stamp as written, when it could not be read as one (interpreted, journald). */
  readonly timeText: string | undefined;
  /** The serial of its event; null in a form without one. */
  readonly serial: number | null;
  /** The whole line (one JS char per byte). */
  readonly text: string;
  /** Where the body (after `): `) begins in `text`. */
  readonly bodyStart: number;
  /** Where the body ends in `text` (at the ENRICHED separator or the end). */
  readonly bodyEnd: number;
  /** Where the text after the ENRICHED separator 0x1D begins in `text`, or -1. */
  readonly enrichmentStart: number;
  // Made when the first issue is found: most records have none.
  private issueList: RecordIssue[] | undefined;
  private readonly tokens: Int32Array | undefined;
  private readonly tokensAt: number;
  private parsed: ParsedBody | undefined;
  // Sliced from the text when first asked for: most readers look up a few fields through the token offsets.
  private bodyText: string | undefined;
  private enrichmentSlice: string | undefined;

  /** @internal Records come from {@link parseLine} and the readers. */
  constructor(init: RecordInit) {
    this.file = init.file;
    this.line = init.line;
    this.form = init.form;
    this.node = init.node;
    this.type = init.type;
    this.typeNumber = init.typeNumber;
    this.time = init.time;
    this.timeText = init.timeText;
    this.serial = init.serial;
    this.text = init.text;
    this.bodyStart = init.bodyStart;
    this.bodyEnd = init.bodyEnd;
    this.enrichmentStart = init.enrichmentStart;
    this.issueList = init.issues.length === 0 ? undefined : [...init.issues];
    this.tokens = init.tokens;
    this.tokensAt = init.tokensAt ?? -1;
    this.bodyText = undefined;
    this.enrichmentSlice = undefined;
  }

  /** What is wrong with the record (found when the line was read, more when its body is parsed). */
  get issues(): RecordIssue[] {
    this.issueList ??= [];
    return this.issueList;
  }

  /** Whether an issue was found so far, without making the list. */
  get hasIssues(): boolean {
    return this.issueList !== undefined && this.issueList.length > 0;
  }

  /** Everything after `): ` up to the enrichment separator. */
  get body(): string {
    this.bodyText ??= this.text.slice(this.bodyStart, this.bodyEnd);
    return this.bodyText;
  }

  /** Text after the 0x1D separator (ENRICHED), or null. */
  get enrichmentText(): string | null {
    if (this.enrichmentStart === -1) return null;
    this.enrichmentSlice ??= this.text.slice(this.enrichmentStart);
    return this.enrichmentSlice;
  }

  /** Records whose values or header were altered on the way (interpreted, journald). */
  get lossy(): boolean {
    return this.form === 'interpreted' || this.form === 'journald';
  }

  private get parsedBody(): ParsedBody {
    this.parsed ??= parseBody(this);
    return this.parsed;
  }

  /** For user messages: the fields before `msg='`; for kernel records: every field. */
  get header(): readonly AuditField[] {
    return this.parsedBody.header;
  }

  /** The fields inside `msg='…'`, or null for records without a user-message payload. */
  get payload(): readonly AuditField[] | null {
    return this.parsedBody.payload;
  }

  /** The exact text between `msg='` and its closing quote. */
  get payloadText(): string | null {
    return this.parsedBody.payloadText;
  }

  /** Tokens without `=`: AVC's `avc: denied { read } for`, free-text daemon messages. */
  get words(): readonly string[] {
    return this.parsed === undefined ? bodyWords(this.text, this.bodyStart, this.bodyEnd) : this.parsed.words;
  }

  /** Whether the body has `msg='…'` (payload is not null), found without parsing the body. */
  get hasPayload(): boolean {
    return this.parsed === undefined ? this.bodyIndex().withPayload : this.parsed.payload !== null;
  }

  /** The fields after the ENRICHED separator (UID, AUID…), empty in a RAW record. */
  get enrichment(): readonly AuditField[] {
    return this.parsedBody.enrichment;
  }

  /** All fields in order, header then payload, as auparse flattens them. */
  get fields(): readonly AuditField[] {
    const { header, payload } = this.parsedBody;
    return payload === null ? header : [...header, ...payload];
  }

  /**
   * The first field called `name`, header then payload.
   *
   * @param name - The field's name.
   * @returns The field, or undefined when the record has none of that name.
   */
  field(name: string): AuditField | undefined {
    return findField(this.fields, name);
  }

  /**
   * The raw text of the first field `name` before `msg='` (of the whole body when there is none): what
   * `findField(header, name)?.raw` gives, found without a field object per token.
   *
   * @param name - The field's name.
   * @returns Its text as written; undefined when there is no such field.
   */
  headerRaw(name: string): string | undefined {
    if (this.parsed !== undefined) return findField(this.parsed.header, name)?.raw;
    return this.bodyIndex().headerRaw(name);
  }

  /**
   * The raw text of the first field `name` inside `msg='…'`: what `findField(payload, name)?.raw` gives.
   *
   * @param name - The field's name.
   * @returns Its text as written; undefined when there is no such field or no payload.
   */
  payloadRaw(name: string): string | undefined {
    if (this.parsed !== undefined) return this.parsed.payload === null ? undefined : findField(this.parsed.payload, name)?.raw;
    return this.bodyIndex().payloadRaw(name);
  }

  /**
   * The decoded value of the first field `name` inside `msg='…'`: what `findField(payload, name)?.value`
   * gives, found without a field object per token.
   *
   * @param name - The field's name.
   * @returns Its decoded value; null for `?`; undefined when there is no such field or no payload.
   */
  payloadValue(name: string): string | null | undefined {
    if (this.parsed !== undefined) return this.parsed.payload === null ? undefined : findField(this.parsed.payload, name)?.value;
    return this.bodyIndex().payloadValue(name, this.form !== 'interpreted');
  }

  /**
   * The decoded value of the first field `name` before `msg='` (of the whole body when there is none).
   *
   * @param name - The field's name.
   * @returns Its decoded value; null for `?`; undefined when there is no such field.
   */
  headerValue(name: string): string | null | undefined {
    if (this.parsed !== undefined) return findField(this.parsed.header, name)?.value;
    return this.bodyIndex().headerValue(name, this.form !== 'interpreted');
  }

  /**
   * The decoded value of the first field `name`, header then payload: what `findField(fields, name)?.value` gives.
   *
   * @param name - The field's name.
   * @returns Its decoded value; null for `?`; undefined when there is no such field.
   */
  fieldValue(name: string): string | null | undefined {
    if (this.parsed !== undefined) return findField(this.fields, name)?.value;
    return this.bodyIndex().fieldValue(name, this.form !== 'interpreted');
  }

  private bodyIndex(): BodyIndex {
    if (sharedIndex.owner === this) return sharedIndex;
    if (this.tokens === undefined) sharedIndex.index(this, this.text, this.bodyStart, this.bodyEnd);
    else sharedIndex.adopt(this, this.text, this.tokens, this.tokensAt);
    return sharedIndex;
  }

  /**
   * The decoded value of the first field called `name`, header then payload.
   *
   * @param name - The field's name.
   * @returns The value; null for `?`; undefined when there is no such field.
   */
  value(name: string): string | null | undefined {
    return this.field(name)?.value;
  }
}

/** The token index of the record last asked for a field (readers ask a record several, then the next). */
const sharedIndex = new BodyIndex();

interface ParsedBody {
  readonly header: readonly AuditField[];
  readonly payload: readonly AuditField[] | null;
  readonly payloadText: string | null;
  readonly words: readonly string[];
  readonly enrichment: readonly AuditField[];
}

function parseBody(record: AuditRecord): ParsedBody {
  const interpretHex = record.form !== 'interpreted';
  const body = record.body;
  const enrichment = record.enrichmentText === null ? [] : tokenizeFields(record.enrichmentText).fields;
  const span = payloadSpan(body, 0, body.length);
  if (span === null) {
    const { fields, words } = tokenizeFields(body, interpretHex);
    return { header: fields, payload: null, payloadText: null, words, enrichment };
  }
  const headerPart = tokenizeFields(body.slice(0, span.start), interpretHex);
  const payloadText = body.slice(span.from, span.to);
  const trailing = span.closed ? body.slice(span.to + 1) : '';
  if (!span.closed) {
    record.issues.push({
      rule: 'msg-unterminated',
      message: "msg='… has no closing quote (record cut short or hard-wrapped?)",
    });
  }
  const payloadPart = tokenizeFields(payloadText, interpretHex);
  if (trailing.trim() !== '') {
    record.issues.push({
      rule: 'text-after-msg',
      message: `text after the closing quote of msg='…': ${JSON.stringify(trailing.slice(0, 80))}` +
        (record.enrichmentText === null && /^[A-Z_]+=/.test(trailing) ? ' (an ENRICHED tail whose 0x1D separator was lost?)' : ''),
    });
  }
  return {
    header: headerPart.fields,
    payload: payloadPart.fields,
    payloadText,
    words: [...headerPart.words, ...payloadPart.words],
    enrichment,
  };
}
