// virt-audit search / aureport against the real ausearch --raw and aureport --virt, same inputs, same bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { searchVirt, type SearchCriteria } from '../verifier/search/virt-search.js';
import { virtReport, type VirtReportOptions } from '../verifier/search/virt-report.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';

process.env.TZ = 'UTC';
const present = existsSync('/usr/sbin/ausearch') && existsSync('/usr/sbin/aureport');
if (!present) console.warn('[skip] view differential tests: ausearch/aureport (Debian auditd) not installed');
const env = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

const real = (tool: string, args: readonly string[]): string => {
  const result = spawnSync(tool, args, { env, timeout: 60_000 });
  return `${result.stdout.toString('latin1')}exit ${result.status}\n`;
};

async function ourSearch(file: string, criteria: SearchCriteria): Promise<string> {
  const lines: string[] = [];
  const matched = await searchVirt([{ kind: 'file', path: file }], criteria, (line) => lines.push(`${line}\n`));
  return `${lines.join('')}exit ${matched === 0 ? 1 : 0}\n`;
}

async function ourReport(file: string, options: VirtReportOptions): Promise<string> {
  const pieces: Buffer[] = [];
  const report = await virtReport([{ kind: 'file', path: file }], options, (piece) => pieces.push(piece));
  return `${Buffer.concat(pieces).toString('latin1')}exit ${report.status}\n`;
}

const searchArgs = (criteria: SearchCriteria): string[] => [
  ...(criteria.uuid === undefined ? [] : ['-uu', criteria.uuid]),
  ...(criteria.vm === undefined ? [] : ['-vm', criteria.vm]),
  ...(criteria.word ? ['-w'] : []),
];
const REPORTS: ReadonlyArray<readonly [readonly string[], VirtReportOptions]> = [
  [[], { summary: false, interpret: false }],
  [['--summary'], { summary: true, interpret: false }],
  [['--summary', '-i'], { summary: true, interpret: true }],
  [['--failed'], { summary: false, interpret: false, only: 'failed' }],
  [['--success', '--summary'], { summary: true, interpret: false, only: 'success' }],
];

describe.skipIf(!present)('search and aureport views against the real tools', () => {
  it.each([['RAW', RAW_CAPTURE], ['ENRICHED', ENRICHED_CAPTURE]])('the real %s capture', async (_form, capture) => {
    const searches: SearchCriteria[] = [
      { vm: 'vacap' }, { vm: 'vacap-basic', word: true }, { vm: 'vacap', word: true }, { uuid: '5d02' }, { vm: 'ü' },
      { uuid: '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d05', word: true }, { vm: 'ü', uuid: '5d02' }, { uuid: 'nothing' },
    ];
    for (const criteria of searches) {
      expect(await ourSearch(capture, criteria), JSON.stringify(criteria)).toBe(real('/usr/sbin/ausearch', ['--input', capture, '--raw', ...searchArgs(criteria)]));
    }
    for (const [args, options] of REPORTS) {
      expect(await ourReport(capture, options), args.join(' ')).toBe(real('/usr/sbin/aureport', ['--input', capture, '--virt', ...args]));
    }
  });

  it('200 generated lifecycle logs', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-views-'));
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(scenario, fc.constantFrom('a', 'test vm', 'ü', 'q"', 'a-'), fc.boolean(), async (generated, needle, word) => {
        const file = join(directory, `case-${cases++}.log`);
        writeFileSync(file, Buffer.from(await renderScenario(generated), 'utf8'));
        const name = word ? generated.guests[0]!.name : needle;
        for (const criteria of [{ vm: name, word }, { uuid: generated.guests[0]!.uuid.slice(word ? 0 : 9), word }]) {
          expect(await ourSearch(file, criteria), JSON.stringify(criteria)).toBe(real('/usr/sbin/ausearch', ['--input', file, '--raw', ...searchArgs(criteria)]));
        }
        for (const [args, options] of REPORTS) {
          expect(await ourReport(file, options), args.join(' ')).toBe(real('/usr/sbin/aureport', ['--input', file, '--virt', ...args]));
        }
      }),
      { numRuns: 200 },
    );
  }, 300_000);
});
