import type { Diagnostic, VerifyResult, VerifySummary } from './verify.js';
import { PieceWriter } from './report-output.js';

/**
 * A finding as one line of text: `file:line: [severity: ]TYPE serial: rule — message`.
 *
 * @param diagnostic - The finding.
 * @returns The line, without a newline.
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = `${diagnostic.file}:${diagnostic.line}`;
  if (diagnostic.severity === 'rejected') return `${where}: rejected: ${diagnostic.rule} — ${diagnostic.message}`;
  const record = `${diagnostic.type ?? '?'} ${diagnostic.serial ?? '?'}`;
  const label = diagnostic.severity === 'error' ? '' : `${diagnostic.severity}: `;
  return `${where}: ${label}${record}: ${diagnostic.rule} — ${diagnostic.message}`;
}

function breakdown(counts: Readonly<Record<string, number | undefined>>): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => count !== undefined && count > 0)
    .map(([name, count]) => `${name} ${count}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/**
 * The summary as the text report ends: lines, records, VIRT records and warnings, each with its breakdown.
 *
 * @param summary - The counts of a verification.
 * @returns Four lines, without a final newline.
 */
export function formatSummary(summary: VerifySummary): string {
  return [
    `lines: ${summary.lines} = ${summary.records} records + ${summary.blank} blank${summary.separators > 0 ? ` + ${summary.separators} ausearch separators` : ''} + ${summary.rejected} rejected${breakdown(summary.rejectedByReason)}`,
    `records: ${summary.records} in ${summary.events} events${summary.lossy > 0 ? `, ${summary.lossy} lossy (journald/interpreted)` : ''}`,
    `VIRT records: ${summary.virtRecords} = ${summary.valid} valid + ${summary.invalid} invalid + ${summary.foreign} foreign`,
    `warnings: ${summary.warnings}${breakdown(summary.warningsByRule)}`,
  ].join('\n');
}

/**
 * Whether a finding is a problem (an invalid record or a rejected line) rather than a warning or notice.
 *
 * @param diagnostic - The finding.
 * @returns true for `error` and `rejected`.
 */
export const isProblem = (diagnostic: Diagnostic): boolean => diagnostic.severity === 'error' || diagnostic.severity === 'rejected';

/**
 * The text report, a line per finding written as it is found (verify's onFinding), then the summary.
 * Memory stays flat however many findings.
 */
export class TextReport {
  private readonly out: PieceWriter;
  private warningsShown = 0;

  /**
   * A text report.
   *
   * @param write - Receives the report's text, in pieces.
   */
  constructor(write: (text: string) => void) {
    this.out = new PieceWriter(write);
  }

  /**
   * Writes a finding's line: give it as verify's `onFinding`.
   *
   * @param diagnostic - The finding.
   */
  readonly finding = (diagnostic: Diagnostic): void => {
    if (!isProblem(diagnostic)) this.warningsShown++;
    this.out.write(`${formatDiagnostic(diagnostic)}\n`);
  };

  /**
   * Ends the report: how many warnings were not shown, then the summary.
   *
   * @param result - What verify returned.
   */
  end(result: VerifyResult): void {
    const suppressed = result.summary.warnings - this.warningsShown;
    if (suppressed > 0) this.out.write(`(${suppressed} more warnings of the same kinds not shown)\n`);
    this.out.write(`${formatSummary(result.summary)}\n`);
    this.out.flush();
  }
}
