// aureport -i against the real aureport --virt -i 3.0.9 in every report (rows, --summary, --failed, --success
// and their mixes) over every stored capture and corpus file, and the captures' golden outputs through the
// CLI. -i changes only the summary's type column (names instead of numbers: aureport-output.c); the rows
// are the same with and without it, which the comparisons hold to.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { virtReport, type VirtReportOptions } from '../verifier/search/virt-report.js';
import { CLI } from './support/cli.js';
import { EXAMPLES, storedLogs } from './support/examples.js';

const AUREPORT = '/usr/sbin/aureport';
const env = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
process.env.TZ = 'UTC';
const present = existsSync(AUREPORT);
if (!present) console.warn('[skip] aureport -i comparisons: the real aureport 3.0.9 is not installed');


const REPORTS: ReadonlyArray<readonly [readonly string[], Omit<VirtReportOptions, 'interpret'>]> = [
  [[], { summary: false }],
  [['--summary'], { summary: true }],
  [['--failed'], { summary: false, only: 'failed' }],
  [['--success'], { summary: false, only: 'success' }],
  [['--summary', '--failed'], { summary: true, only: 'failed' }],
  [['--summary', '--success'], { summary: true, only: 'success' }],
];

const real = (args: readonly string[]): string => {
  const result = spawnSync(AUREPORT, args, { env, timeout: 60_000, maxBuffer: 1 << 26 });
  return `${result.stdout.toString('latin1')}${result.stderr.toString('latin1')}exit ${result.status}`;
};

async function ours(path: string, options: VirtReportOptions): Promise<{ text: string; unread: number }> {
  const out: Buffer[] = [];
  const errors: string[] = [];
  const report = await virtReport([{ kind: 'file', path }], { ...options, onUnreadableStamp: (stamp) => errors.push(`Error extracting time stamp (${stamp})\n`) }, (piece) => out.push(Buffer.from(piece)));
  return { text: `${Buffer.concat(out).toString('latin1')}${errors.join('')}exit ${report.status}`, unread: report.unread.count };
}

describe.skipIf(!present)('aureport -i: the same bytes and exit status as aureport --virt -i', () => {
  it('every report of every stored capture and corpus file; a difference only where this reader leaves lines unread', async () => {
    const differing = new Set<string>();
    let compared = 0;
    for (const log of storedLogs()) {
      for (const [flags, options] of REPORTS) {
        const mine = await ours(log, { ...options, interpret: true });
        const theirs = real(['--virt', ...flags, '-i', '-if', log]);
        compared++;
        if (mine.text === theirs) continue;
        // An `ausearch -i` line with a four-digit year, which aureport reads as second 8: see docs/interpreted-output.md.
        expect(mine.unread, `${log} ${flags.join(' ')}`).toBeGreaterThan(0);
        differing.add(log);
      }
    }
    expect([...differing].filter((log) => log.startsWith(EXAMPLES))).toEqual([]);
    expect(compared - differing.size * REPORTS.length).toBeGreaterThanOrEqual(12 * REPORTS.length);
  }, 300_000);

  it('the CLI against the captures\' golden `aureport --virt -i` outputs', () => {
    const goldens = storedLogs()
      .filter((log) => log.startsWith(EXAMPLES))
      .map((log) => [log, join(dirname(log), 'outputs', `${basename(log, '.log')}.aureport-virt-interpreted.txt`)] as const)
      .filter(([, golden]) => existsSync(golden));
    expect(goldens.length).toBeGreaterThanOrEqual(6);
    for (const [log, golden] of goldens) {
      const result = spawnSync(process.execPath, [CLI, 'aureport', '--virt', '-i', '-if', log], { env, timeout: 60_000 });
      expect([result.status, result.stdout.toString('latin1')], log).toEqual([0, readFileSync(golden).toString('latin1')]);
    }
  }, 120_000);
});
