import type { Diagnostic, VerifyResult, VerifySummary } from './verify.js';

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

/** Problems and warnings interleaved in reading order (`files` is the order the inputs were read in). */
export function formatText(result: VerifyResult, files: readonly string[]): string {
  const rank = new Map(files.map((file, index) => [file, index]));
  const byPlace = (a: Diagnostic, b: Diagnostic): number =>
    (rank.get(a.file) ?? 0) - (rank.get(b.file) ?? 0) || a.line - b.line;
  const lines = [...result.problems, ...result.warnings].sort(byPlace).map(formatDiagnostic);
  const suppressed = result.summary.warnings - result.warnings.length;
  if (suppressed > 0) lines.push(`(${suppressed} more warnings of the same kinds not shown)`);
  lines.push(formatSummary(result.summary));
  return `${lines.join('\n')}\n`;
}
