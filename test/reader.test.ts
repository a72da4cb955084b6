import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveInputs } from '../src/index.js';
import { orderRotatedSets } from '../src/reader/input-set.js';
import { LineSplitter, type SourceLine } from '../src/reader/line-splitter.js';
import { readInputs } from '../src/reader/read-inputs.js';

function split(chunks: readonly Buffer[], maxLineBytes?: number): SourceLine[] {
  const lines: SourceLine[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxLineBytes);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('gives the same lines however the bytes are cut into chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 8 }), (bytes, cuts) => {
        const data = Buffer.from(bytes);
        const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let previous = 0;
        for (const point of [...points, data.length]) {
          chunks.push(data.subarray(previous, point));
          previous = point;
        }
        const whole = split([data]).map((line) => line.text);
        expect(split(chunks).map((line) => line.text)).toEqual(whole);
        expect(whole.join('\n')).toBe(data.toString('latin1').replace(/\n$/, ''));
      }),
    );
  });

  it('marks a last line without newline, and numbers lines from 1', () => {
    const lines = split([Buffer.from('a\nb\nc')]);
    expect(lines.map((line) => [line.line, line.text, line.unterminated])).toEqual([
      [1, 'a', false],
      [2, 'b', false],
      [3, 'c', true],
    ]);
  });

  it('keeps only the head of a 10 MB line and goes on with the next one', () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x41);
    const chunks = [Buffer.from('first\n'), ...Array.from({ length: 10 }, (_, i) => huge.subarray(i * 1048576, (i + 1) * 1048576)), Buffer.from('\nlast\n')];
    const lines = split(chunks, 4096);
    expect(lines.map((line) => [line.line, line.text.length, line.tooLong])).toEqual([
      [1, 5, false],
      [2, 4096, true],
      [3, 4, false],
    ]);
  });
});

describe('inputs', () => {
  it('orders a rotated set oldest first wherever the set appears', () => {
    expect(orderRotatedSets(['audit.log', 'audit.log.1', 'audit.log.10', 'audit.log.2', 'other.log'])).toEqual([
      'audit.log.10', 'audit.log.2', 'audit.log.1', 'audit.log', 'other.log',
    ]);
  });

  it('reads a directory as its rotated set, carrying on across files', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-rotated-'));
    writeFileSync(join(directory, 'audit.log'), 'newest\n');
    writeFileSync(join(directory, 'audit.log.1'), 'middle\n');
    writeFileSync(join(directory, 'audit.log.2'), 'oldest\nstill oldest');
    const inputs = await resolveInputs([directory]);
    const seen: string[] = [];
    await readInputs(inputs, (file, line) => seen.push(`${file.slice(directory.length + 1)}:${line.line}:${line.text}`));
    expect(seen).toEqual(['audit.log.2:1:oldest', 'audit.log.2:2:still oldest', 'audit.log.1:1:middle', 'audit.log:1:newest']);
  });

  it('names a missing input', async () => {
    await expect(resolveInputs(['/nonexistent/audit.log'])).rejects.toThrow('/nonexistent/audit.log: no such file or directory');
  });
});
