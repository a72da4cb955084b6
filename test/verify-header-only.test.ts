// verify counts, groups and sequence-checks plain RAW lines of other types than VIRT_* from their header
// bytes alone, for files; a stream is parsed line by line. Both must find exactly the same, whatever the
// log holds (see support/broken-log).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verify, type VerifyResult } from '../verifier/verify.js';
import { brokenLog } from './support/broken-log.js';

const comparable = (result: VerifyResult) => JSON.parse(JSON.stringify(result).replaceAll(/"file":"[^"]*"/g, '"file":"-"')) as unknown;

describe('verify from header bytes alone', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-header-only-'));

  it('finds what reading every line in full finds (file against stream of the same bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(brokenLog(), async ({ lines, finalNewline, bytes }) => {
        const file = join(directory, 'log');
        writeFileSync(file, bytes);
        // A small maximum line length, so over-long lines are among the cases.
        const fromFile = await verify([{ kind: 'file', path: file }], { maxLineBytes: 600 });
        const fromStream = await verify([{ kind: 'stdin', path: '-' }], { maxLineBytes: 600, stdin: Readable.from([bytes]) });
        // A final newline ends the last line; without one, a last empty line is no line at all.
        const expectedLines = lines.length === 0 ? (finalNewline ? 1 : 0) : lines.length - (!finalNewline && lines.at(-1) === '' ? 1 : 0);
        expect(fromFile.summary.lines).toBe(expectedLines);
        expect(comparable(fromFile)).toEqual(comparable(fromStream));
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
