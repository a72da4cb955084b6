import { AuditRecord, type RecordIssue } from '../model/audit-record.js';
import { recordTypeName, recordTypeNumber } from '../tables/record-types.js';
import type { RawHeader } from './raw-header.js';
import { bodyStartAfterStamp, extractTimestamp } from './ausearch-lol.js';

/** Why a line is not an audit record (see {@link ParsedLine}). */
export type RejectReason =
  | 'nul-byte'
  | 'binary'
  | 'too-long'
  | 'not-audit'
  | 'bad-header';

export const REJECT_REASONS: Readonly<Record<RejectReason, string>> = {
  'nul-byte': 'line holds a NUL byte',
  binary: 'line holds control bytes (binary data?)',
  'too-long': 'line is longer than the maximum record length',
  'not-audit': 'not an audit record (no type=… header, journald or kernel-log form)',
  'bad-header': 'type=… line without a valid msg=audit(SECONDS.MILLIS:SERIAL): stamp',
};

/** What a line of a log is: a record, a line that is not one (and why), a blank line or ausearch's separator. */
export type ParsedLine =
  | {
      /** An audit record, in any form auditd, the kernel log, journald or ausearch writes. */
      readonly kind: 'record';
      /** The record. */
      readonly record: AuditRecord;
    }
  | {
      /** Not an audit record. */
      readonly kind: 'rejected';
      /** Why, as a rule name. */
      readonly reason: RejectReason;
      /** What was found (an excerpt of the line). */
      readonly detail: string;
    }
  | {
      /** An empty or all-blank line. */
      readonly kind: 'blank';
    }
  | {
      /** ausearch's `----` between events. */
      readonly kind: 'separator';
    };

/** Where a line comes from, and what the reader already knows of it. */
export interface LineContext {
  /** The file, for the record's place and for messages. */
  readonly file: string;
  /** The line number in the file, from 1. */
  readonly line: number;
  /** The line was cut at the reader's maximum length. */
  readonly tooLong?: boolean;
  /** The line is the last of its file and had no newline. */
  readonly unterminated?: boolean;
  /**
   * Read as auparse 3.0.9 reads (auvirt --compat): the text ends at a NUL (auparse's line is a C
   * string), and a RAW stamp its str2event takes is read as it reads it — millis of any width up to 999
   * or none, the seconds a signed 64-bit time_t (2^64−1 is −1).
   */
  readonly auparse?: boolean;
  /** @internal The line's RAW header, already read from its bytes (RawHeaderScanner): not read again. */
  readonly header?: RawHeader | undefined;
}

const ENRICHMENT_SEPARATOR = '\x1d';
const RAW_HEADER = /^(?:node=(\S*) )?type=(\S+) msg=audit\((\d+)\.(\d{3}):(\d+)\):(?: |$)/;
// The stamp must hold a character other than digits and dots (checked apart: in the pattern that test
// backtracks quadratically over a long line).
const INTERPRETED_HEADER = /^(?:node=(\S*) )?type=(\S+) msg=audit\(([^)]*):(\d+)\) :(?: |$)/;
const PRINTK_HEADER = /(?:^|\s)audit: type=(\d+) audit\((\d+)\.(\d{3}):(\d+)\):(?: |$)/;
/** After ` audit[` in a journald line: `PID]: TYPE ` (journald's `^(.*?)(\S+) audit\[…` found without backtracking). */
const JOURNALD_TAIL = /(\d+)\]: ([A-Z][A-Z0-9_]*(?:\[\d+\])?) /y;
const WHITESPACE = /\s/;

/** The first `HOST audit[PID]: TYPE ` of a journald line: its end, the text before HOST, and TYPE. */
function journaldHeader(text: string): { head: string; stamp: string; type: string } | null {
  for (let at = text.indexOf(' audit['); at !== -1; at = text.indexOf(' audit[', at + 1)) {
    let host = at;
    while (host > 0 && !WHITESPACE.test(text[host - 1]!)) host--;
    if (host === at) continue;
    JOURNALD_TAIL.lastIndex = at + 7;
    const tail = JOURNALD_TAIL.exec(text);
    if (tail === null) continue;
    return { head: text.slice(0, JOURNALD_TAIL.lastIndex), stamp: text.slice(0, host), type: tail[2]! };
  }
  return null;
}
// Control bytes other than TAB and the ENRICHED separator 0x1D (DEL is left to the field checks).
const BLANK = /^\s*$/;
const CONTROL_BYTES = /[\x01-\x08\x0a-\x1c\x1e\x1f]/;

/**
 * Reads one line of an audit log: RAW or ENRICHED (auditd), the kernel log's `audit:` form, journald's, or
 * `ausearch -i` output. Never throws: a line that is not a record says why.
 *
 * @param rawText - The line without its newline, one JS char per byte (latin1), as the readers hand it on.
 * @param context - Where the line comes from.
 * @returns The record, or why the line is not one.
 * @example
 * ```ts
 * import { parseLine } from 'virt-audit';
 *
 * const parsed = parseLine('type=VIRT_CONTROL msg=audit(1700000000.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'virt=kvm op=start reason=booted vm="web" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 vm-pid=42 exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success\'', { file: 'audit.log', line: 1 });
 * if (parsed.kind === 'record') console.log(parsed.record.payloadValue('op')); // start
 * ```
 */
export function parseLine(rawText: string, context: LineContext): ParsedLine {
  const issues: RecordIssue[] = [];
  // auparse's line is a C string: its text ends at a NUL.
  const cutAt = context.auparse === true ? rawText.indexOf('\0') : -1;
  let text = cutAt === -1 ? rawText : rawText.slice(0, cutAt);
  if (text.endsWith('\r')) {
    text = text.slice(0, -1);
    issues.push({ rule: 'crlf', message: 'line ends in CR LF; auditd writes LF only' });
  }
  if (context.tooLong) {
    return { kind: 'rejected', reason: 'too-long', detail: `starts ${excerpt(text)}` };
  }
  if (BLANK.test(text)) return { kind: 'blank' };
  if (text === '----') return { kind: 'separator' };
  const nul = text.indexOf('\0');
  if (nul !== -1) return { kind: 'rejected', reason: 'nul-byte', detail: `NUL at byte ${nul + 1}` };
  // auparse takes any byte but NUL and the newline.
  const control = context.auparse === true ? null : CONTROL_BYTES.exec(text);
  if (control) {
    return {
      kind: 'rejected',
      reason: 'binary',
      detail: `byte 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} at byte ${control.index + 1}`,
    };
  }
  if (context.unterminated) {
    issues.push({ rule: 'no-final-newline', message: 'last line has no newline (file cut short?)' });
  }
  const record =
    (context.header !== undefined && text === rawText && (context.auparse !== true || Number.isSafeInteger(context.header.sec)) ? recordFromScannedHeader(text, context, context.header, issues) : null) ??
    (context.auparse === true ? parseAuparseStamp(text, context, issues) : null) ??
    parseRawLine(text, context, issues) ??
    parsePrintkLine(text, context, issues) ??
    parseJournaldLine(text, context, issues);
  if (record) {
    checkEnrichment(text, record.enrichmentStart, record.issues);
    return { kind: 'record', record };
  }
  if (/^(?:node=\S* )?type=/.test(text)) {
    return { kind: 'rejected', reason: 'bad-header', detail: `starts ${excerpt(text)}` };
  }
  return { kind: 'rejected', reason: 'not-audit', detail: `starts ${excerpt(text)}` };
}

/** At most this much of a line is quoted in a diagnostic. */
export const EXCERPT_CHARS = 60;

/** The start of `text` for a diagnostic: at most EXCERPT_CHARS, as a JSON string, `…` where cut. */
export function excerpt(text: string, from = 0): string {
  const cut = text.length - from > EXCERPT_CHARS;
  return `${JSON.stringify(text.slice(from, from + EXCERPT_CHARS))}${cut ? '…' : ''}`;
}

/**
 * The ENRICHED separator where auditd's format_enrich puts it: once, after the whole RAW record, and only
 * before a first interpreted field; those fields `NAME=value` (NAME the raw name upper-cased), one space
 * apart, none after the last.
 */
function checkEnrichment(text: string, enrichmentStart: number, issues: RecordIssue[]): void {
  const first = text.indexOf(ENRICHMENT_SEPARATOR);
  if (first === -1) return;
  const issue = (rule: string, message: string): void => void issues.push({ rule, message });
  if (first !== enrichmentStart - 1) {
    issue('enrichment-separator', `0x1D at byte ${first + 1}, inside the record's header: auditd writes it only after the record, before its interpreted fields`);
    return;
  }
  const again = text.indexOf(ENRICHMENT_SEPARATOR, enrichmentStart);
  if (again !== -1) {
    issue('enrichment-separator', `a second 0x1D at byte ${again + 1}: auditd writes one, between the record and its interpreted fields`);
    return;
  }
  if (enrichmentStart === text.length) {
    issue('enrichment-separator', '0x1D ends the line: auditd writes it only before an interpreted field');
    return;
  }
  if (!/^[A-Z]/.test(text.slice(enrichmentStart, enrichmentStart + 1)) || text.endsWith(' ') || text.includes('  ', enrichmentStart)) {
    issue('enrichment-form', `the interpreted fields after 0x1D are NAME=value, one space apart; found ${excerpt(text, enrichmentStart)}`);
  }
}

/** Where the body starting at `bodyStart` ends and the enrichment after its 0x1D separator begins. */
function bodySpan(text: string, bodyStart: number): { bodyStart: number; bodyEnd: number; enrichmentStart: number } {
  const separator = text.indexOf(ENRICHMENT_SEPARATOR, bodyStart);
  return separator === -1 ? { bodyStart, bodyEnd: text.length, enrichmentStart: -1 } : { bodyStart, bodyEnd: separator, enrichmentStart: separator + 1 };
}

function typeOf(name: string, issues: RecordIssue[]): number | null {
  const number = recordTypeNumber(name);
  if (number === null) issues.push({ rule: 'unknown-type', message: `record type ${name} is not known to libaudit` });
  return number;
}

function recordFromScannedHeader(text: string, context: LineContext, header: RawHeader, issues: RecordIssue[]): AuditRecord {
  const { name, number } = header.recordType;
  if (number === null) issues.push({ rule: 'unknown-type', message: `record type ${name} is not known to libaudit` });
  return new AuditRecord({
    file: context.file,
    line: context.line,
    form: 'raw',
    node: header.node,
    type: name,
    typeNumber: number,
    time: { sec: header.sec, ms: header.ms },
    serial: header.serial,
    ...bodySpan(text, header.bodyStart),
    text,
    issues,
  });
}

function parseRawLine(text: string, context: LineContext, issues: RecordIssue[]): AuditRecord | null {
  const raw = RAW_HEADER.exec(text);
  if (raw) {
    const [head, node, type, sec, ms, serial] = raw as unknown as [string, string | undefined, string, string, string, string];
    return new AuditRecord({
      file: context.file,
      line: context.line,
      form: 'raw',
      node: node ?? null,
      type,
      typeNumber: typeOf(type, issues),
      time: { sec: Number(sec), ms: Number(ms) },
      serial: Number(serial),
      ...bodySpan(text, head.length),
      text,
      issues,
    });
  }
  // The header patterns backtrack over a long line that fails them: each runs only where its fixed part is.
  const interpreted = text.includes(' msg=audit(') ? INTERPRETED_HEADER.exec(text) : null;
  if (!interpreted || !/[^\d.]/.test(interpreted[3]!)) return null;
  const [head, node, type, stamp, serial] = interpreted as unknown as [string, string | undefined, string, string, string];
  issues.push({ rule: 'interpreted', message: 'ausearch -i (interpreted) line: values were rewritten, original encoding lost' });
  return new AuditRecord({
    file: context.file,
    line: context.line,
    form: 'interpreted',
    node: node ?? null,
    type,
    typeNumber: typeOf(type, issues),
    time: null,
    timeText: stamp,
    serial: Number(serial),
    ...bodySpan(text, head.length),
    text,
    issues,
  });
}

/** A RAW line whose stamp auparse's extract_timestamp reads (auparse.c 3.0.9), however RAW_HEADER would read it. */
function parseAuparseStamp(text: string, context: LineContext, issues: RecordIssue[]): AuditRecord | null {
  const found = extractTimestamp(text, { auparse: true });
  if (found.kind !== 'stamp') return null;
  const { stamp } = found;
  const bodyStart = bodyStartAfterStamp(text, stamp.stampAt);
  return new AuditRecord({
    file: context.file,
    line: context.line,
    form: 'raw',
    node: stamp.node,
    type: stamp.typeName,
    typeNumber: typeOf(stamp.typeName, issues),
    time: { sec: Number(stamp.sec), ms: stamp.milli },
    serial: Number(stamp.serial),
    ...bodySpan(text, bodyStart),
    text,
    issues,
  });
}

function parsePrintkLine(text: string, context: LineContext, issues: RecordIssue[]): AuditRecord | null {
  const printk = text.includes('audit: type=') ? PRINTK_HEADER.exec(text) : null;
  if (!printk) return null;
  const [head, typeNumber, sec, ms, serial] = printk as unknown as [string, string, string, string, string];
  return new AuditRecord({
    file: context.file,
    line: context.line,
    form: 'printk',
    node: null,
    type: recordTypeName(Number(typeNumber)),
    typeNumber: Number(typeNumber),
    time: { sec: Number(sec), ms: Number(ms) },
    serial: Number(serial),
    ...bodySpan(text, printk.index + head.length),
    text,
    issues,
  });
}

function parseJournaldLine(text: string, context: LineContext, issues: RecordIssue[]): AuditRecord | null {
  const journald = journaldHeader(text);
  if (!journald) return null;
  const { head, stamp, type } = journald;
  issues.push({ rule: 'journald', message: 'journald line: the record has no audit timestamp or serial of its own' });
  return new AuditRecord({
    file: context.file,
    line: context.line,
    form: 'journald',
    node: null,
    type,
    typeNumber: typeOf(type, issues),
    time: null,
    timeText: stamp.trim(),
    serial: null,
    ...bodySpan(text, head.length),
    text,
    issues,
  });
}
