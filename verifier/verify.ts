// virt-audit verify: every line of the inputs accounted for (verify-lines), every VIRT_* record checked
// against libvirt's formats and the JSON Schemas (virt-record-check); files on two threads (verify-threaded).
import type { Readable } from 'node:stream';
import type { Profile } from '../src/libvirt/layouts.js';
import type { LibvirtRecord } from '../src/model/virt-records.js';
import type { SchemaValidator } from '../src/libvirt/schema-validator.js';
import type { AuditInput } from '../src/reader/input-set.js';
import type { RejectReason } from '../src/reader/parse-line.js';
import { readInputs } from '../src/reader/read-inputs.js';
import { KeptWarnings, type Diagnostic } from './verify-diagnostics.js';
import { LineVerifier, type LineCounts } from './verify-lines.js';
import { VirtRecordChecker, type CheckFindings } from './virt-record-check.js';

export { WARNINGS_KEPT_PER_RULE, type Diagnostic, type Severity } from './verify-diagnostics.js';

/** How many problems, and how many warnings, a VerifyResult holds by default (all are counted and passed to onFinding). */
export const FINDINGS_KEPT = 1000;

/** What verify counted: every line is a record, a blank line, an ausearch separator or a rejected line. */
export interface VerifySummary {
  /** Lines read, all inputs together. */
  lines: number;
  /** Empty or all-blank lines. */
  blank: number;
  /** ausearch's `----` lines. */
  separators: number;
  /** Audit records, of any type. */
  records: number;
  /** Events the records make (grouped by time stamp and serial). */
  events: number;
  /** Records read from a form that altered them (journald, `ausearch -i`). */
  lossy: number;
  /** VIRT_* records (type numbers 2500–2599). */
  virtRecords: number;
  /** VIRT records libvirt wrote that fit its formats. */
  valid: number;
  /** VIRT records libvirt wrote that do not: each has problems in the result. */
  invalid: number;
  /** VIRT records another program wrote (not checked against libvirt's formats). */
  foreign: number;
  /** Lines that are not audit records. */
  rejected: number;
  /** Rejected lines per reason. */
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Warnings, all counted (kept or not). */
  warnings: number;
  /** Warnings per rule. */
  warningsByRule: Record<string, number>;
}

/** How {@link verify} reads and what it hands on as it goes. */
export interface VerifyOptions {
  /** Which of libvirt's record forms are valid: `libvirt` (9.0's, the default) or `legacy` (also historical ones). */
  readonly profile?: Profile;
  /** Lines longer than this (bytes, default 64 KiB) are rejected as `too-long`, read no further. */
  readonly maxLineBytes?: number;
  /** Stream time after which an event without its end (EOE/PROCTITLE) counts as complete (default 2000, as auparse). */
  readonly eoeTimeoutMs?: number;
  /**
   * Receives the JSON form of every VIRT record libvirt's formats apply to (not those another program
   * wrote: see the `foreign-emitter` notice), in log order, with its errors. Narrow the record by `type`,
   * then `op` or `resrc`, to reach its typed fields. The types say what a conforming record holds: one with
   * errors in `diagnostics` fits no layout of the profile (or breaks the one it fits), and its fields may be
   * missing or of another type than its type says; under the `legacy` profile a conforming record may also be
   * one of libvirt's historical forms (without `virt=`, `vm-pid=` or `model=`).
   */
  readonly onVirtRecord?: (record: LibvirtRecord, diagnostics: readonly Diagnostic[]) => void;
  /** Called after each chunk read with the bytes read so far (for a progress line). */
  readonly onProgress?: (bytesRead: number) => void;
  /**
   * Receives every problem (invalid VIRT record, rejected line) and every warning kept (the first
   * WARNINGS_KEPT_PER_RULE of a file and rule) as it is found: in input order, except serial-gap warnings,
   * known only once later serials have come (they name the line where the gap opened).
   */
  readonly onFinding?: (diagnostic: Diagnostic) => void;
  /** How many problems and warnings the result holds (default FINDINGS_KEPT): memory stays flat however many there are. */
  readonly keepFindings?: number;
  /** @internal A validator already loaded (tests compare the precompiled and compiled ones). */
  readonly validator?: SchemaValidator;
  /** What a `stdin` input reads (default: process.stdin). */
  readonly stdin?: Readable;
  /** false: read on the calling thread (by default files are read on another one where the build allows). */
  readonly threaded?: boolean;
  /**
   * @internal
   * Reading on another thread: that thread checks VIRT records itself while this many batches of them or
   * more wait here (0: it checks them all). Unless onVirtRecord or validator is given: every record is then
   * checked here.
   */
  readonly readingThreadChecksFrom?: number;
}

/** What {@link verify} found: the counts and the first problems and warnings. */
export interface VerifyResult {
  /** The counts. */
  readonly summary: VerifySummary;
  /** The first errors (invalid VIRT records) and rejected lines, in input order (keepFindings of them). */
  readonly problems: readonly Diagnostic[];
  /** Problems found beyond those held in `problems`. */
  readonly problemsNotKept: number;
  /** The first warnings and notices kept (per rule and file the first few, keepFindings in all); all are counted. */
  readonly warnings: readonly Diagnostic[];
  /** Warnings counted beyond those held in `warnings`. */
  readonly warningsNotKept: number;
}

/**
 * A verification's findings: the summary; each problem, and each warning kept per file and rule, handed on
 * as found; the first few of each held for the result.
 */
export class Findings implements CheckFindings {
  readonly summary: VerifySummary = {
    lines: 0, blank: 0, separators: 0, records: 0, events: 0, lossy: 0, virtRecords: 0, valid: 0, invalid: 0, foreign: 0,
    rejected: 0, rejectedByReason: {}, warnings: 0, warningsByRule: {},
  };
  private readonly problems: Diagnostic[] = [];
  private problemsFound = 0;
  private readonly warnings: Diagnostic[] = [];
  private readonly kept = new KeptWarnings();
  private readonly onFinding: ((diagnostic: Diagnostic) => void) | undefined;
  private readonly keep: number;

  constructor(options: Pick<VerifyOptions, 'onFinding' | 'keepFindings'> = {}) {
    this.onFinding = options.onFinding;
    this.keep = options.keepFindings ?? FINDINGS_KEPT;
  }

  problem(diagnostic: Diagnostic): void {
    if (this.problemsFound++ < this.keep) this.problems.push(diagnostic);
    this.onFinding?.(diagnostic);
  }

  warn(diagnostic: Diagnostic): void {
    this.countWarnings(diagnostic.rule, 1);
    if (!this.kept.keeps(diagnostic)) return;
    if (this.warnings.length < this.keep) this.warnings.push(diagnostic);
    this.onFinding?.(diagnostic);
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
    return {
      summary,
      problems: this.problems,
      problemsNotKept: this.problemsFound - this.problems.length,
      warnings: this.warnings,
      warningsNotKept: summary.warnings - this.warnings.length,
    };
  }
}

/**
 * Verifies audit logs: every line is accounted for (record, blank, separator or rejected with its reason),
 * and every VIRT_* record libvirt wrote is checked against libvirt's formats (field order, wire forms,
 * libaudit's tail) and the JSON Schemas of schemas/. Memory stays flat whatever the size of the logs:
 * findings are handed on as found and only the first few kept.
 *
 * @param inputs - The logs, in reading order (see `resolveInputs` of `virt-audit`).
 * @param options - Profile, limits, and the callbacks that receive records and findings as they come.
 * @returns The counts and the first problems and warnings.
 * @throws `InputError` (of `virt-audit`) when an input cannot be read.
 * @example
 * ```ts
 * import { resolveInputs } from 'virt-audit';
 * import { verify } from 'virt-audit/verifier';
 *
 * const result = await verify(await resolveInputs(['/var/log/audit']), {
 *   onVirtRecord: (record, diagnostics) => {
 *     if (record.type === 'VIRT_CONTROL' && record.op === 'stop') console.log(record.vm, record.reason, diagnostics.length);
 *   },
 * });
 * console.log(result.summary.valid, result.summary.invalid);
 * ```
 */
export async function verify(inputs: readonly AuditInput[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const findings = new Findings(options);
  let made: VirtRecordChecker | undefined;
  const checker = (): VirtRecordChecker => (made ??= new VirtRecordChecker(findings, options));
  if (options.threaded !== false) {
    const { verifyReadingOnThread } = await import('./verify-threaded.js');
    const reading = verifyReadingOnThread(inputs, options, findings, checker);
    // The checks load their schema validator while the reading thread boots.
    checker();
    const counts = await reading;
    if (counts !== null) return findings.result(counts);
  }
  const lines = new LineVerifier({ virtRecord: (record) => checker().check(record), problem: (diagnostic) => findings.problem(diagnostic), warning: (diagnostic) => findings.warn(diagnostic) }, options.eoeTimeoutMs);
  await readInputs(inputs, lines.onLine, {
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    prefilter: lines.prefilter,
  });
  lines.finish();
  return findings.result(lines.counts);
}
