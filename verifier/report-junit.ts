import type { Diagnostic, VerifyResult } from './verify.js';
import { formatDiagnostic } from './report-text.js';

export interface VerifiedRecord {
  readonly file: string;
  readonly line: number;
  readonly type: string;
  readonly serial: number | null;
  readonly failures: readonly Diagnostic[];
}

const escapeXml = (text: string): string =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

/** JUnit XML: a suite per input file, a case per VIRT record and per rejected line. */
export function formatJunit(result: VerifyResult, records: readonly VerifiedRecord[]): string {
  const files = new Map<string, string[]>();
  const counts = new Map<string, { tests: number; failures: number }>();
  const add = (file: string, testcase: string, failed: boolean): void => {
    files.set(file, [...(files.get(file) ?? []), testcase]);
    const count = counts.get(file) ?? { tests: 0, failures: 0 };
    count.tests++;
    if (failed) count.failures++;
    counts.set(file, count);
  };
  for (const record of records) {
    const name = escapeXml(`${record.type} ${record.serial ?? '?'} (line ${record.line})`);
    const failures = record.failures
      .map((failure) => `      <failure type="${escapeXml(failure.rule)}" message="${escapeXml(failure.message)}">${escapeXml(formatDiagnostic(failure))}</failure>`)
      .join('\n');
    add(record.file, failures === '' ? `    <testcase classname="${escapeXml(record.file)}" name="${name}"/>` : `    <testcase classname="${escapeXml(record.file)}" name="${name}">\n${failures}\n    </testcase>`, failures !== '');
  }
  for (const problem of result.problems.filter((diagnostic) => diagnostic.severity === 'rejected')) {
    add(problem.file, `    <testcase classname="${escapeXml(problem.file)}" name="line ${problem.line}">\n      <failure type="${escapeXml(problem.rule)}" message="${escapeXml(problem.message)}">${escapeXml(formatDiagnostic(problem))}</failure>\n    </testcase>`, true);
  }
  const total = { tests: 0, failures: 0 };
  const suites = [...files].map(([file, testcases]) => {
    const count = counts.get(file)!;
    total.tests += count.tests;
    total.failures += count.failures;
    return `  <testsuite name="${escapeXml(file)}" tests="${count.tests}" failures="${count.failures}" errors="0">\n${testcases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="virt-audit verify" tests="${total.tests}" failures="${total.failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}
