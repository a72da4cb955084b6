// Every ```ts block of README.md type-checks, as a module of a fresh strict TypeScript project with the
// package installed: against the published declarations (dist/**/*.d.ts through package.json's exports),
// not the sources. What a block leaves to its reader it says with `declare const`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({ line: README.slice(0, match.index).split('\n').length, code: match[1]! }));

/** Type-checks the blocks, each a module of its own; tsc's diagnostics, with the README line of each block's first line. */
function typeCheck(blocks: ReadonlyArray<{ readonly line: number; readonly code: string }>): { readonly status: number | null; readonly output: string } {
  const project = mkdtempSync(join(tmpdir(), 'virt-audit-readme-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'virt-audit'));
  // The test API's example runs under vitest, the package's optional peer dependency.
  symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const files = blocks.map((block) => `readme-line-${block.line}.ts`);
  blocks.forEach((block, index) => writeFileSync(join(project, files[index]!), block.code));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true,
      types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], noUncheckedIndexedAccess: true, skipLibCheck: false,
    },
    files,
  }));
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('README.md examples', () => {
  it('are there: reading, the dry run, real records, the test API', () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(4);
    expect(BLOCKS.some((block) => block.code.includes("from 'virt-audit/sessions'"))).toBe(true);
    expect(BLOCKS.some((block) => block.code.includes('new MemorySink()'))).toBe(true);
    expect(BLOCKS.some((block) => block.code.includes("from 'virt-audit/testing'"))).toBe(true);
  });

  it('each type-checks against the published declarations, strict', () => {
    const { status, output } = typeCheck(BLOCKS);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('fail to type-check when one misuses the API (a field the narrowed record does not have)', () => {
    const reading = BLOCKS.find((block) => block.code.includes("record['new-disk']"))!;
    const broken = { line: reading.line, code: reading.code.replace("record['new-disk']", "record['new-mem']") };
    const { status, output } = typeCheck([broken]);
    expect(status).not.toBe(0);
    expect(output).toMatch(new RegExp(`readme-line-${reading.line}\\.ts.*new-mem`));
  }, 120_000);
});
