// The package as `npm pack` makes it (issue 17, "Packaging"): a LICENSE, the man pages package.json's `man`
// installs, the bash completion (zsh reads it through bashcompinit), every bin and export target shipped,
// no source map (none pointing at a file not shipped), and no script of its own that npm runs at install.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface Manifest {
  readonly license: string;
  readonly bin: Record<string, string>;
  readonly man: readonly string[];
  readonly exports: Record<string, string | { readonly types: string; readonly default: string }>;
  readonly scripts: Record<string, string>;
}

let files: Set<string>;
let unpacked: string;
let manifest: Manifest;

beforeAll(() => {
  const into = mkdtempSync(join(tmpdir(), 'virt-audit-pack-'));
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', into], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const tarball = join(into, name);
  files = new Set(execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((path) => path.replace(/^package\//, '')));
  execFileSync('tar', ['-xzf', tarball, '-C', into]);
  unpacked = join(into, 'package');
  manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
}, 120_000);

const shipped = (path: string): boolean => files.has(path.replace(/^\.\//, ''));

describe('the packed package', () => {
  it('holds the LICENSE its manifest names', () => {
    expect(shipped('LICENSE')).toBe(true);
    expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).toContain(`${manifest.license} License`);
  });

  it('installs man pages virt-audit.1 and auvirt.8 (package.json man), and ships the completion', () => {
    expect([...manifest.man].sort()).toEqual(['./man/auvirt.8', './man/virt-audit.1']);
    for (const page of manifest.man) expect(shipped(page), page).toBe(true);
    expect(shipped('completion/virt-audit.bash')).toBe(true);
  });

  it('ships every bin (with its #! line) and every export target', () => {
    for (const [name, path] of Object.entries(manifest.bin)) {
      expect(shipped(path), name).toBe(true);
      expect(readFileSync(join(unpacked, path), 'utf8').startsWith('#!/usr/bin/env '), name).toBe(true);
    }
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      expect(shipped(target.types), `${entry} types`).toBe(true);
      expect(shipped(target.default), `${entry} default`).toBe(true);
    }
  });

  it('has no source map, and no code names one', () => {
    expect([...files].filter((path) => path.endsWith('.map'))).toEqual([]);
    const naming = [...files].filter((path) => /\.(c?js|d\.ts)$/.test(path) && readFileSync(join(unpacked, path), 'utf8').includes('sourceMappingURL'));
    expect(naming).toEqual([]);
  });

  it('runs no script of its own when installed (preinstall, install, postinstall; prepare runs only from a checkout)', () => {
    expect(Object.keys(manifest.scripts).filter((name) => ['preinstall', 'install', 'postinstall'].includes(name))).toEqual([]);
  });
});

describe('README for a user installing the package', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);

  it('shows a dry-run sink before any example that writes real records, and says which ones do', () => {
    const emitting = blocks.filter((code) => code.includes('new Emitter('));
    expect(emitting.length).toBeGreaterThan(0);
    expect(emitting[0]).toMatch(/new MemorySink\(\)|LineSink\.(stdout|file)\(/);
    expect(emitting[0]).not.toContain('LibauditSink');
    const firstReal = blocks.findIndex((code) => code.includes('new LibauditSink('));
    expect(firstReal).toBeGreaterThan(blocks.indexOf(emitting[0]!));
    expect(readme).toMatch(/\*\*Only `LibauditSink` writes REAL records into the host's audit trail\*\*/);
    expect(readme).toMatch(/`virt-audit emit` without `--sink`\s+does the same/);
  });

  it('runs every shell example that writes real records only after a dry run, under a comment saying so', () => {
    const shellBlocks = [...readme.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map((match) => match[1]!);
    const emitLines = shellBlocks.flatMap((code) => code.split('\n')).filter((line) => /\bvirt-audit emit\b/.test(line));
    expect(emitLines.length).toBeGreaterThan(0);
    const firstReal = emitLines.findIndex((line) => !/--sink (stdout|file:)/.test(line));
    expect(firstReal).toBeGreaterThan(0);
    for (const code of shellBlocks) {
      const lines = code.split('\n');
      lines.forEach((line, index) => {
        if (!/\bvirt-audit emit\b/.test(line) || /--sink (stdout|file:)/.test(line)) return;
        const comment = lines.slice(0, index).reverse().find((before) => before.trimStart().startsWith('#'));
        expect(comment, line).toMatch(/write real records/);
      });
    }
  });

  it('says a global install puts auvirt ahead of the distribution\'s /usr/bin/auvirt', () => {
    const auvirt = readme.slice(readme.indexOf('## `auvirt`'), readme.indexOf('\n## ', readme.indexOf('## `auvirt`') + 1));
    expect(auvirt).toMatch(/installed globally[\s\S]{0,80}found before Debian's `\/usr\/bin\/auvirt`/);
  });
});
