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
  /**
   * Receives the JSON form of every VIRT record libvirt's formats apply to (not those another program
   * wrote: see the `foreign-emitter` notice), in log order, with its errors. Narrow the record by `type`,
   * then `op` or `resrc`, to reach its typed fields. The types say what a conforming record holds: one with
   * errors in `diagnostics` fits no layout of the profile (or breaks the one it fits), and its fields may be
   * missing or of another type than its type says; under the `legacy` profile a conforming record may also be
   * one of libvirt's historical forms (without `virt=`, `vm-pid=` or `model=`).
   */
  readonly onVirtRecord?: (record: LibvirtRecord, diagnostics: readonly Diagnostic[]) => void;
  readonly onProgress?: (bytesRead: number) => void;
  /**
   * Receives every problem (invalid VIRT record, rejected line) and every warning kept (the first
   * WARNINGS_KEPT_PER_RULE of a file and rule) as it is found: in input order, except serial-gap warnings,
   * known only once later serials have come (they name the line where the gap opened).
   */
  readonly onFinding?: (diagnostic: Diagnostic) => void;
  /** How many problems and warnings the result holds (default FINDINGS_KEPT): memory stays flat however many there are. */
  readonly keepFindings?: number;
  readonly validator?: SchemaValidator;
  /** What a `stdin` input reads (default: process.stdin). */
  readonly stdin?: Readable;
  /** false: read on the calling thread (by default files are read on another one where the build allows). */
  readonly threaded?: boolean;
  /**
   * Reading on another thread: that thread checks VIRT records itself while this many batches of them or
   * more wait here (0: it checks them all). Unless onVirtRecord or validator is given: every record is then
   * checked here.
   */
  readonly readingThreadChecksFrom?: number;
}

export interface VerifyResult {
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
