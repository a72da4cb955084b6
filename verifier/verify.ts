import type { Readable } from 'node:stream';
import {
  classifyEmitter,
  isLibvirtRecordType,
  matchLayouts,
  readInputs,
  splitLibauditTail,
  toJsonForm,
  SchemaValidator,
  type AuditInput,
  type AuditRecord,
  type Profile,
  type RejectReason,
  type VirtRecordJson,
} from '../src/index.js';
import { WARNINGS_KEPT_PER_RULE, type Diagnostic } from './verify-diagnostics.js';
import { diagnosticOf, LineVerifier, VIRT_RECORD_ERRORS, type LineCounts } from './verify-lines.js';
import { checkHeader, checkLayout, checkLibauditTail, checkSpacing, type RuleViolation } from './wire-form.js';

export { WARNINGS_KEPT_PER_RULE, type Diagnostic, type Severity } from './verify-diagnostics.js';

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
  /** false: read on the calling thread (by default files are read on another one where the build allows). */
  readonly threaded?: boolean;
}

export interface VerifyResult {
  readonly summary: VerifySummary;
  /** Errors (invalid VIRT records) and rejected lines, in input order. */
  readonly problems: readonly Diagnostic[];
  /** Warnings and notices; per rule and file, only the first few are kept (all are counted). */
  readonly warnings: readonly Diagnostic[];
}


/** A verification's findings: the summary, problems in input order, warnings kept per file and rule. */
export class Findings {
  readonly summary: VerifySummary = {
    lines: 0, blank: 0, separators: 0, records: 0, events: 0, lossy: 0, virtRecords: 0, valid: 0, invalid: 0, foreign: 0,
    rejected: 0, rejectedByReason: {}, warnings: 0, warningsByRule: {},
  };
  readonly problems: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private readonly keptPerRule = new Map<string, number>();

  problem(diagnostic: Diagnostic): void {
    this.problems.push(diagnostic);
  }

  warn(diagnostic: Diagnostic): void {
    this.countWarnings(diagnostic.rule, 1);
    const key = `${diagnostic.file}\u0000${diagnostic.rule}`;
    const kept = this.keptPerRule.get(key) ?? 0;
    this.keptPerRule.set(key, kept + 1);
    if (kept < WARNINGS_KEPT_PER_RULE) this.warnings.push(diagnostic);
  }

  /** Warnings of a rule counted, not kept (found elsewhere beyond the ones kept). */
  countWarnings(rule: string, count: number): void {
    this.summary.warnings += count;
    this.summary.warningsByRule[rule] = (this.summary.warningsByRule[rule] ?? 0) + count;
  }

  result(counts: LineCounts): VerifyResult {
    const summary = this.summary;
    summary.lines = counts.lines;
    summary.blank = counts.blank;
    summary.separators = counts.separators;
    summary.records = counts.records;
    summary.events = counts.events;
    summary.lossy = counts.lossy;
    summary.rejected = counts.rejected;
    summary.rejectedByReason = counts.rejectedByReason;
    return { summary, problems: this.problems, warnings: this.warnings };
  }
}

/** Checks VIRT_* records against libvirt's formats and the JSON Schemas, into `findings`. */
export class VirtRecordChecker {
  private readonly profile: Profile;
  private readonly validator: SchemaValidator;

  constructor(private readonly findings: Findings, private readonly options: VerifyOptions) {
    this.profile = options.profile ?? 'libvirt';
    this.validator = options.validator ?? new SchemaValidator();
  }

  check(record: AuditRecord): void {
    const { findings, profile, validator } = this;
    const summary = findings.summary;
    summary.virtRecords++;
    const emitter = classifyEmitter(record);
    if (emitter.kind === 'foreign') {
      summary.foreign++;
      findings.warn(diagnosticOf(record, { rule: 'foreign-emitter', message: `${emitter.why}; not checked against libvirt's formats` }, 'notice'));
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
      for (const diagnostic of diagnostics) findings.problem(diagnostic);
    }
    this.options.onVirtRecord?.(json, diagnostics);
  }
}

export async function verify(inputs: readonly AuditInput[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const findings = new Findings();
  const checker = new VirtRecordChecker(findings, options);
  if (options.threaded !== false) {
    const { verifyReadingOnThread } = await import('./verify-threaded.js');
    const counts = await verifyReadingOnThread(inputs, options, findings, checker);
    if (counts !== null) return findings.result(counts);
  }
  const lines = new LineVerifier({ virtRecord: (record) => checker.check(record), problem: (diagnostic) => findings.problem(diagnostic), warning: (diagnostic) => findings.warn(diagnostic) }, options.eoeTimeoutMs);
  await readInputs(inputs, lines.onLine, {
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    prefilter: lines.prefilter,
  });
  lines.finish();
  return findings.result(lines.counts);
}
