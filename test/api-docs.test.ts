// Every declaration the package's entry points reach is documented: TypeDoc (the tool package of
// tools/typedoc, `npm ci --prefix tools/typedoc`) reads the entry points as `npm run docs:api` does and its
// validation names each export, member and signature without TSDoc, each type reached but not exported,
// each broken {@link}. The test counts them and fails above zero.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeCheckSnippets, type Snippet } from './support/type-check.js';

const ROOT = join(import.meta.dirname, '..');
const TOOL = join(ROOT, 'tools/typedoc');
const TYPEDOC = join(TOOL, 'node_modules/typedoc/bin/typedoc');
const installed = existsSync(TYPEDOC);
// CI installs the tool package; elsewhere the test says how and is skipped.
const required = process.env.VIRT_AUDIT_REQUIRE_API_DOCS === '1';
if (!installed && !required) console.warn('api-docs.test.ts skipped: run `npm ci --prefix tools/typedoc` to check the API documentation');

/**
 * TypeDoc's warnings (validation on) for a configuration, one per line without colours. With `json`, its JSON
 * model is written there (and the HTML beside it, in a temporary directory); else nothing is written.
 */
function typedocWarnings(args: readonly string[], json?: string): string[] {
  const outputs = json === undefined ? ['--emit', 'none'] : ['--json', json, '--out', join(dirname(json), 'html')];
  const run = spawnSync(process.execPath, [TYPEDOC, ...args, ...outputs, '--treatWarningsAsErrors', 'false', '--logLevel', 'Warn'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  expect(run.error).toBeUndefined();
  // eslint-disable-next-line no-control-regex
  const lines = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  return lines.filter((line) => line.startsWith('[warning]') && !/^\[warning\] Found \d+ errors and \d+ warnings/.test(line));
}

const undocumented = (warnings: readonly string[]): string[] => warnings.filter((line) => line.includes('does not have any documentation'));

/** The parts of TypeDoc's JSON model read here. */
interface Reflection {
  readonly name: string;
  readonly kind: number;
  readonly children?: readonly Reflection[];
  readonly signatures?: readonly Reflection[];
  readonly parameters?: readonly Reflection[];
  readonly comment?: { readonly summary?: readonly unknown[]; readonly blockTags?: ReadonlyArray<{ readonly tag: string; readonly content: ReadonlyArray<{ readonly kind: string; readonly text: string }> }> };
  readonly type?: { readonly type: string; readonly name?: string; readonly typeArguments?: ReadonlyArray<{ readonly type: string; readonly name?: string }> };
  readonly flags?: { readonly isExternal?: boolean };
}

const CALL_SIGNATURE = 4096;
const CONSTRUCTOR_SIGNATURE = 16384;
const isVoid = (type: Reflection['type']): boolean =>
  type !== undefined && ((type.type === 'intrinsic' && type.name === 'void') || (type.type === 'reference' && type.name === 'Promise' && type.typeArguments?.[0]?.name === 'void'));

/** Functions, methods and constructors whose parameters lack `@param` text, or that return a value without `@returns`. */
function incompleteSignatures(node: Reflection, path: readonly string[] = []): string[] {
  // Members a class inherits from the platform (Error's captureStackTrace…) are documented there.
  if (node.flags?.isExternal === true) return [];
  const here = node.kind === 1 ? path : [...path, node.name];
  const found: string[] = [];
  for (const signature of node.signatures ?? []) {
    if (signature.kind !== CALL_SIGNATURE && signature.kind !== CONSTRUCTOR_SIGNATURE) continue;
    const bare = (signature.parameters ?? []).filter((parameter) => (parameter.comment?.summary?.length ?? 0) === 0).map((parameter) => parameter.name);
    if (bare.length > 0) found.push(`${here.join('.')}: @param ${bare.join(', ')}`);
    const returns = signature.comment?.blockTags?.some((tag) => tag.tag === '@returns') ?? false;
    if (signature.kind === CALL_SIGNATURE && !returns && !isVoid(signature.type)) found.push(`${here.join('.')}: @returns`);
  }
  for (const child of node.children ?? []) found.push(...incompleteSignatures(child, here));
  return found;
}

/** The code of every @example, named by where it is documented. */
function examples(node: Reflection, path: readonly string[] = []): Snippet[] {
  const here = node.kind === 1 ? path : [...path, node.name];
  const found: Snippet[] = [];
  for (const reflection of [node, ...(node.signatures ?? [])]) {
    for (const tag of reflection.comment?.blockTags ?? []) {
      if (tag.tag !== '@example') continue;
      const code = tag.content.filter((part) => part.kind === 'code').map((part) => part.text.replace(/^```ts\n/, '').replace(/```$/, '')).join('\n');
      found.push({ name: `example-${here.join('.').replace(/[^\w.-]+/g, '_')}-${found.length}`, code });
    }
  }
  for (const child of node.children ?? []) found.push(...examples(child, here));
  return found;
}

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

  it('finds a parameter without @param text and a return value without @returns', () => {
    const project = mkdtempSync(join(tmpdir(), 'virt-audit-typedoc-'));
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true }, include: ['src'] }));
    writeFileSync(join(project, 'src/index.ts'), [
      '/**',
      ' * Half documented.',
      ' *',
      ' * @param a - Described.',
      ' */',
      'export function half(a: number, b: number): number { return a + b; }',
      '/**',
      ' * Whole.',
      ' *',
      ' * @param a - Described.',
      ' * @returns Described.',
      ' */',
      'export function whole(a: number): number { return a; }',
      '/** Returns nothing: needs no @returns. */',
      'export function nothing(): void {}',
      '',
    ].join('\n'));
    writeFileSync(join(project, 'typedoc.json'), JSON.stringify({ extends: [join(TOOL, 'typedoc.json')], entryPoints: ['./src/index.ts'], tsconfig: './tsconfig.json', intentionallyNotExported: [] }));
    const json = join(project, 'api.json');
    typedocWarnings(['--options', join(project, 'typedoc.json')], json);
    expect(incompleteSignatures(JSON.parse(readFileSync(json, 'utf8')) as Reflection)).toEqual(['half: @param b', 'half: @returns']);
  }, 180_000);

  it('finds every declaration of the entry points documented, every type they reach exported, every link whole, every parameter and return value described', () => {
    const json = join(mkdtempSync(join(tmpdir(), 'virt-audit-typedoc-')), 'api.json');
    const warnings = typedocWarnings(['--options', join(TOOL, 'typedoc.json')], json);
    expect(undocumented(warnings), 'undocumented').toEqual([]);
    expect(warnings).toEqual([]);
    const project = JSON.parse(readFileSync(json, 'utf8')) as Reflection;
    expect(project.children?.map((module) => module.name).sort()).toEqual(['virt-audit', 'virt-audit/emitter', 'virt-audit/sessions', 'virt-audit/testing', 'virt-audit/testing/vitest', 'virt-audit/verifier']);
    expect(incompleteSignatures(project)).toEqual([]);
    // Each @example is code a user can paste: it type-checks against the published declarations.
    const snippets = examples(project);
    expect(snippets.map((snippet) => snippet.name.replace(/-\d+$/, ''))).toEqual(expect.arrayContaining([
      'example-virt-audit_verifier.verify', 'example-virt-audit_sessions.readSessions', 'example-virt-audit_emitter.Emitter',
      'example-virt-audit_emitter.auditStart', 'example-virt-audit_testing.AuditCapture',
    ]));
    const { status, output } = typeCheckSnippets(snippets);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 180_000);
});
