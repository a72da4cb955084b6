// completion/virt-audit.bash: what `npm run gen:completion` makes from the commands' option tables (stale
// files fail here), and bash completes commands, subcommands and options with it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { virtAuditCompletion } from '../scripts/gen-completion.js';

const FILE = join(import.meta.dirname, '../completion/virt-audit.bash');

/** What bash completes for the words (the last one being typed). */
function complete(...words: string[]): string[] {
  const array = words.map((word) => `'${word}'`).join(' ');
  const fn = words[0] === 'auvirt' ? '_auvirt' : '_virt_audit';
  const script = `source '${FILE}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; ${fn}; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('is the generated file (run npm run gen:completion after changing an option)', () => {
    expect(readFileSync(FILE, 'utf8') === virtAuditCompletion(), 'completion/virt-audit.bash is stale').toBe(true);
  });

  it('completes commands, subcommands and their options, auvirt\'s too', () => {
    expect(complete('virt-audit', 'co')).toEqual(['conform']);
    expect(complete('virt-audit', 'conform', '--jo')).toEqual(['--journal']);
    expect(complete('virt-audit', 'lifecycle', 'st')).toEqual(['start', 'stop']);
    expect(complete('virt-audit', 'lifecycle', 'start', '--dom')).toEqual(['--domain']);
    expect(complete('virt-audit', 'report', '--comp')).toEqual(['--compat']);
    expect(complete('auvirt', '--all')).toEqual(['--all-events']);
    expect(complete('auvirt', '--format', 'j')).toEqual(['json']);
    expect(complete('auvirt', '--start', 'week')).toEqual(['week-ago']);
  });
});

/** What zsh's bashcompinit hands zsh for the words (zsh itself then keeps those that start with the last word). */
function zshCandidates(fn: string, ...words: string[]): string[] {
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const script = [
    'autoload -U +X compinit && compinit -u', 'autoload -U +X bashcompinit && bashcompinit', `source '${FILE}'`,
    `print -r -- "registered: $_comps[virt-audit] $_comps[auvirt]"`,
    `words=(${quoted}); CURRENT=${words.length}; COMP_WORDS=( "\${words[@]}" ); COMP_CWORD=${words.length - 1}`,
    `compgen -F ${fn} -- '${words.at(-1)!}'`,
  ].join('\n');
  const result = spawnSync('zsh', ['-f', '-c', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  const [registered, ...candidates] = result.stdout.split('\n').filter(Boolean);
  expect(registered).toBe('registered: _bash_complete -o filenames -F _virt_audit _bash_complete -F _auvirt');
  return candidates;
}

const hasZsh = spawnSync('zsh', ['-fc', 'true']).status === 0;

describe.skipIf(!hasZsh)('zsh completion (bashcompinit, as README says)', () => {
  it('finds the subcommand the words name, as bash does', () => {
    const conform = zshCandidates('_virt_audit', 'virt-audit', 'conform', '--jo');
    expect(conform).toContain('--journal');
    expect(conform).not.toContain('verify');
    const lifecycle = zshCandidates('_virt_audit', 'virt-audit', 'lifecycle', 'st');
    expect(lifecycle).toEqual(expect.arrayContaining(['start', 'stop', 'failed-start']));
    expect(lifecycle).not.toContain('conform');
    expect(zshCandidates('_virt_audit', 'virt-audit', 'lifecycle', 'attach', '--fa')).toEqual(expect.arrayContaining(['--failed', '--failed-before-qemu']));
    expect(zshCandidates('_auvirt', 'auvirt', '--format', 'j')).toEqual(['text', 'json', 'ndjson']);
  });
});
