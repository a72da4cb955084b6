// verify DIR reads the audit logs of a directory (rotated sets oldest first, files that begin with audit
// records) and lists every other file it skipped, with the reason, on stderr and in its JSON output.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { EXAMPLES, RAW_CAPTURE, captureLines } from './support/examples.js';

const verify = (...args: string[]) => {
  const result = spawnSync(process.execPath, [CLI, 'verify', ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('verify DIR', () => {
  it('a rotated set split at generated places reads as the whole log did; the other files are skipped with their reason', () => {
    const lines = captureLines(RAW_CAPTURE);
    const whole = JSON.parse(verify('--format', 'json', RAW_CAPTURE).stdout) as { summary: unknown };
    const splits = fc.sample(fc.uniqueArray(fc.integer({ min: 1, max: lines.length - 1 }), { minLength: 1, maxLength: 3 }), { numRuns: 4, seed: 6 });
    for (const [index, cuts] of splits.entries()) {
      const directory = mkdtempSync(join(tmpdir(), `virt-audit-dir-${index}-`));
      const bounds = [0, ...[...cuts].sort((a, b) => a - b), lines.length];
      const parts = bounds.slice(1).map((end, part) => lines.slice(bounds[part], end));
      // The oldest part is the highest-numbered: audit.log.N … audit.log.1, audit.log.
      parts.forEach((part, part_) => writeFileSync(join(directory, part_ === parts.length - 1 ? 'audit.log' : `audit.log.${parts.length - 1 - part_}`), `${part.join('\n')}\n`, 'latin1'));
      writeFileSync(join(directory, 'capture.journal.json'), '{\n  "steps": []\n}\n');
      writeFileSync(join(directory, 'notes.txt'), 'what this directory holds\n');
      writeFileSync(join(directory, 'empty.log'), '');
      writeFileSync(join(directory, 'core'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
      mkdirSync(join(directory, 'older'));
      const json = verify('--format', 'json', directory);
      expect(json.status, cuts.join(',')).toBe(0);
      const report = JSON.parse(json.stdout) as { summary: unknown; skipped: Array<{ path: string; reason: string }> };
      expect(report.summary).toEqual(whole.summary);
      const expected = [
        [join(directory, 'capture.journal.json'), 'line 1 is not an audit record: starts "{"'],
        [join(directory, 'core'), 'binary (it holds NUL bytes)'],
        [join(directory, 'empty.log'), 'empty'],
        [join(directory, 'notes.txt'), 'line 1 is not an audit record: starts "what this directory holds"'],
        [join(directory, 'older'), 'a directory (name it to read it)'],
      ];
      expect(report.skipped.map((file) => [file.path, file.reason])).toEqual(expected);
      const text = verify(directory);
      expect(text.stderr).toBe(expected.map(([path, reason]) => `verify: skipped ${path}: ${reason}\n`).join(''));
      expect(text.stdout).toMatch(/^lines: \d+ = \d+ records \+ 0 blank \+ 0 rejected$/m);
    }
  });

  it('examples/: the captures read, the journals and host values skipped (not a rejected line each)', () => {
    const result = verify('--format', 'json', EXAMPLES);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { summary: { rejected: number; records: number }; skipped: Array<{ path: string }> };
    expect(report.summary.rejected).toBe(0);
    expect(report.summary.records).toBe(2 * captureLines(RAW_CAPTURE).length);
    expect(report.skipped.map((file) => file.path.replace(EXAMPLES, ''))).toEqual(expect.arrayContaining(['libvirt-capture.raw.journal.json', 'libvirt-capture.enriched.journal.json']));
  });

  it('a directory with no audit log: a usage error naming it, the skipped files listed', () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-nolog-'));
    writeFileSync(join(directory, 'a.json'), '{}\n');
    const result = verify(directory);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`verify: skipped ${join(directory, 'a.json')}: line 1 is not an audit record: starts "{}"\nvirt-audit: no audit log to read in ${directory}\n`);
  });
});
