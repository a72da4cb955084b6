// How auvirt 3.0.9 sees an event through libauparse: one flat list of fields across the event's records,
// searched forward from a cursor that a failed search leaves past the end; values interpreted as
// auparse 3.0.9 does (ESCAPED fields, uid names, AVC's synthesised seperms/seresult).
import { decodeHexPrefix, interpretUid, type AuditEvent, type AuditRecord } from '../../src/index.js';

interface ViewField {
  readonly name: string;
  readonly raw: string;
  readonly record: AuditRecord;
}

/** auparse/typetab.h ESCAPED fields auvirt reads (3.0.9). */
const ESCAPED = new Set([
  'vm', 'old-disk', 'new-disk', 'old-net', 'new-net', 'old-rng', 'new-rng', 'old-chardev', 'new-chardev', 'old-fs', 'new-fs',
  'cgroup', 'path', 'device', 'comm', 'exe', 'name', 'cwd', 'acct', 'operation', 'profile', 'apparmor',
]);

/** auparse's ESCAPED interpretation: quoted → between the quotes; else hex-decoded up to the first non-hex character. */
export function interpretEscaped(raw: string): string {
  if (raw.startsWith('"')) {
    const end = raw.indexOf('"', 1);
    return Buffer.from(raw.slice(1, end === -1 ? undefined : end), 'latin1').toString('latin1');
  }
  return decodeHexPrefix(raw) ?? raw;
}

/** auparse_interpret_field for a uid: the ENRICHED name when the record has one, else the local user database. */
function interpretUidField(field: ViewField): string {
  const enriched = field.record.enrichment.find((candidate) => candidate.name === field.name.toUpperCase());
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
    if (/['),:]$/.test(raw) && raw !== '(null)' && raw !== '(none)') raw = raw.slice(0, -1);
    fields.push({ name: token.slice(0, eq), raw, record });
  }
  return fields;
}

export class AuparseView {
  private flattened: ViewField[] | undefined;
  private cursor = 0;
  readonly first: AuditRecord;

  constructor(readonly event: AuditEvent) {
    this.first = event.records[0]!;
  }

  /** Flattened on first use: most events are of types auvirt never reads. */
  private get fields(): ViewField[] {
    this.flattened ??= this.event.records.flatMap(recordFields);
    return this.flattened;
  }

  /** auparse_first_record: the cursor back at the event's start. */
  rewind(): void {
    this.cursor = 0;
  }

  /** auparse_find_field: forward from the cursor; a miss leaves the cursor at the end. */
  find(name: string): ViewField | undefined {
    for (let index = this.cursor; index < this.fields.length; index++) {
      if (this.fields[index]!.name === name) {
        this.cursor = index;
        return this.fields[index];
      }
    }
    this.cursor = this.fields.length;
    return undefined;
  }

  /** The raw value of the next `name` field from the cursor. */
  raw(name: string): string | undefined {
    return this.find(name)?.raw;
  }

  /** auparse_interpret_field of the next `name` field from the cursor. */
  interpreted(name: string): string | undefined {
    const field = this.find(name);
    if (field === undefined) return undefined;
    if (name === 'uid' || name === 'auid') return interpretUidField(field);
    return ESCAPED.has(name) ? interpretEscaped(field.raw) : field.raw;
  }

  /** Seconds of the event's time (auparse_get_time). */
  get seconds(): number {
    return this.event.time?.sec ?? 0;
  }

  get serial(): number {
    return this.event.serial ?? 0;
  }
}
