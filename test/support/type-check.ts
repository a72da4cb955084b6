// Type-checks code as a user of the package writes it: each snippet a module of a fresh strict TypeScript
// project with the package installed (node_modules/virt-audit → this checkout), read through package.json's
// exports, that is against the published declarations (dist/**/*.d.ts), not the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface Snippet {
  /** Where it comes from, made a file name (`readme-line-386`): tsc's diagnostics name it. */
  readonly name: string;
  readonly code: string;
}

/** tsc's exit status and diagnostics for the snippets. */
export function typeCheckSnippets(snippets: readonly Snippet[]): { readonly status: number | null; readonly output: string } {
  const project = mkdtempSync(join(tmpdir(), 'virt-audit-snippets-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'virt-audit'));
  // The test API's examples run under vitest, the package's optional peer dependency.
  symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const files = snippets.map((snippet) => `${snippet.name}.ts`);
  snippets.forEach((snippet, index) => writeFileSync(join(project, files[index]!), snippet.code));
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
