import {
  AuditRecord,
  EventGrouper,
  classifyEmitter,
  isLibvirtRecordType,
  isVirtRecordType,
  matchLayouts,
  parseLine,
  readInputs,
  splitLibauditTail,
  toJsonForm,
  SchemaValidator,
  REJECT_REASONS,
  type AuditInput,
  type Profile,
  type RejectReason,
  type VirtRecordJson,
} from '../src/index.js';
import type { Readable } from 'node:stream';
import { RawHeaderScanner } from '../src/reader/raw-header.js';
import { NOT_PLAIN, plainLineSeparator } from '../src/reader/scanned-line.js';
import type { LinePrefilter } from '../src/reader/line-splitter.js';
import { SequenceChecker } from './sequence-check.js';
import { checkHeader, checkLayout, checkLibauditTail, checkSpacing, type RuleViolation } from './wire-form.js';

export type Severity = 'error' | 'rejected' | 'warning' | 'notice';

export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly type: string | null;
  readonly serial: number | null;
  readonly rule: string;
  readonly message: string;
}

export interface VerifySummary {
  lines: number;
  blank: number;
  separators: number;
  records: number;
  events: number;
  lossy: number;
  virtRecords: number;
  valid: number;
  invalid: number;
  foreign: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  warnings: number;
  warningsByRule: Record<string, number>;
}

export interface VerifyOptions {
  readonly profile?: Profile;
  readonly maxLineBytes?: number;
  readonly eoeTimeoutMs?: number;
  /** Receives the JSON form of every VIRT record, in log order. */
  readonly onVirtRecord?: (json: VirtRecordJson, diagnostics: readonly Diagnostic[]) => void;
  readonly onProgress?: (bytesRead: number) => void;
  readonly validator?: SchemaValidator;
  /** What a `stdin` input reads (default: process.stdin). */
  readonly stdin?: Readable;
}

export interface VerifyResult {
  readonly summary: VerifySummary;
  /** Errors (invalid VIRT records) and rejected lines, in input order. */
  readonly problems: readonly Diagnostic[];
  /** Warnings and notices; per rule and file, only the first few are kept (all are counted). */
  readonly warnings: readonly Diagnostic[];
}

/** Warnings of one rule kept per file; the rest are only counted. */
export const WARNINGS_KEPT_PER_RULE = 20;

/** Record issues that make a VIRT record invalid rather than only noteworthy. */
const VIRT_RECORD_ERRORS = new Set(['msg-unterminated', 'text-after-msg']);

export async function verify(inputs: readonly AuditInput[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const profile = options.profile ?? 'libvirt';
  const validator = options.validator ?? new SchemaValidator();
  const summary: VerifySummary = {
    lines: 0, blank: 0, separators: 0, records: 0, events: 0, lossy: 0, virtRecords: 0, valid: 0, invalid: 0, foreign: 0,
    rejected: 0, rejectedByReason: {}, warnings: 0, warningsByRule: {},
  };
  const problems: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const keptPerRule = new Map<string, number>();

  const warn = (diagnostic: Diagnostic): void => {
    summary.warnings++;
    summary.warningsByRule[diagnostic.rule] = (summary.warningsByRule[diagnostic.rule] ?? 0) + 1;
    const key = `${diagnostic.file}\u0000${diagnostic.rule}`;
    const kept = keptPerRule.get(key) ?? 0;
    keptPerRule.set(key, kept + 1);
    if (kept < WARNINGS_KEPT_PER_RULE) warnings.push(diagnostic);
  };
  // Events are counted as they begin (eventsBegun), passed-over ones included.
  const grouper = new EventGrouper(() => {}, options.eoeTimeoutMs === undefined ? {} : { eoeTimeoutMs: options.eoeTimeoutMs });
  const sequence = new SequenceChecker((warning) => warn({ severity: 'warning', ...warning }));
  /** The last record, or where the last line read from its header alone lies (parsed only for a hint). */
  let previous: AuditRecord | { readonly bytes: Buffer; readonly start: number; readonly end: number; readonly file: string; readonly line: number } | undefined;
  const previousRecord = (): AuditRecord | undefined => {
    if (previous === undefined || previous instanceof AuditRecord) return previous;
    const parsed = parseLine(previous.bytes.toString('latin1', previous.start, previous.end), { file: previous.file, line: previous.line });
    return parsed.kind === 'record' ? parsed.record : undefined;
  };
  const header = new RawHeaderScanner();
  /** The line handed on next is the one whose header was just scanned. */
  let scanned = false;

  /**
   * A RAW line of a known type other than VIRT_*, with no byte the parser would remark on, is counted,
   * grouped and sequence-checked from its header bytes alone: nothing else of it is checked. Files only:
   * a file stream hands over a new buffer for every chunk, so `previous` may point into it.
   */
  const headerOnly = (file: string, input: AuditInput): LinePrefilter | undefined =>
    input.kind !== 'file'
      ? undefined
      : (bytes, start, end, line, unterminated) => {
          if (unterminated || !header.scan(bytes, start, end)) return false;
          const { recordType, node, sec, ms, serial } = header;
          if (recordType.number === null || isVirtRecordType(recordType.number) || plainLineSeparator(bytes, start, end, header.bodyStart) === NOT_PLAIN) {
            scanned = true;
            return false;
          }
          summary.lines++;
          summary.records++;
          grouper.skip(node, sec, ms, serial, recordType.number);
          sequence.checkStamp(file, line, recordType.name, node, sec, ms, serial);
          previous = { bytes, start, end, file, line };
          return true;
        };

  const onRecord = (record: AuditRecord): void => {
    summary.records++;
    if (record.lossy) summary.lossy++;
    grouper.push(record);
    sequence.check(record);
    const isVirt = record.typeNumber !== null && isVirtRecordType(record.typeNumber);
    if (isVirt) {
      summary.virtRecords++;
      checkVirtRecord(record);
    }
    for (const issue of record.issues) {
      // On VIRT records these were already counted as violations.
      if (isVirt && VIRT_RECORD_ERRORS.has(issue.rule)) continue;
      warn(diagnosticOf(record, issue, issue.rule === 'interpreted' || issue.rule === 'journald' ? 'notice' : 'warning'));
    }
  };

  const checkVirtRecord = (record: AuditRecord): void => {
    const emitter = classifyEmitter(record);
    if (emitter.kind === 'foreign') {
      summary.foreign++;
      warn(diagnosticOf(record, { rule: 'foreign-emitter', message: `${emitter.why}; not checked against libvirt's formats` }, 'notice'));
      return;
    }
    const found: RuleViolation[] = [];
    const payload = record.payload;
    let json: VirtRecordJson;
    if (payload === null) {
      found.push({ rule: 'no-payload', message: "libvirt records carry their fields in msg='…'; none found" });
      json = toJsonForm(record);
    } else {
      const wireIntact = record.form !== 'interpreted';
      found.push(...record.issues.filter((issue) => VIRT_RECORD_ERRORS.has(issue.rule)));
      found.push(...checkHeader(record));
      if (wireIntact) found.push(...checkSpacing(record), ...checkLibauditTail(payload));
      const { body } = splitLibauditTail(payload);
      const matches = isLibvirtRecordType(record.type) ? matchLayouts(record.type, body, profile) : [];
      if (matches.length === 0) {
        const resrc = body.find((field) => field.name === 'resrc');
        found.push({
          rule: 'unknown-layout',
          message: resrc
            ? `resrc=${resrc.raw} is not a resource kind libvirt (${profile} profile) audits`
            : `no ${record.type} layout of the ${profile} profile fits "${body.map((field) => field.name).join(' ')}"`,
        });
        json = toJsonForm(record);
      } else {
        // Among several exact matches (a legacy form sharing a current one's names), the first one the
        // record fully satisfies wins; failing all, the first explains what is wrong.
        const checked = matches.map((match) => {
          const layoutViolations = checkLayout(body, match);
          const candidateJson = toJsonForm(record, match.layout);
          const schemaViolations = validator.validate(candidateJson, match.layout, profile);
          // When the field set differs, the field-order violation already names what is missing or extra.
          const relevantSchema = match.exact ? schemaViolations : schemaViolations.filter((violation) => !/^(missing|unexpected) field /.test(violation.message));
          const wireViolations = wireIntact ? layoutViolations : layoutViolations.filter((violation) => violation.rule === 'field-order');
          return { json: candidateJson, violations: [...wireViolations, ...relevantSchema] };
        });
        const chosen = checked.find((candidate) => candidate.violations.length === 0) ?? checked[0]!;
        json = chosen.json;
        found.push(...chosen.violations);
      }
    }
    const diagnostics = found.map((violation) => diagnosticOf(record, violation, 'error'));
    if (diagnostics.length === 0) summary.valid++;
    else {
      summary.invalid++;
      problems.push(...diagnostics);
    }
    options.onVirtRecord?.(json, diagnostics);
  };

  await readInputs(
    inputs,
    (file, line) => {
      summary.lines++;
      const parsed = parseLine(line.text, { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated, header: scanned ? header : undefined });
      scanned = false;
      if (parsed.kind === 'blank') {
        summary.blank++;
        return;
      }
      if (parsed.kind === 'separator') {
        summary.separators++;
        return;
      }
      if (parsed.kind === 'rejected') {
        summary.rejected++;
        summary.rejectedByReason[parsed.reason] = (summary.rejectedByReason[parsed.reason] ?? 0) + 1;
        problems.push({
          severity: 'rejected',
          file,
          line: line.line,
          type: null,
          serial: null,
          rule: parsed.reason,
          message: `${REJECT_REASONS[parsed.reason]}: ${parsed.detail}${continuationHint(previousRecord(), file)}`,
        });
        return;
      }
      previous = parsed.record;
      onRecord(parsed.record);
    },
    {
      ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      prefilter: headerOnly,
    },
  );
  grouper.flush();
  summary.events = grouper.eventsBegun;
  sequence.finish();
  return { summary, problems, warnings };
}

function diagnosticOf(record: AuditRecord, violation: RuleViolation, severity: Severity): Diagnostic {
  return { severity, file: record.file, line: record.line, type: record.type, serial: record.serial, rule: violation.rule, message: violation.message };
}

function continuationHint(previous: AuditRecord | undefined, file: string): string {
  // `previous` is the last record: every line since it was rejected too.
  if (previous === undefined || previous.file !== file) return '';
  if (previous.payload !== null && previous.issues.some((issue) => issue.rule === 'msg-unterminated')) {
    return ` (the record at line ${previous.line} has no closing quote: hard-wrapped?)`;
  }
  return '';
}
