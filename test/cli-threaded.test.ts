// The commands read on a worker thread when run from the build; their bytes must still be the real
// tools' (search, aureport) or the same as reading on the calling thread (auvirt's default report).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { formatReport } from '../verifier/correlator/report-default.js';
import { correlateSessions } from '../verifier/correlator/run-sessions.js';

const present = existsSync('/usr/sbin/ausearch') && existsSync('/usr/sbin/aureport') && existsSync('/usr/bin/auvirt');
const env = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const CLI = join(import.meta.dirname, '..', 'dist', 'cli');

const run = (command: string, args: readonly string[]): string => {
  const result = spawnSync(command, args, { env, timeout: 120_000, maxBuffer: 1 << 28 });
  return `${result.stdout.toString('latin1')}exit ${result.status}\n`;
};

describe.skipIf(!present)('commands from the build (reading thread) on a log of many batches', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-cli-threaded-'));
  const file = join(directory, 'audit.log');
  writeFileSync(file, `${[...generateLog({ lines: 60_000, seed: 11, nodes: 2, guests: 16 })].join('\n')}\n`, 'latin1');

  it('search -vm / -uu: the same bytes as ausearch --raw', () => {
    for (const criteria of [['--vm', 'web'], ['--vm', 'db'], ['--uuid', '0'], ['--vm', 'nothing-like-this']]) {
      const ausearch = criteria[0] === '--vm' ? ['-vm', criteria[1]!] : ['-uu', criteria[1]!];
      expect(run(process.execPath, [join(CLI, 'virt-audit.js'), 'search', ...criteria, file]), criteria.join(' ')).toBe(run('/usr/sbin/ausearch', ['--input', file, '--raw', ...ausearch]));
    }
  }, 120_000);

  it('aureport: the same bytes as aureport --virt', () => {
    for (const flags of [[], ['--summary', '-i'], ['--failed']]) {
      expect(run(process.execPath, [join(CLI, 'virt-audit.js'), 'aureport', ...flags, file]), flags.join(' ')).toBe(run('/usr/sbin/aureport', ['--input', file, '--virt', ...flags]));
    }
  }, 120_000);

  it('auvirt --compat --stdin: the same bytes as the real auvirt reading the same stdin', () => {
    const input = readFileSync(file);
    for (const mode of [['--all-events'], ['--summary'], []]) {
      const ours = spawnSync(process.execPath, [join(CLI, 'auvirt.js'), '--compat', '--stdin', ...mode], { env, input, timeout: 120_000, maxBuffer: 1 << 28 });
      const real = spawnSync('/usr/bin/auvirt', ['--stdin', ...mode], { env, input, timeout: 120_000, maxBuffer: 1 << 28 });
      expect(ours.status, mode.join(' ')).toBe(real.status);
      expect(ours.stdout.toString('latin1'), mode.join(' ')).toBe(real.stdout.toString('latin1'));
    }
  }, 120_000);

  it.skipIf(!existsSync('/usr/bin/script'))('auvirt shows a progress line on stderr when it is a terminal, in both modes, and nothing else changes', () => {
    for (const mode of ['--compat', '']) {
      const output = join(directory, `tty${mode}.txt`);
      const transcript = join(directory, `tty${mode}.log`);
      const command = `${process.execPath} ${join(CLI, 'auvirt.js')} ${mode} --all-events --file ${file} > ${output}`;
      const run = spawnSync('/usr/bin/script', ['-qc', command, transcript], { env, timeout: 120_000 });
      expect(run.status, mode).toBe(0);
      expect(readFileSync(transcript, 'latin1'), mode).toMatch(/\r\x1b\[Kvirt-audit: [\d.]+ MB read/);
      const plain = spawnSync(process.execPath, [join(CLI, 'auvirt.js'), ...(mode === '' ? [] : [mode]), '--all-events', '--file', file], { env, timeout: 120_000, maxBuffer: 1 << 28 });
      expect(plain.stderr.toString(), mode).toBe('');
      expect(readFileSync(output, 'latin1'), mode).toBe(plain.stdout.toString('latin1'));
    }
  }, 120_000);

  it('auvirt names an input it cannot read, without a stack trace, in both modes', () => {
    for (const mode of [['--compat'], []]) {
      const result = spawnSync(process.execPath, [join(CLI, 'auvirt.js'), ...mode, '--file', directory], { env, timeout: 60_000 });
      expect(result.status, mode.join(' ')).toBe(1);
      expect(result.stderr.toString()).toBe(`Error: ${directory}: EISDIR: illegal operation on a directory, read\n`);
      expect(result.stdout.toString()).toBe('');
    }
  });

  it('auvirt --debug: the options dump and exit line of the real one, on stdout and stderr', () => {
    for (const mode of [['--compat'], []]) {
      const args = ['--debug', '--file', file, '--vm', 'web', '--start', 'today', '--all-events'];
      const ours = spawnSync(process.execPath, [join(CLI, 'auvirt.js'), ...mode, ...args], { env, timeout: 120_000, maxBuffer: 1 << 28 });
      const real = spawnSync('/usr/bin/auvirt', args, { env, timeout: 120_000, maxBuffer: 1 << 28 });
      expect(ours.stderr.toString('latin1'), mode.join(' ')).toBe(real.stderr.toString('latin1'));
      if (mode.length > 0) expect(ours.stdout.toString('latin1')).toBe(real.stdout.toString('latin1'));
      expect(ours.stdout.toString('latin1')).toMatch(/Exit code: 0\n$/);
    }
  }, 120_000);

  it("auvirt's default report: the same as reading on the calling thread", async () => {
    const flags = { allEvents: true, showUuid: true, proof: true };
    const correlator = await correlateSessions([{ kind: 'file', path: file }]);
    const inThread = formatReport(correlator, flags, {});
    const threaded = spawnSync(process.execPath, [join(CLI, 'auvirt.js'), '--all-events', '--show-uuid', '--proof', '--file', file], { env, timeout: 120_000, maxBuffer: 1 << 28 });
    expect(threaded.status).toBe(0);
    expect(threaded.stdout.toString('latin1')).toBe(inThread);
  }, 120_000);
});
