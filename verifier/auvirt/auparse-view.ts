// How auvirt 3.0.9 sees an event through libauparse: one flat list of fields across the event's records,
// searched forward from a cursor that a failed search leaves past the end; values interpreted as
// auparse 3.0.9 does (ESCAPED fields, uid names, AVC's synthesised seperms/seresult).
import type { AuditRecord } from '../../src/model/audit-record.js';
import { interpretUid } from '../../src/model/user-names.js';
import type { AuditEvent } from '../../src/reader/event-grouper.js';
import { auUnescape } from '../../src/encoding/au-unescape.js';

interface ViewField {
  readonly name: string;
  readonly raw: string;
  readonly record: AuditRecord;
}

const AUDIT_AVC = 1400;
const AUDIT_USER_AVC = 1107;

/** auparse/typetab.h ESCAPED fields auvirt reads (3.0.9). */
const ESCAPED = new Set([
  'vm', 'old-disk', 'new-disk', 'old-net', 'new-net', 'old-rng', 'new-rng', 'old-chardev', 'new-chardev', 'old-fs', 'new-fs',
  'cgroup', 'path', 'device', 'comm', 'exe', 'name', 'cwd', 'acct', 'operation', 'profile', 'apparmor',
]);

/**
 * auparse 3.0.9's print_escaped: quoted → between the quotes, a single space when the closing quote is
 * missing; else au_unescape (after a leading `00`, an abstract socket name), and the value as written
 * when that fails.
 */
export function interpretEscaped(raw: string): string {
  if (raw.startsWith('"')) {
    const end = raw.indexOf('"', 1);
    return end === -1 ? ' ' : raw.slice(1, end);
  }
  return auUnescape(raw.startsWith('00') ? raw.slice(2) : raw) ?? raw;
}


/**
 * auparse_do_interpretation's first look: the record's interpretation list (load_interpretation_list of
 * the text after its first 0x1D: words split on spaces, names lower-cased, the first of a name wins), its
 * value as written unless it starts `unknown-`.
 */
export function interpretationOf(record: AuditRecord, name: string): string | undefined {
  const separator = record.text.indexOf('\x1d');
  if (separator === -1) return undefined;
  for (const word of record.text.slice(separator + 1).split(' ')) {
    const eq = word.indexOf('=');
    if (eq === -1 || word.slice(0, eq).toLowerCase() !== name) continue;
    const value = word.slice(eq + 1);
    return value.startsWith('unknown-') ? undefined : value;
  }
  return undefined;
}

/** tty_escape: a byte below 32 as `\ooo`. */
export function ttyEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x1f]/.test(text) ? text.replace(/[\x00-\x1f]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`) : text;
}

/** auparse_interpret_field for a uid: the ENRICHED name when the record has one, else the local user database. */
function interpretUidField(field: ViewField): string {
  const enriched = field.record.enrichmentText === null ? undefined : field.record.enrichment.find((candidate) => candidate.name === field.name.toUpperCase());
  // An ENRICHED interpretation cut short (`UID=`, `UID="ro` at the end of a cut line) reads as empty in 3.0.9.
  if (enriched !== undefined && (enriched.raw === '' || (enriched.raw.startsWith('"') && enriched.raw.indexOf('"', 1) === -1))) return '';
  return interpretUid(field.raw, enriched?.value);
}

function splitTokens(text: string): string[] {
  return text.split(' ').filter((token) => token !== '');
}

/** The fields of one record in auparse's order, msg=' flattened, AVC's seperms/seresult synthesised. */
function recordFields(record: AuditRecord): ViewField[] {
  const fields: ViewField[] = [];
  const body = record.body;
  let tokens = splitTokens(body);
  const avcAt = tokens.indexOf('avc:');
  if (avcAt !== -1) {
    const open = tokens.indexOf('{', avcAt);
    const close = tokens.indexOf('}', open);
    const result = tokens[avcAt + 1];
    if (result === 'denied' || result === 'granted') fields.push({ name: 'seresult', raw: result, record });
    if (open !== -1 && close !== -1) fields.push({ name: 'seperms', raw: tokens.slice(open + 1, close).join(','), record });
    tokens = tokens.slice(close === -1 ? avcAt + 1 : close + 1);
  }
  for (let token of tokens) {
    if (token.startsWith("msg='")) token = token.slice(5);
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    let raw = token.slice(eq + 1);
    if (raw === '') continue;
    raw = trimValue(raw);
    fields.push({ name: token.slice(0, eq), raw, record });
  }
  return fields;
}

/** parse_up_record's trailing punctuation: a `:`, then a `,`, then a `'`, then a `)` (but of `(null)`, `(none)`), each cut once in that order. */
function trimValue(raw: string): string {
  let value = raw;
  for (const char of [':', ',', "'"]) if (value.endsWith(char)) value = value.slice(0, -1);
  if (value.endsWith(')') && value !== '(null)' && value !== '(none)') value = value.slice(0, -1);
  return value;
}

/**
 * One record's fields, searched in auparse's order. Records with an `avc:` prefix are flattened into a
 * list (synthesised seresult/seperms); the others — every VIRT record — are searched in their text
 * directly: a field is `name=` at the start of a space-separated token (or right after `msg='`), and a
 * position is a character offset, so nothing is allocated but the value found.
 */
class RecordFields {
  private readonly flattened: ViewField[] | null;
  readonly end: number;

  /** The line ended in CR LF and has no ENRICHED block: auparse keeps the CR in its last field's value. */
  private readonly crAtEnd: boolean;

  constructor(readonly record: AuditRecord) {
    // auparse gives the unlabelled words of AVC and USER_AVC records names; other records it leaves alone.
    this.flattened = (record.typeNumber === AUDIT_AVC || record.typeNumber === AUDIT_USER_AVC) && record.body.includes('avc:') ? recordFields(record) : null;
    this.end = this.flattened === null ? record.body.length : this.flattened.length;
    this.crAtEnd = record.enrichmentStart === -1 && record.hasIssues && record.issues.some((issue) => issue.rule === 'crlf');
  }

  /** The first `name` field at or after `from`: its position and value. */
  find(name: string, from: number): { at: number; field: ViewField } | undefined {
    if (this.flattened !== null) {
      for (let index = from; index < this.flattened.length; index++) {
        if (this.flattened[index]!.name === name) return { at: index, field: this.flattened[index]! };
      }
      return undefined;
    }
    const body = this.record.body;
    const needle = `${name}=`;
    for (let at = body.indexOf(needle, from); at !== -1; at = body.indexOf(needle, at + 1)) {
      if (!this.startsToken(body, at)) continue;
      const valueStart = at + needle.length;
      if (name === 'msg' && body.charCodeAt(valueStart) === 39) continue; // msg='…' is read as the field inside
      const space = body.indexOf(' ', valueStart);
      // The CR stays on the last value (`res=success'` + CR): no trailing quote to trim, so 3.0.9 reads
      // every such record as failed.
      const value = space === -1 ? `${body.slice(valueStart)}${this.crAtEnd ? '\r' : ''}` : body.slice(valueStart, space);
      // parse_up_record drops a field whose value is empty before its trailing punctuation is cut.
      if (value === '') continue;
      return { at, field: { name, raw: trimValue(value), record: this.record } };
    }
    return undefined;
  }

  private startsToken(body: string, at: number): boolean {
    if (at === 0 || body.charCodeAt(at - 1) === 32) return true;
    // msg='name=…: the token is "msg='name=…", read as field `name`, unless the whole token is msg='…
    return at >= 5 && body.startsWith("msg='", at - 5) && (at === 5 || body.charCodeAt(at - 6) === 32);
  }
}

export class AuparseView {
  private records: RecordFields[] | undefined;
  private cursorRecord = 0;
  private cursorAt = 0;
  readonly first: AuditRecord;

  constructor(readonly event: AuditEvent) {
    this.first = event.records[0]!;
  }

  /** Prepared on first use: most events are of types auvirt never reads. */
  private get fields(): RecordFields[] {
    this.records ??= this.event.records.map((record) => new RecordFields(record));
    return this.records;
  }

  /** auparse_first_record: the cursor back at the event's start. */
  rewind(): void {
    this.cursorRecord = 0;
    this.cursorAt = 0;
  }

  /** auparse_find_field: forward from the cursor (inclusive); a miss leaves the cursor at the end. */
  find(name: string): ViewField | undefined {
    const records = this.fields;
    for (let index = this.cursorRecord; index < records.length; index++) {
      const found = records[index]!.find(name, index === this.cursorRecord ? this.cursorAt : 0);
      if (found !== undefined) {
        this.cursorRecord = index;
        this.cursorAt = found.at;
        return found.field;
      }
    }
    this.cursorRecord = records.length;
    this.cursorAt = 0;
    return undefined;
  }

  /** The raw value of the next `name` field from the cursor. */
  raw(name: string): string | undefined {
    return this.find(name)?.raw;
  }

  /**
   * auparse_interpret_field of the next `name` field from the cursor: a value of that name in the
   * record's interpretation list (after its first 0x1D) as written; else by the field's type, control
   * bytes then escaped for a terminal (AUPARSE_ESC_TTY, auparse's default).
   */
  interpreted(name: string): string | undefined {
    const field = this.find(name);
    if (field === undefined) return undefined;
    const listed = interpretationOf(field.record, name);
    // A uid's listed name goes through print_escaped (its quotes off); any other listed value as written.
    if (name === 'uid' || name === 'auid') return listed === undefined ? interpretUidField(field) : interpretEscaped(listed);
    if (listed !== undefined) return listed;
    return ttyEscape(ESCAPED.has(name) ? interpretEscaped(field.raw) : field.raw);
  }

  /** Seconds of the event's time (auparse_get_time). */
  get seconds(): number {
    return this.event.time?.sec ?? 0;
  }

  get serial(): number {
    return this.event.serial ?? 0;
  }
}
