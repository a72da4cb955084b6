// verify reads files on a worker thread where the build allows (the compiled one: run here in a child
// process), and checks records there as well as here. Its findings — counts, problems, warnings kept and
// counted, JSON forms of --records, the findings handed on as they are found — and their order must be exactly those of one thread, for any damaged log.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenLog } from './support/broken-log.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';

const DIST_VERIFY = join(import.meta.dirname, '..', 'dist', 'verifier', 'verify.js');

const script = `
  const { verify } = await import(process.argv[1]);
  const files = JSON.parse(process.argv[2]);
  const run = async (path, threaded, maxLineBytes) => {
    const records = [];
    const found = [];
    const result = await verify([{ kind: 'file', path }], { threaded, maxLineBytes, onVirtRecord: (json, diagnostics) => records.push([json, diagnostics]), onFinding: (diagnostic) => found.push(diagnostic) });
    // Without --records the reading thread checks records too: while the checks lag behind, and all of them.
    // The findings as they are found, as few of them held as may be.
    const streamed = [];
    const shared = await verify([{ kind: 'file', path }], { threaded, maxLineBytes, keepFindings: 3, onFinding: (diagnostic) => streamed.push(diagnostic) });
    const there = await verify([{ kind: 'file', path }], { threaded, maxLineBytes, readingThreadChecksFrom: 0 });
    // The reading thread checks with the profile asked for.
    const legacy = await verify([{ kind: 'file', path }], { threaded, maxLineBytes, readingThreadChecksFrom: 0, profile: 'legacy' });
    return JSON.stringify({ result, records, found, shared, streamed, there, legacy });
  };
  const outcomes = [];
  for (const [path, maxLineBytes] of files) {
    const threaded = await run(path, true, maxLineBytes);
    const single = await run(path, false, maxLineBytes);
    const { result } = JSON.parse(single);
    outcomes.push({ path, same: threaded === single, virtRecords: result.summary.virtRecords, warnings: result.summary.warnings, ...(threaded === single ? {} : { threaded: threaded.slice(0, 3000), single: single.slice(0, 3000) }) });
  }
  console.log(JSON.stringify(outcomes));`;

describe('verify on a reading thread', () => {
  it('finds exactly what one thread finds, in the same order (damaged logs, the captures)', () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-verify-threaded-'));
    const logs = [...fc.sample(brokenLog(2500), 20), ...fc.sample(brokenLog(80_000, 60_000), 2)].map((log, index) => {
      const path = join(directory, `broken-${index}.log`);
      writeFileSync(path, log.bytes);
      return [path, index % 2 === 0 ? 600 : undefined] as const;
    });
    const files = [...logs, [RAW_CAPTURE, undefined], [ENRICHED_CAPTURE, undefined]];
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', DIST_VERIFY, JSON.stringify(files)], { timeout: 100_000, maxBuffer: 64 << 20 });
    expect(child.stderr.toString()).toBe('');
    const outcomes = JSON.parse(child.stdout.toString()) as Array<{ path: string; same: boolean; virtRecords: number; warnings: number }>;
    expect(outcomes).toHaveLength(files.length);
    for (const outcome of outcomes) expect(outcome, outcome.path).toMatchObject({ same: true });
    // Some damaged logs are long enough for many batches (of 512 KiB of records) and far more warnings than are kept.
    expect(Math.max(...outcomes.map((outcome) => outcome.virtRecords))).toBeGreaterThan(10_000);
    expect(Math.max(...outcomes.map((outcome) => outcome.warnings))).toBeGreaterThan(1_000);
  }, 120_000);
});
