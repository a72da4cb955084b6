import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verify, type VerifyResult } from '../verifier/index.js';
import { RAW_CAPTURE, realLine } from './support/examples.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-bad-'));
let counter = 0;

async function verifyBytes(bytes: Buffer, maxLineBytes?: number): Promise<VerifyResult & { file: string }> {
  const file = join(directory, `input-${counter++}.log`);
  writeFileSync(file, bytes);
  return { ...(await verify([{ kind: 'file', path: file }], maxLineBytes === undefined ? {} : { maxLineBytes })), file };
}

function expectAccounted(result: VerifyResult): void {
  const { summary } = result;
  expect(summary.records + summary.blank + summary.separators + summary.rejected).toBe(summary.lines);
  expect(summary.valid + summary.invalid + summary.foreign).toBe(summary.virtRecords);
}

const good = realLine(RAW_CAPTURE, /resrc=disk reason=start/);
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('bad input gets a file:line diagnostic and every line is accounted for', () => {
  it('binary garbage', async () => {
    const result = await verifyBytes(Buffer.concat([latin1(`${good}\n`), Buffer.from([0xde, 0xad, 0x01, 0x02, 0x0b, 0xff, 0x0a]), latin1(`${good}\n`)]));
    expectAccounted(result);
    expect(result.problems).toEqual([expect.objectContaining({ file: result.file, line: 2, severity: 'rejected', rule: 'binary' })]);
    expect(result.summary.valid).toBe(2);
  });

  it('NUL bytes', async () => {
    const result = await verifyBytes(latin1(`${good.slice(0, 30)}\0\0${good.slice(30)}\n${good}\n`));
    expectAccounted(result);
    expect(result.problems).toEqual([expect.objectContaining({ line: 1, rule: 'nul-byte' })]);
  });

  it('a 10 MB line', async () => {
    const result = await verifyBytes(Buffer.concat([latin1(`${good}\n`), Buffer.alloc(10 * 1024 * 1024, 0x61), latin1(`\n${good}\n`)]));
    expectAccounted(result);
    expect(result.summary.lines).toBe(3);
    expect(result.problems).toEqual([expect.objectContaining({ line: 2, rule: 'too-long' })]);
  });

  it('a diagnostic quotes a short excerpt of what it found, however long the line (issue 19: up to 128 KB echoed)', async () => {
    const long = 'b'.repeat(128 * 1024);
    const lines = [
      good.replace(/new-disk="([^"]*)"/, `new-disk="$1${long}\x7f"`),
      good.replace(' exe=', ` ${long}=1 exe=`),
      good.replace(' uuid=', `  ${long} uuid=`),
      `not audit ${long}`,
      `type=VIRT_CONTROL ${long}`,
      // Long lines the header patterns once took seconds to fail (quadratic backtracking).
      `x ${long} audit[1]:`,
      `type=VIRT_CONTROL msg=audit(${long}`,
    ];
    const result = await verifyBytes(latin1(`${lines.join('\n')}\n`), 1 << 20);
    expectAccounted(result);
    expect(new Set(result.problems.map((problem) => problem.line))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    for (const problem of result.problems) expect(problem.message.length, `${problem.rule}: ${problem.message.slice(0, 200)}`).toBeLessThan(400);
  });

  it('a serial beyond 2^53 is named exactly (a string), and a stamp beyond what a date holds does not throw', async () => {
    const broken = good.replace(/vm="([^"]+)"/, 'vm=$1');
    const lines = [broken.replace(/:(\d+)\)/, ':9007199254740993)'), broken.replace(/:(\d+)\)/, ':18446744073709551615)'), broken.replace(/audit\(\d+\.\d{3}:/, 'audit(99999999999999999999.000:')];
    const result = await verifyBytes(latin1(`${lines.join('\n')}\n`));
    expectAccounted(result);
    expect(result.problems.filter((problem) => problem.rule === 'field-encoding').map((problem) => problem.serial)).toEqual(['9007199254740993', '18446744073709551615', expect.any(Number)]);
  });

  it('a truncated last line', async () => {
    const result = await verifyBytes(latin1(`${good}\n${good.slice(0, good.indexOf(' exe='))}`));
    expectAccounted(result);
    expect(result.problems.map((problem) => [problem.line, problem.rule])).toContainEqual([2, 'msg-unterminated']);
    expect(result.warnings.map((warning) => [warning.line, warning.rule])).toContainEqual([2, 'no-final-newline']);
    expect(result.summary.invalid).toBe(1);
  });

  it('CRLF line endings', async () => {
    const result = await verifyBytes(latin1(`${good}\r\n${good}\r\n`));
    expectAccounted(result);
    expect(result.summary.valid).toBe(2);
    expect(result.warnings.map((warning) => [warning.line, warning.rule])).toEqual([[1, 'crlf'], [2, 'crlf']]);
  });

  it('a missing closing quote', async () => {
    const result = await verifyBytes(latin1(`${good.slice(0, -1)}\n`));
    expectAccounted(result);
    expect(result.problems.map((problem) => problem.rule)).toContain('msg-unterminated');
  });

  it('a record hard-wrapped over three lines', async () => {
    const cut1 = good.indexOf(' uuid=');
    const cut2 = good.indexOf(' exe=');
    const result = await verifyBytes(latin1(`${good.slice(0, cut1)}\n${good.slice(cut1 + 1, cut2)}\n${good.slice(cut2 + 1)}\n`));
    expectAccounted(result);
    expect(result.summary.invalid).toBe(1);
    const rejected = result.problems.filter((problem) => problem.severity === 'rejected');
    expect(rejected.map((problem) => problem.line)).toEqual([2, 3]);
    expect(rejected[0]!.message).toMatch(/record at line 1 has no closing quote: hard-wrapped\?/);
  });

  it('never throws and accounts for every line, whatever the bytes', async () => {
    const pieces = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(latin1(`${good}\n`)),
      fc.constantFrom(latin1("type=VIRT_CONTROL msg=audit(1.000:1): msg='"), latin1('\x1d'), latin1('\r\n'), latin1('----\n')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pieces, { maxLength: 12 }), async (parts) => {
        const bytes = Buffer.concat(parts);
        const result = await verifyBytes(bytes);
        expectAccounted(result);
        const newlines = bytes.filter((byte) => byte === 0x0a).length;
        expect(result.summary.lines).toBe(newlines + (bytes.length > 0 && bytes.at(-1) !== 0x0a ? 1 : 0));
      }),
      { numRuns: 300 },
    );
  });
});
