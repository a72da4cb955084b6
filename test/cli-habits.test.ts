// The habits users bring to every command: --version and --help everywhere (search and aureport parse by
// hand: their help must still list every option they take), report listed among the commands, the
// scripts' usage instead of a stack trace, and a progress line with the percent of the total on a terminal.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressText } from '../cli/progress.js';
import { generateLog } from '../scripts/gen-log.js';

const ROOT = join(import.meta.dirname, '..');
const node = (file: string, ...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist', file), ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('--version and --help on every command', () => {
  it('every subcommand answers --version with the package version', () => {
    for (const command of [['verify'], ['emit'], ['lifecycle'], ['lifecycle', 'start'], ['search'], ['aureport'], ['conform'], ['report']]) {
      const result = node('cli/virt-audit.js', ...command, '--version');
      expect([result.status, result.stdout], command.join(' ')).toEqual([0, command[0] === 'report' ? `auvirt (virt-audit) ${version}\n` : `virt-audit ${version}\n`]);
    }
  });

  it('virt-audit --help lists report with the other commands', () => {
    const help = node('cli/virt-audit.js', '--help').stdout;
    expect(help).toMatch(/^ {2}report\b/m);
    expect(help.slice(help.search(/^ {2}report\b/m))).toMatch(/^ {2}report\s+guest sessions[^]*auvirt/);
  });

  it('search --help and aureport --help list every option their parsers take', () => {
    const sources = ['cli/audit-tool-args.ts', 'cli/search-command.ts', 'cli/aureport-command.ts'].map((file) => readFileSync(join(ROOT, file), 'utf8'));
    const taken = (source: string): string[] => [...source.matchAll(/case '(-[-a-z]+)':/g)].map((match) => match[1]!);
    const shared = taken(sources[0]!);
    for (const [command, source] of [['search', sources[1]!], ['aureport', sources[2]!]] as const) {
      const help = node('cli/virt-audit.js', command, '--help');
      expect(help.status).toBe(0);
      for (const option of [...shared, ...taken(source)]) expect(help.stdout, `${command} ${option}`).toMatch(new RegExp(`(^|[\\s,\\[(|])${option}[\\s,:\\])|]`, 'm'));
    }
  });

  it('npm run bench -- --help and npm run gen -- --help print their usage, not a stack trace', () => {
    for (const script of ['scripts/bench.js', 'scripts/gen-log.js']) {
      const help = node(script, '--help');
      expect([help.status, help.stderr], script).toEqual([0, '']);
      expect(help.stdout).toMatch(/^usage: npm run (bench|gen) -- /);
      const wrong = node(script, '--no-such-option');
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toMatch(/usage: npm run/);
      expect(wrong.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('progress on a terminal', () => {
  it('bytes read, and the percent of the total when it is known', () => {
    expect(progressText(12_345_678, undefined)).toBe('virt-audit: 12.3 MB read');
    expect(progressText(50_000_000, 200_000_000)).toBe('virt-audit: 50.0 MB read (25% of 200.0 MB)');
    expect(progressText(300, 200)).toMatch(/\(100% of/);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('verify, search, aureport and auvirt show it on a terminal only, with the percent; their output unchanged', () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-progress-'));
    const file = join(directory, 'big.log');
    writeFileSync(file, `${[...generateLog({ lines: 120_000, seed: 3, nodes: 0, guests: 16 })].join('\n')}\n`);
    const commands: Array<[string, string[]]> = [
      ['cli/virt-audit.js', ['verify', '--format', 'json', file]],
      ['cli/virt-audit.js', ['search', '-vm', 'guest', file]],
      ['cli/virt-audit.js', ['aureport', file]],
      ['cli/auvirt.js', ['--file', file]],
    ];
    for (const [bin, args] of commands) {
      const output = join(directory, 'out.txt');
      const transcript = join(directory, 'tty.log');
      const line = `${process.execPath} ${join(ROOT, 'dist', bin)} ${args.join(' ')} > ${output}`;
      const run = spawnSync('/usr/bin/script', ['-qc', line, transcript], { timeout: 120_000 });
      expect(run.status, args.join(' ')).not.toBeNull();
      expect(readFileSync(transcript, 'latin1'), args.join(' ')).toMatch(/\r\x1b\[Kvirt-audit: [\d.]+ MB read \(\d+% of [\d.]+ MB\)/);
      const plain = node(bin, ...args);
      expect(plain.stderr, args.join(' ')).not.toContain('MB read');
      expect(readFileSync(output, 'utf8')).toBe(plain.stdout);
    }
  }, 300_000);
});
