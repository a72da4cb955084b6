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

  it('300 logs generated from random lifecycles (failures, hot-plug, AVCs, anomalies, nodes, awkward names)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-auvirt-'));
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (generated) => {
        const file = join(directory, `case-${cases++}.log`);
        writeFileSync(file, Buffer.from(await renderScenario(generated), 'utf8'));
        for (const mode of MODES) {
          const args = ['--file', file, ...mode];
          expect((await ourAuvirt(args)).toString('latin1'), `${args.join(' ')}\n${JSON.stringify(generated)}`).toBe(realAuvirt(args).toString('latin1'));
        }
      }),
      { numRuns: 300 },
    );
  }, 300_000);
});
