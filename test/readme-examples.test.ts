// Every ```ts block of README.md type-checks, as a module of a fresh strict TypeScript project with the
// package installed: against the published declarations (dist/**/*.d.ts through package.json's exports),
// not the sources. What a block leaves to its reader it says with `declare const`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeCheckSnippets } from './support/type-check.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({ name: `readme-line-${README.slice(0, match.index).split('\n').length}`, code: match[1]! }));

describe('README.md examples', () => {
  it('are there: reading, the dry run, real records, the test API', () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(4);
    expect(BLOCKS.some((block) => block.code.includes("from 'virt-audit/sessions'"))).toBe(true);
    expect(BLOCKS.some((block) => block.code.includes('new MemorySink()'))).toBe(true);
    expect(BLOCKS.some((block) => block.code.includes("from 'virt-audit/testing'"))).toBe(true);
  });

  it('each type-checks against the published declarations, strict', () => {
    const { status, output } = typeCheckSnippets(BLOCKS);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('fail to type-check when one misuses the API (a field the narrowed record does not have)', () => {
    const reading = BLOCKS.find((block) => block.code.includes("record['new-disk']"))!;
    const { status, output } = typeCheckSnippets([{ name: reading.name, code: reading.code.replace("record['new-disk']", "record['new-mem']") }]);
    expect(status).not.toBe(0);
    expect(output).toMatch(new RegExp(`${reading.name}\\.ts.*new-mem`));
  }, 120_000);
});
