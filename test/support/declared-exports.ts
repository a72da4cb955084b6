// The names a compiled module exports, read from its declaration file (dist/**/*.d.ts as tsc writes them):
// its own exported declarations, its `export { … } from` lists, and through `export * from` /
// `export type * from` the names of the modules it forwards.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const DECLARATION = /^export (?:declare )?(?:abstract )?(?:function|class|const|let|var|enum|interface|type|namespace) ([A-Za-z_$][\w$]*)/gm;
const LIST = /^export (?:type )?\{([^}]*)\}(?: from '([^']+)')?;/gm;
const STAR = /^export (?:type )?\* from '([^']+)';/gm;

export function declaredExports(file: string, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  if (seen.has(file)) return names;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(DECLARATION)) names.add(match[1]!);
  for (const match of text.matchAll(LIST)) {
    for (const part of match[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).at(-1)!.trim();
      if (name !== '') names.add(name);
    }
  }
  for (const match of text.matchAll(STAR)) {
    const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.d.ts'));
    for (const name of declaredExports(target, seen)) names.add(name);
  }
  return names;
}
