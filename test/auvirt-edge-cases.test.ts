// The edge cases of auvirt-behaviour.md §6.4, recreated by this project's own line builder, compared
// byte for byte with the real auvirt 3.0.9 in several modes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEvents, formatSummary } from '../verifier/auvirt/compat-format.js';
import { correlateCompat } from '../verifier/auvirt/run-compat.js';
import { parseAuvirtArgs } from '../verifier/auvirt/auvirt-options.js';
import { EDGE_CASES } from './support/edge-logs.js';

process.env.TZ = 'UTC';
const REAL = '/usr/bin/auvirt';
async function ours(args: readonly string[]): Promise<string> {
  const options = parseAuvirtArgs(args);
  const correlator = await correlateCompat([{ kind: 'file', path: options.file! }], { correlateAvcAndAnomalies: options.allEvents || options.summary, filter: {} });
  return options.summary ? formatSummary(correlator.events) : formatEvents(correlator.events, options);
}

describe.skipIf(!existsSync(REAL))('auvirt --compat on the edge cases, against the real auvirt', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-edge-'));
  it.each(Object.entries(EDGE_CASES))('%s', async (name, lines) => {
    const file = join(directory, `${name.split(' ')[0]}.log`);
    writeFileSync(file, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
    for (const mode of [['--all-events', '--proof'], [], ['--summary'], ['--all-events', '--show-uuid']]) {
      const args = ['--file', file, ...mode];
      const real = spawnSync(REAL, args, { env: { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8' } }).stdout.toString('latin1');
      expect(await ours(args), args.join(' ')).toBe(real);
    }
  });
});
