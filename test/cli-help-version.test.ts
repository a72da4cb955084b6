// The habits users bring: --help shows every option, --version answers; under --compat, auvirt 3.0.9's
// own usage line and its refusal of --version (compared with the real auvirt where it is installed).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = (name: string) => join(import.meta.dirname, `../dist/cli/${name}.js`);
const run = (name: string, ...args: string[]) => spawnSync(process.execPath, [bin(name), ...args], { encoding: 'utf8' });
const version = (JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { version: string }).version;
const realAuvirt = existsSync('/usr/bin/auvirt') ? (...args: string[]) => spawnSync('/usr/bin/auvirt', args, { encoding: 'utf8' }) : null;

describe('auvirt --help and --version', () => {
  it('--help lists every option the parser takes', () => {
    const source = readFileSync(join(import.meta.dirname, '../verifier/auvirt/auvirt-options.ts'), 'utf8');
    const options = [...source.matchAll(/case '(-[-a-z]+)':/g)].map((match) => match[1]!);
    expect(options.length).toBeGreaterThan(15);
    const help = run('auvirt', '--help');
    expect(help.status).toBe(0);
    for (const option of options) expect(help.stdout, option).toMatch(new RegExp(`(^|[\\s,\\[])${option}[\\s,\\]]`, 'm'));
  });

  it('--compat --help is auvirt 3.0.9\'s usage line, --compat --version its unknown option', () => {
    const help = run('auvirt', '--compat', '--help');
    const refused = run('auvirt', '--compat', '--version');
    expect(help.stdout.split('\n')).toHaveLength(2);
    expect(refused.status).toBe(1);
    if (realAuvirt) {
      expect(help.stdout).toBe(realAuvirt('--help').stdout);
      expect([refused.status, refused.stderr]).toEqual([realAuvirt('--version').status, realAuvirt('--version').stderr]);
    }
  });

  it('--version names the package version', () => {
    expect(run('auvirt', '--version').stdout).toBe(`auvirt (virt-audit) ${version}\n`);
    expect(run('virt-audit', '--version').stdout).toBe(`virt-audit ${version}\n`);
    expect(run('virt-audit', '-V').status).toBe(0);
  });

  it('virt-audit --help lists every command, report (auvirt) among them', () => {
    const help = run('virt-audit', '--help').stdout;
    for (const command of ['verify', 'emit', 'lifecycle', 'search', 'aureport', 'conform']) expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(help).toContain('virt-audit report --help');
    expect(run('virt-audit', 'report', '--help').stdout).toContain('--compat');
  });
});
