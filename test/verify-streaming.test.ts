// verify hands on its findings as it finds them and holds only the first few: the reports are written as
// they come and memory stays flat however many problems (issue 19, items 4 and 5).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verify, type Diagnostic } from '../verifier/index.js';
import { brokenLog } from './support/broken-log.js';
import { CLI } from './support/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-streaming-'));
let counter = 0;
const fileOf = (bytes: Buffer): string => {
  const path = join(directory, `input-${counter++}.log`);
  writeFileSync(path, bytes);
  return path;
};

const isProblem = (diagnostic: Diagnostic): boolean => diagnostic.severity === 'error' || diagnostic.severity === 'rejected';

describe('verify hands on every finding and holds a bounded number', () => {
  it('onFinding gets every problem and every warning kept; the result holds the first keepFindings of each, and counts the rest', async () => {
    await fc.assert(
      fc.asyncProperty(brokenLog(400), fc.integer({ min: 0, max: 30 }), async (log, keep) => {
        const path = fileOf(log.bytes);
        const whole = await verify([{ kind: 'file', path }], { threaded: false, keepFindings: Number.MAX_SAFE_INTEGER });
        const found: Diagnostic[] = [];
        const bounded = await verify([{ kind: 'file', path }], { threaded: false, keepFindings: keep, onFinding: (diagnostic) => found.push(diagnostic) });
        expect(bounded.summary).toEqual(whole.summary);
        expect(found.filter(isProblem)).toEqual(whole.problems);
        expect(found.filter((diagnostic) => !isProblem(diagnostic))).toEqual(whole.warnings);
        expect(bounded.problems).toEqual(whole.problems.slice(0, keep));
        expect(bounded.problemsNotKept).toBe(whole.problems.length - bounded.problems.length);
        expect(bounded.warnings).toEqual(whole.warnings.slice(0, keep));
        expect(bounded.warningsNotKept).toBe(whole.summary.warnings - bounded.warnings.length);
      }),
      { numRuns: 40 },
    );
  });
});

const LINES = 300_000;
const REJECTED = fileOf(Buffer.from('y\n'.repeat(LINES), 'latin1'));

/**
 * The CLI with a heap far too small for the findings of LINES rejected lines, were they kept (they took
 * 1.4 GB a million): from a file (two threads) or from stdin (one).
 */
function verifyInSmallHeap(format: string, from: 'file' | 'stdin'): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--max-old-space-size=40', CLI, 'verify', '--format', format, from === 'file' ? REJECTED : '-'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 120_000,
    ...(from === 'stdin' ? { input: Buffer.from('y\n'.repeat(LINES), 'latin1') } : {}),
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe(`verify on ${LINES} rejected lines (issue 19: a million took 1.4 GB, five million ran out of heap)`, () => {

  it('text (a file, two threads): a line per rejected line as it comes, then the summary, in a 40 MB heap', () => {
    const { status, stdout, stderr } = verifyInSmallHeap('text', 'file');
    expect(stderr).toBe('');
    expect(status).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(LINES + 4);
    expect(lines[0]).toBe(`${REJECTED}:1: rejected: not-audit — not an audit record (no type=… header, journald or kernel-log form): starts "y"`);
    expect(lines[LINES - 1]).toBe(lines[0]!.replace(':1:', `:${LINES}:`));
    expect(lines[LINES]).toBe(`lines: ${LINES} = 0 records + 0 blank + ${LINES} rejected (not-audit ${LINES})`);
  }, 120_000);

  it('json (stdin, one thread): the first 1000 violations and the count of the others', () => {
    const { status, stdout, stderr } = verifyInSmallHeap('json', 'stdin');
    expect(stderr).toBe('');
    expect(status).toBe(1);
    const report = JSON.parse(stdout) as { summary: { rejected: number }; violations: Array<{ line: number }>; violationsNotShown: number };
    expect(report.summary.rejected).toBe(LINES);
    expect(report.violations.map((violation) => violation.line)).toEqual(Array.from({ length: 1000 }, (_, index) => index + 1));
    expect(report.violationsNotShown).toBe(LINES - 1000);
  }, 120_000);

  it('ndjson (stdin): a JSON line per problem', () => {
    const { status, stdout, stderr } = verifyInSmallHeap('ndjson', 'stdin');
    expect(status).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(LINES);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ line: LINES, rule: 'not-audit' });
    expect(stderr).toMatch(new RegExp(`^lines: ${LINES} = `));
  }, 120_000);

  it('junit (a file): a failed case per line, counted in its suite and in the whole', () => {
    const { status, stdout, stderr } = verifyInSmallHeap('junit', 'file');
    expect(stderr).toBe('');
    expect(status).toBe(1);
    expect(stdout.slice(0, 200)).toContain(`<testsuites name="virt-audit verify" tests="${LINES}" failures="${LINES}" errors="0">`);
    expect(stdout.slice(0, 400)).toContain(`<testsuite name="${REJECTED}" tests="${LINES}" failures="${LINES}" errors="0">`);
    expect(stdout.split('<testcase ').length - 1).toBe(LINES);
    expect(stdout).toContain(`name="line ${LINES}"`);
    expect(stdout.endsWith('  </testsuite>\n</testsuites>\n')).toBe(true);
  }, 120_000);
});
