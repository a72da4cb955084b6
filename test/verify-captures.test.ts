import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';
import { runCli } from './support/cli.js';

const grepVirt = (path: string): number => readFileSync(path, 'latin1').split('\n').filter((line) => line.includes('type=VIRT_')).length;

describe.each([
  ['RAW', RAW_CAPTURE],
  ['ENRICHED', ENRICHED_CAPTURE],
])('virt-audit verify on the real %s capture', (_form, capture) => {
  const result = runCli(['verify', '--format', 'json', capture]);
  const report = JSON.parse(result.stdout) as { summary: Record<string, number>; violations: unknown[] };

  it('exits 0 with no violation', () => {
    expect(result.status).toBe(0);
    expect(report.violations).toEqual([]);
    expect(report.summary.invalid).toBe(0);
  });

  it("counts exactly the VIRT records grep -c 'type=VIRT_' counts, all valid", () => {
    expect(report.summary.virtRecords).toBe(grepVirt(capture));
    expect(report.summary.valid).toBe(report.summary.virtRecords);
  });

  it('accounts for every line', () => {
    const { lines, records, blank, separators, rejected } = report.summary;
    expect(lines).toBe(readFileSync(capture, 'latin1').split('\n').length - 1);
    expect(records! + blank! + separators! + rejected!).toBe(lines);
  });
});

it('reads both captures from stdin too', () => {
  const input = Buffer.concat([readFileSync(RAW_CAPTURE), readFileSync(ENRICHED_CAPTURE)]);
  const result = runCli(['verify', '--format', 'json', '-'], input);
  expect(result.status).toBe(0);
  expect((JSON.parse(result.stdout) as { summary: { virtRecords: number } }).summary.virtRecords).toBe(grepVirt(RAW_CAPTURE) + grepVirt(ENRICHED_CAPTURE));
});
