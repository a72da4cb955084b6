import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { verify } from '../verifier/index.js';

describe('npm run gen: the benchmark log generator', () => {
  it('is deterministic for a seed and gives exactly the lines asked for', () => {
    const first = [...generateLog({ lines: 3000, seed: 7, nodes: 2, guests: 16 })];
    expect(first).toHaveLength(3000);
    expect([...generateLog({ lines: 3000, seed: 7, nodes: 2, guests: 16 })]).toEqual(first);
    expect([...generateLog({ lines: 3000, seed: 8, nodes: 2, guests: 16 })]).not.toEqual(first);
  });

  it('writes a realistic mix whose VIRT records all verify', async () => {
    const lines = [...generateLog({ lines: 20000, seed: 1, nodes: 0, guests: 64 })];
    const types = new Set(lines.map((line) => /type=(\S+)/.exec(line)![1]));
    for (const type of ['SYSCALL', 'PATH', 'CWD', 'PROCTITLE', 'USER_START', 'VIRT_CONTROL', 'VIRT_RESOURCE', 'VIRT_MACHINE_ID', 'AVC']) expect(types).toContain(type);
    const file = join(mkdtempSync(join(tmpdir(), 'virt-audit-gen-')), 'gen.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { summary, problems } = await verify([{ kind: 'file', path: file }]);
    expect(problems).toEqual([]);
    expect(summary.virtRecords).toBe(lines.filter((line) => line.includes('type=VIRT_')).length);
    expect(summary.virtRecords / summary.lines).toBeGreaterThan(0.1);
  });
});

describe('npm run gen -- --help and bad options', () => {
  const gen = (...args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '../dist/scripts/gen-log.js'), ...args], { encoding: 'utf8' });

  it('--help prints the usage, exit 0; an unknown option or a bad number is named with the usage, exit 2, no stack trace', () => {
    const help = gen('--help');
    expect([help.status, help.stdout.split('\n')[0]]).toEqual([0, 'usage: npm run gen -- [--lines N] [--seed N] [--nodes N] [--guests N] [--out FILE]']);
    for (const [args, message] of [[['--bogus'], "gen: Unknown option '--bogus'"], [['--lines', 'x'], 'gen: --lines must be a non-negative integer']] as const) {
      const result = gen(...args);
      expect(result.status).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
