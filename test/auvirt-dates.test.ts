// auvirt outside --compat: ISO 8601 instants and --since/--until select what the same instants in
// auvirt's own MM/DD/YY HH:MM:SS select; --compat knows none of them, as auvirt 3.0.9.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RAW_CAPTURE, captureLines } from './support/examples.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const env = { ...process.env, TZ: 'Europe/Berlin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const auvirt = (args: readonly string[]) => {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { env, timeout: 60_000, maxBuffer: 1 << 26 });
  return { status: result.status, stdout: result.stdout.toString('latin1'), stderr: result.stderr.toString('latin1') };
};
const seconds = captureLines(RAW_CAPTURE).map((line) => Number(/msg=audit\((\d+)\./.exec(line)![1]));
const two = (value: number): string => String(value).padStart(2, '0');
/** The instant in Berlin's local time, as MM/DD/YY and HH:MM:SS, and as ISO 8601 with Berlin's offset. */
function forms(at: number): { audit: string[]; iso: string } {
  const local = new Date((at + 3600) * 1000); // Berlin in November: UTC+1
  const date = `${two(local.getUTCMonth() + 1)}/${two(local.getUTCDate())}/${two(local.getUTCFullYear() % 100)}`;
  const time = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`;
  return { audit: [date, time], iso: `${local.toISOString().slice(0, 19)}+01:00` };
}

describe('auvirt dates outside --compat', () => {
  it('--start/--end and --since/--until in ISO 8601 select what MM/DD/YY HH:MM:SS selects', () => {
    const pairs = fc.sample(fc.tuple(fc.integer({ min: Math.min(...seconds) - 5, max: Math.max(...seconds) + 5 }), fc.integer({ min: 0, max: 40 })), { numRuns: 5, seed: 18 });
    for (const [from, length] of pairs) {
      const start = forms(from);
      const end = forms(from + length);
      const audit = auvirt(['--all-events', '--file', RAW_CAPTURE, '--start', ...start.audit, '--end', ...end.audit]);
      expect(audit.status).toBe(0);
      expect(auvirt(['--all-events', '--file', RAW_CAPTURE, '--start', start.iso, '--end', end.iso]).stdout).toBe(audit.stdout);
      expect(auvirt(['--all-events', '--file', RAW_CAPTURE, '--since', start.iso, '--until', end.iso]).stdout).toBe(audit.stdout);
    }
  });

  it('a time ago: --since -Nd over a log older than N days shows only what still runs', () => {
    const ago = Math.ceil((Date.now() / 1000 - Math.min(...seconds)) / 86_400) - 1;
    const all = auvirt(['--file', RAW_CAPTURE]).stdout.split('\n').filter(Boolean);
    const recent = auvirt(['--file', RAW_CAPTURE, '--since', `-${ago}d`]).stdout.split('\n').filter(Boolean);
    expect(recent.length).toBeLessThan(all.length);
    expect(recent.every((row) => row.includes('running'))).toBe(true);
  });

  it('--compat: no ISO date, no --since (auvirt 3.0.9\'s own messages)', () => {
    const iso = auvirt(['--compat', '--file', RAW_CAPTURE, '--start', '2026-11-22']);
    expect([iso.status, iso.stderr]).toEqual([1, 'Invalid start date (2026-11-22). Month, Day, and Year are required.\n']);
    const since = auvirt(['--compat', '--file', RAW_CAPTURE, '--since', '-2h']);
    expect([since.status, since.stderr]).toEqual([1, 'Unknown option "--since".\n']);
    if (existsSync('/usr/bin/auvirt')) {
      const real = spawnSync('/usr/bin/auvirt', ['--file', RAW_CAPTURE, '--start', '2026-11-22'], { env, encoding: 'latin1' });
      expect([iso.status, iso.stderr]).toEqual([real.status, real.stderr]);
      const realSince = spawnSync('/usr/bin/auvirt', ['--file', RAW_CAPTURE, '--since', '-2h'], { env, encoding: 'latin1' });
      expect([since.status, since.stderr]).toEqual([realSince.status, realSince.stderr]);
    }
  });

  it('a bad date names the formats accepted', () => {
    const bad = auvirt(['--file', RAW_CAPTURE, '--since', 'soon']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^Invalid start date \(soon\)\..*accepted: YYYY-MM-DD.*-2h.*MM\/DD\/YY.*this-week/);
  });
});
