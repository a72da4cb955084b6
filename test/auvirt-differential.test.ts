// The real auvirt 3.0.9 (Debian's auditd package) and ours on the same inputs must print the same bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuvirtArgs } from '../verifier/auvirt/auvirt-options.js';
import { formatEvents, formatSummary } from '../verifier/auvirt/compat-format.js';
import { correlateCompat } from '../verifier/auvirt/run-compat.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';

process.env.TZ = 'UTC';
const REAL_AUVIRT = '/usr/bin/auvirt';
const present = existsSync(REAL_AUVIRT);
if (!present) console.warn('[skip] auvirt differential tests: /usr/bin/auvirt (Debian auditd 3.x) is not installed');

function realAuvirt(args: readonly string[]): Buffer {
  const result = spawnSync(REAL_AUVIRT, args, { env: { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 60_000 });
  return Buffer.concat([result.stdout, Buffer.from(`exit ${result.status}\n`)]);
}

async function ourAuvirt(args: readonly string[]): Promise<Buffer> {
  const options = parseAuvirtArgs(args);
  const correlator = await correlateCompat([{ kind: 'file', path: options.file! }], {
    correlateAvcAndAnomalies: options.allEvents || options.summary,
    filter: {
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.end === undefined ? {} : { end: options.end }),
      ...(options.vm === undefined ? {} : { vm: options.vm }),
      ...(options.uuid === undefined ? {} : { uuid: options.uuid }),
    },
  });
  const text = options.summary ? formatSummary(correlator.events) : formatEvents(correlator.events, options);
  return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from('exit 0\n')]);
}

const MODES: ReadonlyArray<readonly string[]> = [[], ['--all-events'], ['--all-events', '--proof', '--show-uuid'], ['--summary'], ['--proof']];

describe.skipIf(!present)('auvirt --compat against the real auvirt 3.0.9', () => {
  it.each([['RAW', RAW_CAPTURE], ['ENRICHED', ENRICHED_CAPTURE]])('the real %s capture, in every mode and filter', async (_form, capture) => {
    const filters: ReadonlyArray<readonly string[]> = [
      [], ['--vm', 'vacap-basic'], ['--vm', 'vacap guest ü'], ['--uuid', '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d02'],
      ['--start', 'this-year'], ['--end', 'today'], ['--start', '01/01/24', '00:00', '--end', 'now'],
    ];
    for (const mode of MODES) {
      for (const filter of filters) {
        const args = ['--file', capture, ...mode, ...filter];
        expect((await ourAuvirt(args)).toString('latin1'), args.join(' ')).toBe(realAuvirt(args).toString('latin1'));
      }
    }
  });

  it('100 generated logs rotated over several files: --stdin on their concatenation, ours on the files', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-rotated-'));
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(scenario, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), async (generated, cuts) => {
        const lines = (await renderScenario(generated)).split('\n').filter((line) => line !== '');
        const points = [...new Set(cuts.map((cut) => cut % (lines.length + 1)))].sort((a, b) => a - b);
        const parts = [...points, lines.length].map((end, index, all) => lines.slice(index === 0 ? 0 : all[index - 1], end));
        const base = join(directory, `case-${cases++}-audit.log`);
        const files = parts.map((_part, index) => (index === parts.length - 1 ? base : `${base}.${parts.length - 1 - index}`));
        parts.forEach((part, index) => writeFileSync(files[index]!, Buffer.from(part.map((line) => `${line}\n`).join(''), 'utf8')));
        const input = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
        for (const mode of MODES) {
          const real = spawnSync(REAL_AUVIRT, ['--stdin', ...mode], { input, env: { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8' } }).stdout.toString('latin1');
          const options = parseAuvirtArgs(['--stdin', ...mode]);
          const correlator = await correlateCompat(files.map((path) => ({ kind: 'file' as const, path })), { correlateAvcAndAnomalies: options.allEvents || options.summary, filter: {} });
          const ours = options.summary ? formatSummary(correlator.events) : formatEvents(correlator.events, options);
          expect(ours, `${mode.join(' ')}\n${JSON.stringify(generated)}`).toBe(real);
        }
      }),
      { numRuns: 100 },
    );
  }, 300_000);

  it('300 logs generated from random lifecycles (failures, hot-plug, AVCs, anomalies, nodes, awkward names)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-auvirt-'));
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (generated) => {
        const file = join(directory, `case-${cases++}.log`);
        writeFileSync(file, Buffer.from(await renderScenario(generated), 'utf8'));
        const guest = generated.guests[0]!;
        const filters: ReadonlyArray<readonly string[]> = [
          ['--all-events', '--vm', guest.name], ['--all-events', '--uuid', guest.uuid],
          ['--all-events', '--proof', '--start', '03/10/24', '12:00'], ['--all-events', '--end', '03/11/24'], ['--summary', '--start', '03/09/24', '10:30', '--end', '03/12/24'],
        ];
        for (const mode of [...MODES, ...filters]) {
          const args = ['--file', file, ...mode];
          expect((await ourAuvirt(args)).toString('latin1'), `${args.join(' ')}\n${JSON.stringify(generated)}`).toBe(realAuvirt(args).toString('latin1'));
        }
      }),
      { numRuns: 300 },
    );
  }, 300_000);
});
