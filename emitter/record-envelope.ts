// What surrounds libvirt's payload on an audit line, read from a record in the JSON form: the kernel's
// header (pid uid auid ses [subj]), libaudit's tail (exe hostname addr terminal res), auditd's stamp,
// node= and ENRICHED block. Each value is checked against what its writer can produce, so that the line
// reads back with the same fields and values; a value that is present but unreadable is an error, never
// replaced by a default. Only a value absent from the record is filled in (this process's, the clock's).
import type { AuditTime } from '../src/index.js';
import type { PayloadLayout } from '../src/libvirt/layouts.js';
import { encodeValue } from '../src/index.js';
import { FieldError, checkBare, checkText } from './field-refusal.js';
import type { LibauditTail, RecordHeader } from './process-identity.js';

/** A serial as the kernel numbers records; a bigint past 2^53, where a number would lose digits. */
export type AuditSerial = number | bigint;

type Input = Readonly<Record<string, unknown>>;

const present = (input: Input, name: string): boolean => Object.hasOwn(input, name) && input[name] !== undefined;

// ── the outcome ──────────────────────────────────────────────────────────────────────────────────────────

/** libaudit's res=: required, since there is no outcome one could assume for a record. */
export function successOf(input: Input): boolean {
  const res = input.res;
  if (res === 'success' || res === 'failed') return res === 'success';
  throw new FieldError(
    'invalid-record',
    'res',
    present(input, 'res') ? `res must be success or failed, got ${JSON.stringify(res)}` : 'res is required (success or failed): an outcome is never assumed',
  );
}

// ── the kernel's header ──────────────────────────────────────────────────────────────────────────────────

/** pid=%d (a thread-group id), uid=%u auid=%u ses=%u, as audit_log_common_recv_msg prints them. */
const HEADER_RANGES = { pid: 2 ** 31 - 1, uid: 2 ** 32 - 1, auid: 2 ** 32 - 1, ses: 2 ** 32 - 1 } as const;
type HeaderNumber = keyof typeof HEADER_RANGES;

function headerNumber(input: Input, name: HeaderNumber, fallback: number): number {
  if (!present(input, name)) return fallback;
  const value = input[name];
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^(?:0|[1-9][0-9]{0,9})$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < 0 || number > HEADER_RANGES[name]) {
    throw new FieldError('invalid-record', name, `${name} must be an integer from 0 to ${HEADER_RANGES[name]} (the kernel prints it with ${name === 'pid' ? '%d' : '%u'}), got ${JSON.stringify(value)}`);
  }
  return number;
}

/** The kernel's header: the record's own values, this process's for those it does not carry. */
export function headerOf(input: Input, fallback: RecordHeader): RecordHeader {
  const header = {
    pid: headerNumber(input, 'pid', fallback.pid),
    uid: headerNumber(input, 'uid', fallback.uid),
    auid: headerNumber(input, 'auid', fallback.auid),
    ses: headerNumber(input, 'ses', fallback.ses),
  };
  if (!present(input, 'subj')) return fallback.subj === undefined ? header : { ...header, subj: fallback.subj };
  const subj = input.subj;
  // The kernel writes `subj=?` when it cannot tell one LSM context; the JSON form reads `?` as null.
  if (subj === null) return { ...header, subj: null };
  if (typeof subj !== 'string') throw new FieldError('invalid-record', 'subj', `subj must be a string or null, got ${JSON.stringify(subj)}`);
  // The LSM context goes out as the LSM gives it (audit_log_task_context: ` subj=%s`).
  checkBare('subj', subj, 'the kernel');
  return { ...header, subj };
}

// ── libaudit's tail ─────────────────────────────────────────────────────────────────────────────────────

/** libaudit copies addr into an INET6_ADDRSTRLEN buffer (strncat, 45 bytes) and drops the rest. */
export const MAX_ADDR_BYTES = 45;

function tailValue(input: Input, name: keyof LibauditTail, fallback: string | null): string | null {
  if (!present(input, name)) return fallback;
  const value = input[name];
  if (value === null) return null;
  if (typeof value !== 'string') throw new FieldError('invalid-record', name, `${name} must be a string or null, got ${JSON.stringify(value)}`);
  if (name === 'exe') {
    // _get_exename encodes the path as audit_encode_value does: any bytes but NUL survive.
    checkText(name, value);
    if (value === '?') throw new FieldError('unsafe-value', name, 'exe "?" is how libaudit writes an unknown executable; it would read back as absent');
    return value;
  }
  // hostname, addr and terminal go out with %s: never encoded by libaudit.
  checkBare(name, value, 'libaudit');
  if (name === 'addr' && value.length > MAX_ADDR_BYTES) {
    throw new FieldError('too-long', name, `addr is ${value.length} bytes; libaudit keeps ${MAX_ADDR_BYTES} (INET6_ADDRSTRLEN - 1) and would cut it`);
  }
  return value;
}

/** The tail libaudit appends, less res: the record's own values, the fallback's for those it does not carry. */
export function tailOf(input: Input, fallback: LibauditTail): LibauditTail {
  return {
    exe: tailValue(input, 'exe', fallback.exe),
    hostname: tailValue(input, 'hostname', fallback.hostname),
    addr: tailValue(input, 'addr', fallback.addr),
    terminal: tailValue(input, 'terminal', fallback.terminal),
  };
}

// ── auditd's stamp, serial and node ─────────────────────────────────────────────────────────────────────

const ISO_TIME = /^(\d{4}|[+]\d{6})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 UTC time (the JSON form's `time`, as toISOString writes it; an offset and 0–3 fraction digits
 * are accepted) as the kernel's seconds and milliseconds. Null when it is not one exactly: no rounding of
 * finer fractions, no day 31 of April, nothing before 1970-01-01T00:00:01 (the kernel prints an unsigned
 * count; auparse takes second 0 for no stamp).
 */
export function parseAuditTime(text: string): AuditTime | null {
  const match = ISO_TIME.exec(text);
  if (match === null) return null;
  const [, yearText, month, day, hour, minute, second, fraction, zone] = match as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const [year, mon, dd, hh, mm, ss] = [yearText, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  if (mon < 1 || mon > 12 || dd < 1 || hh > 23 || mm > 59 || ss > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, mon - 1, dd);
  if (date.getUTCDate() !== dd || date.getUTCMonth() !== mon - 1) return null;
  let millis = date.getTime() + ((hh * 60 + mm) * 60 + ss) * 1000 + Number((fraction ?? '').padEnd(3, '0'));
  if (zone !== 'Z') {
    const [offsetHours, offsetMinutes] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    millis -= (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  // The kernel stamps with the wall clock; auparse reads second 0 as no stamp and loses the record's fields.
  if (!Number.isSafeInteger(millis) || millis < 1000) return null;
  return { sec: Math.floor(millis / 1000), ms: millis % 1000 };
}

/**
 * The record's stamp; the clock's only when the record carries none. A null stamp (the JSON form's "no
 * readable stamp") is refused where the line is written (`written`): the line sinks would invent one; the
 * kernel stamps what the libaudit sink sends, so there it is not used.
 */
export function timeOf(input: Input, clock: () => AuditTime, written: boolean): AuditTime {
  if (present(input, 'timeText')) {
    throw new FieldError('invalid-record', 'time', `the record's stamp could not be read in its log (${JSON.stringify(input.timeText)}); it is not replaced by another`);
  }
  if (!present(input, 'time')) return clock();
  const time = input.time;
  if (time === null && !written) return clock();
  if (time === null) throw new FieldError('invalid-record', 'time', 'time is null (the record has no readable stamp); a line is not given an invented one');
  const parsed = typeof time === 'string' ? parseAuditTime(time) : null;
  if (parsed === null) {
    throw new FieldError('invalid-record', 'time', `time must be an ISO 8601 time from 1970-01-01T00:00:01Z on with at most milliseconds (2023-11-14T22:13:20.123Z), got ${JSON.stringify(time)}`);
  }
  return parsed;
}

/** auparse reads a serial with strtoul: an unsigned long. */
const MAX_SERIAL = 2n ** 64n - 1n;

/**
 * The record's serial, exact however large; undefined when it carries none (the emitter numbers it). Null
 * is refused where the line is written, as a null time is.
 */
export function serialOf(input: Input, written: boolean): AuditSerial | undefined {
  if (!present(input, 'serial')) return undefined;
  const serial = input.serial;
  if (serial === null && !written) return undefined;
  let exact: bigint | null = null;
  if (typeof serial === 'number' && Number.isSafeInteger(serial)) exact = BigInt(serial);
  else if (typeof serial === 'bigint') exact = serial;
  else if (typeof serial === 'string' && /^(?:0|[1-9][0-9]*)$/.test(serial) && serial.length <= 20) exact = BigInt(serial);
  // audit_serial() skips 0 when its counter wraps: the kernel never numbers a record 0.
  if (exact === null || exact < 1n || exact > MAX_SERIAL) {
    throw new FieldError('invalid-record', 'serial', `serial must be an integer from 1 to 2^64-1 (a decimal string past 2^53), got ${typeof serial === 'bigint' ? serial : JSON.stringify(serial)}`);
  }
  return exact <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(exact) : exact;
}

/** auditd's `node=` (name_format): the record's own, the fallback's when it carries none; null for none. */
export function nodeOf(input: Input, fallback: string | null): string | null {
  if (!present(input, 'node')) return fallback;
  const node = input.node;
  if (node === null) return null;
  if (typeof node !== 'string') throw new FieldError('invalid-record', 'node', `node must be a string or null, got ${JSON.stringify(node)}`);
  checkBare('node', node, 'auditd');
  return node;
}

// ── auditd's ENRICHED block ─────────────────────────────────────────────────────────────────────────────

/**
 * The names auditd's format_enrich adds for a VIRT record, in its order: the record's uid and auid are its
 * only fields of the UID, GID, SYSCALL, ARCH or SOCKADDR kinds, and a name is the field's, upper-cased.
 */
export const ENRICHED_NAMES = ['UID', 'AUID'] as const;

/** The ENRICHED block's values by name, in auditd's order; undefined for a RAW line. */
export function enrichmentOf(input: Input): Readonly<Record<string, string | null>> | undefined {
  if (!present(input, 'enrichment')) return undefined;
  const block = input.enrichment;
  if (block === null || typeof block !== 'object' || Array.isArray(block)) {
    throw new FieldError('invalid-record', 'enrichment', `enrichment must be an object of UID and AUID, got ${JSON.stringify(block)}`);
  }
  const values = block as Record<string, unknown>;
  for (const name of Object.keys(values)) {
    if (!(ENRICHED_NAMES as readonly string[]).includes(name)) {
      throw new FieldError('invalid-record', `enrichment.${name}`, `auditd adds only ${ENRICHED_NAMES.join(' and ')} to a VIRT record's ENRICHED block, got ${JSON.stringify(name)}`);
    }
  }
  const ordered: Record<string, string | null> = {};
  for (const name of ENRICHED_NAMES) {
    if (!Object.hasOwn(values, name)) continue;
    const value = values[name];
    const field = `enrichment.${name}`;
    if (value !== null && typeof value !== 'string') throw new FieldError('invalid-record', field, `${field} must be a string or null, got ${JSON.stringify(value)}`);
    if (value !== null) {
      // auditd writes the user name through audit_encode_nv_string.
      checkText(field, value);
      if (value === '?') throw new FieldError('unsafe-value', field, `${field} "?" is how an absent value is written; it would read back as absent`);
      // ausearch -i prints the block's names decoded and unescaped: a newline there starts a forged record.
      const control = /[\x00-\x1f\x7f]/.exec(value);
      if (control !== null) {
        throw new FieldError('unsafe-value', field, `${field} holds the control byte 0x${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}; ausearch -i prints it unescaped (a user name from the passwd database has none)`);
      }
    }
    ordered[name] = value;
  }
  return Object.keys(ordered).length === 0 ? undefined : ordered;
}

/** The block as auditd writes it after the 0x1D separator. */
export function renderEnrichment(block: Readonly<Record<string, string | null>>): string {
  return Object.entries(block).map(([name, value]) => `${name}=${encodeValue(value)}`).join(' ');
}

// ── the record's keys ───────────────────────────────────────────────────────────────────────────────────

/** The JSON form's keys besides the payload's: the envelope, and where the record was read. */
const ENVELOPE_KEYS = new Set([
  'type', 'node', 'time', 'serial', 'pid', 'uid', 'auid', 'ses', 'subj', 'exe', 'hostname', 'addr', 'terminal', 'res', 'enrichment', 'form', 'timeText', 'file', 'line',
]);

/**
 * Refuses a key neither the layout nor the envelope has (a misspelt field would otherwise vanish), and the
 * JSON form's marks of a record its line does not hold faithfully: `duplicates` (a repeated field the
 * line would lose), `lossy`, `invalidUtf8` (--replay's mark of values whose bytes were not UTF-8), and the
 * interpreted and journald forms (values rewritten, no stamp of its own).
 */
export function checkKeys(input: Input, layout: PayloadLayout): void {
  for (const key of Object.keys(input)) {
    if (ENVELOPE_KEYS.has(key) || layout.fields.some((spec) => spec.name === key)) continue;
    if (key === 'invalidUtf8') {
      const names = Array.isArray(input.invalidUtf8) ? input.invalidUtf8.map(String) : [];
      throw new FieldError('invalid-record', names[0] ?? key, `${names.join(', ')} held bytes that are not UTF-8 in the log; U+FFFD stands in their place, so a line built from the record would not be the log's`);
    }
    if (key === 'duplicates' || key === 'lossy') {
      throw new FieldError('invalid-record', key, `the record was read from its log with ${key === 'lossy' ? 'a loss' : 'repeated fields'} (${key}); a line built from it would hide that`);
    }
    throw new FieldError('invalid-record', key, `${JSON.stringify(key)} is not a field of the ${layout.recordType} layout or of the record's envelope`);
  }
  const form = input.form;
  if (form !== undefined && form !== 'raw' && form !== 'printk') {
    throw new FieldError('invalid-record', 'form', `a record of the ${JSON.stringify(form)} form has no faithful audit line (values rewritten or no stamp of its own)`);
  }
}
