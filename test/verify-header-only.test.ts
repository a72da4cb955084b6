// verify counts, groups and sequence-checks plain RAW lines of other types than VIRT_* from their header
// bytes alone, for files; a stream is parsed line by line. Both must find exactly the same, whatever the
// log holds: gaps, duplicates, CR LF, control bytes, NUL, hard-wrapped records, unknown types, blank and
// over-long lines, ENRICHED tails, time going back, auditd's own records, no final newline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { verify, type VerifyResult } from '../verifier/verify.js';
import { RAW_CAPTURE, captureLines } from './support/examples.js';

const POOL = [...captureLines(RAW_CAPTURE), ...generateLog({ lines: 3000, seed: 11, nodes: 2, guests: 6 })];

type Breakage = (line: string) => string[];

const BREAKAGES: readonly Breakage[] = [
  (line) => [line],
  (line) => [line],
  (line) => [line],
  () => [],
  (line) => [line, line],
  (line) => [`${line}\r`],
  (line) => [`${line.slice(0, 50)}\x01${line.slice(50)}`],
  (line) => [`${line.slice(0, 40)}\x00${line.slice(40)}`],
  (line) => {
    const at = line.indexOf("msg='");
    return at === -1 ? [line] : [line.slice(0, at + 20), line.slice(at + 20)];
  },
  (line) => [line.replace('type=', 'type=NOPE_')],
  (line) => [`garbage ${line.slice(0, 30)}`],
  (line) => [`${line}\x1dUID="root" AUID="unset"`],
  () => [''],
  () => ['----'],
  (line) => [line.replace(/audit\((\d+)/, (_whole, sec: string) => `audit(${Number(sec) - 500}`)],
  () => ['type=DAEMON_START msg=audit(1709975000.000:99): op=start ver=3.0.9 format=raw kernel=6.1.0 auid=4294967295 pid=1 uid=0 ses=4294967295 res=success'],
  (line) => [`${line} ${'x'.repeat(300)}`],
];

const comparable = (result: VerifyResult) => JSON.parse(JSON.stringify(result).replaceAll(/"file":"[^"]*"/g, '"file":"-"')) as unknown;

describe('verify from header bytes alone', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-header-only-'));

  it('finds what reading every line in full finds (file against stream of the same bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(POOL.length - 1), fc.nat(BREAKAGES.length - 1)), { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        async (picks, finalNewline) => {
          const lines = picks.flatMap(([line, breakage]) => BREAKAGES[breakage]!(POOL[line]!));
          const bytes = Buffer.from(`${lines.join('\n')}${finalNewline ? '\n' : ''}`, 'latin1');
          const file = join(directory, 'log');
          writeFileSync(file, bytes);
          // A small maximum line length, so over-long lines are among the cases.
          const fromFile = await verify([{ kind: 'file', path: file }], { maxLineBytes: 600 });
          const fromStream = await verify([{ kind: 'stdin', path: '-' }], { maxLineBytes: 600, stdin: Readable.from([bytes]) });
          // A final newline ends the last line; without one, a last empty line is no line at all.
          const expectedLines = lines.length === 0 ? (finalNewline ? 1 : 0) : lines.length - (!finalNewline && lines.at(-1) === '' ? 1 : 0);
          expect(fromFile.summary.lines).toBe(expectedLines);
          expect(comparable(fromFile)).toEqual(comparable(fromStream));
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
