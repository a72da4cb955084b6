// Every declaration the package's entry points reach is documented: TypeDoc (the tool package of
// tools/typedoc, `npm ci --prefix tools/typedoc`) reads the entry points as `npm run docs:api` does and its
// validation names each export, member and signature without TSDoc, each type reached but not exported,
// each broken {@link}. The test counts them and fails above zero.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const TOOL = join(ROOT, 'tools/typedoc');
const TYPEDOC = join(TOOL, 'node_modules/typedoc/bin/typedoc');
const installed = existsSync(TYPEDOC);
// CI installs the tool package; elsewhere the test says how and is skipped.
const required = process.env.VIRT_AUDIT_REQUIRE_API_DOCS === '1';
if (!installed && !required) console.warn('api-docs.test.ts skipped: run `npm ci --prefix tools/typedoc` to check the API documentation');

/** TypeDoc's warnings (validation on, nothing written) for a configuration, one per line without colours. */
function typedocWarnings(args: readonly string[]): string[] {
  const run = spawnSync(process.execPath, [TYPEDOC, ...args, '--emit', 'none', '--treatWarningsAsErrors', 'false', '--logLevel', 'Warn'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  expect(run.error).toBeUndefined();
  // eslint-disable-next-line no-control-regex
  const lines = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  return lines.filter((line) => line.startsWith('[warning]') && !/^\[warning\] Found \d+ errors and \d+ warnings/.test(line));
}

const undocumented = (warnings: readonly string[]): string[] => warnings.filter((line) => line.includes('does not have any documentation'));

describe.skipIf(!installed && !required)('the API reference (TypeDoc)', () => {
  it('is installed where it is required', () => {
    expect(installed, 'tools/typedoc is not installed: npm ci --prefix tools/typedoc').toBe(true);
  });

  it('counts an undocumented export and an undocumented member', () => {
    const project = mkdtempSync(join(tmpdir(), 'virt-audit-typedoc-'));
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true }, include: ['src'] }));
    writeFileSync(join(project, 'src/index.ts'), [
      '/** Documented. */',
      'export interface Shown {',
      '  readonly undocumentedMember: string;',
      '  /** Documented. */',
      '  readonly documentedMember: number;',
      '}',
      'export function undocumentedFunction(): void {}',
      '/** Documented. */',
      'export const documented = 1;',
      '',
    ].join('\n'));
    // The project's own TypeDoc configuration, on this project's entry point.
    writeFileSync(join(project, 'typedoc.json'), JSON.stringify({ extends: [join(TOOL, 'typedoc.json')], entryPoints: ['./src/index.ts'], tsconfig: './tsconfig.json', intentionallyNotExported: [] }));
    const warnings = typedocWarnings(['--options', join(project, 'typedoc.json')]);
    expect(undocumented(warnings).map((line) => /\[warning\] (\S+)/.exec(line)?.[1]).sort()).toEqual(['Shown.undocumentedMember', 'undocumentedFunction']);
  }, 180_000);

  it('finds every declaration of the entry points documented, every type they reach exported, every link whole', () => {
    const warnings = typedocWarnings(['--options', join(TOOL, 'typedoc.json')]);
    expect(undocumented(warnings), 'undocumented').toEqual([]);
    expect(warnings).toEqual([]);
  }, 180_000);
});
