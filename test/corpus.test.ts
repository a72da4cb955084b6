// Runs verify over the public sample lines in ../shared/corpus (data only, never copied here).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verify } from '../verifier/index.js';

const CORPUS = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));
const present = existsSync(CORPUS);
const files = present ? readdirSync(CORPUS).filter((name) => name.endsWith('.log') || name.endsWith('.txt')) : [];

describe.skipIf(!present)('the public corpus in ../shared/corpus', () => {
  it.each(files)('%s: no crash, every line accounted for', async (name) => {
    const { summary } = await verify([{ kind: 'file', path: `${CORPUS}${name}` }]);
    expect(summary.lines).toBeGreaterThan(0);
    expect(summary.records + summary.blank + summary.separators + summary.rejected).toBe(summary.lines);
    expect(summary.valid + summary.invalid + summary.foreign).toBe(summary.virtRecords);
  });

  const find = (part: string): string => `${CORPUS}${files.find((name) => name.includes(part))!}`;

  it('reports dockerd VIRT_CONTROL records as foreign, not as broken libvirt records', async () => {
    const { summary, warnings } = await verify([{ kind: 'file', path: find('ViaQ') }]);
    expect([summary.foreign, summary.invalid]).toEqual([2, 0]);
    expect(warnings.filter((warning) => warning.rule === 'foreign-emitter')).toHaveLength(2);
  });

  it('reads the real libvirt records of journald pastes as valid, lossy records', async () => {
    const { summary } = await verify([{ kind: 'file', path: find('cockpit') }]);
    expect([summary.virtRecords, summary.valid, summary.lossy]).toEqual([6, 6, 6]);
  });

  it('catches the ENRICHED tail glued on without its 0x1D', async () => {
    const { problems } = await verify([{ kind: 'file', path: find('swtpm') }]);
    expect(problems.map((problem) => problem.rule)).toEqual(['text-after-msg', 'text-after-msg']);
  });

  it('rejects the lines of a hard-wrapped record with a hint', async () => {
    const { problems } = await verify([{ kind: 'file', path: find('openshift') }]);
    expect(problems.filter((problem) => problem.severity === 'rejected').map((problem) => problem.line)).toEqual([2, 3]);
  });
});
