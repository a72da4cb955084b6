import type { Diagnostic, VerifyResult, VerifySummary } from './verify.js';
import { PieceWriter } from './report-output.js';

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

export function formatSummary(summary: VerifySummary): string {
  return [
    `lines: ${summary.lines} = ${summary.records} records + ${summary.blank} blank${summary.separators > 0 ? ` + ${summary.separators} ausearch separators` : ''} + ${summary.rejected} rejected${breakdown(summary.rejectedByReason)}`,
    `records: ${summary.records} in ${summary.events} events${summary.lossy > 0 ? `, ${summary.lossy} lossy (journald/interpreted)` : ''}`,
    `VIRT records: ${summary.virtRecords} = ${summary.valid} valid + ${summary.invalid} invalid + ${summary.foreign} foreign`,
    `warnings: ${summary.warnings}${breakdown(summary.warningsByRule)}`,
  ].join('\n');
}

export const isProblem = (diagnostic: Diagnostic): boolean => diagnostic.severity === 'error' || diagnostic.severity === 'rejected';

/**
 * The text report, a line per finding written as it is found (verify's onFinding), then the summary.
 * Memory stays flat however many findings.
 */
export class TextReport {
  private readonly out: PieceWriter;
  private warningsShown = 0;

  constructor(write: (text: string) => void) {
    this.out = new PieceWriter(write);
  }

  readonly finding = (diagnostic: Diagnostic): void => {
    if (!isProblem(diagnostic)) this.warningsShown++;
    this.out.write(`${formatDiagnostic(diagnostic)}\n`);
  };

  end(result: VerifyResult): void {
    const suppressed = result.summary.warnings - this.warningsShown;
    if (suppressed > 0) this.out.write(`(${suppressed} more warnings of the same kinds not shown)\n`);
    this.out.write(`${formatSummary(result.summary)}\n`);
    this.out.flush();
  }
}
