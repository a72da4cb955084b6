// auvirt --format json --summary: the summary's counts are in the JSON document (they were dropped), the same
// counts the text summary prints, on the real captures and on a generated log.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const auvirt = (...args: string[]) => {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 28 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
};

const generated = join(mkdtempSync(join(tmpdir(), 'virt-audit-json-summary-')), 'generated.log');
spawnSync(process.execPath, [join(import.meta.dirname, '../dist/scripts/gen-log.js'), '--lines', '20000', '--seed', '7', '--out', generated]);

describe('auvirt --format json --summary', () => {
  it.each([['raw capture', RAW_CAPTURE], ['enriched capture', ENRICHED_CAPTURE], ['generated log', generated]])('%s: the JSON summary says what the text summary says', (_name, file) => {
    const text = auvirt('--summary', '--file', file);
    const value = (label: string) => Number(new RegExp(`^${label}\\s+(\\d+)$`, 'm').exec(text)![1]);
    const { summary, sessions } = JSON.parse(auvirt('--format', 'json', '--summary', '--file', file)) as { summary: Record<string, unknown>; sessions: unknown[] };
    expect(sessions.length).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      starts: value('Number of guest starts:'), stops: value('Number of guest stops:'), resourceAssignments: value('Number of resource assignments:'),
      avcs: value('Number of related AVCs:'), anomalies: value('Number of related anomalies:'), failedOperations: value('Number of failed operations:'),
      hostShutdowns: value('Number of host shutdowns:'), unmatchedAvcsAndAnomalies: value('Unmatched AVCs and anomalies:'),
    });
    expect(summary.starts as number).toBeGreaterThan(0);
  });

  it('without --summary the JSON has no summary', () => {
    expect(JSON.parse(auvirt('--format', 'json', '--file', RAW_CAPTURE))).not.toHaveProperty('summary');
  });
});
