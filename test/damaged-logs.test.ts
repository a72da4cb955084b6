// Damaged logs through every reading command: search, aureport and auvirt --compat print what the real
// ausearch, aureport and auvirt 3.0.9 print for the same bytes (output and exit status), and verify
// accounts for every line once. Cut positions: a stride of the first 4 KB per run (the offset is in the
// titles; VIRT_AUDIT_CUT_OFFSET picks one), every position over CUT_STRIDE runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../verifier/index.js';
import { correlateCompat } from '../verifier/auvirt/run-compat.js';
import { formatEvents } from '../verifier/auvirt/compat-format.js';
import { parseAuvirtArgs } from '../verifier/auvirt/auvirt-options.js';
import { virtReport } from '../verifier/search/virt-report.js';
import { searchVirt } from '../verifier/search/virt-search.js';
import { CUT_STRIDE, cutOffset, cuts, lineDamages, splices, type DamagedLog } from './support/damaged-logs.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';

process.env.TZ = 'UTC';
const TOOLS = ['/usr/sbin/aureport', '/usr/sbin/ausearch', '/usr/bin/auvirt'];
const present = TOOLS.every((tool) => existsSync(tool));
if (!present) console.warn(`[skip] damaged-log comparisons: ${TOOLS.join(', ')} (Debian auditd 3.0.9) are not all installed`);

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-damaged-'));
let counter = 0;
const written = (log: DamagedLog): string => {
  const path = join(directory, `log-${counter++}.log`);
  writeFileSync(path, log.bytes);
  return path;
};

const ENV = { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' };
function real(tool: string, args: readonly string[]): string {
  const result = spawnSync(tool, args, { env: ENV, timeout: 30_000 });
  return `${result.stdout.toString('latin1')}${result.stderr.toString('latin1')}exit ${result.status}\n`;
}

async function ourAureport(path: string): Promise<string> {
  const out: Buffer[] = [];
  const errors: string[] = [];
  const { status } = await virtReport([{ kind: 'file', path }], { summary: false, interpret: false, onUnreadableStamp: (stamp) => errors.push(`Error extracting time stamp (${stamp})\n`) }, (piece) => out.push(Buffer.from(piece)));
  return `${Buffer.concat(out).toString('latin1')}${errors.join('')}exit ${status}\n`;
}

async function ourSearch(path: string, vm: string): Promise<string> {
  const lines: string[] = [];
  const matched = await searchVirt([{ kind: 'file', path }], { vm, word: false }, (line) => lines.push(`${line}\n`));
  return `${lines.join('')}exit ${matched === 0 ? 1 : 0}\n`;
}

async function ourAuvirtCompat(path: string): Promise<string> {
  const options = parseAuvirtArgs(['--all-events', '--file', path]);
  const correlator = await correlateCompat([{ kind: 'file', path }], { correlateAvcAndAnomalies: true, filter: {} });
  return `${formatEvents(correlator.events, options)}exit 0\n`;
}

type Command = 'aureport' | 'ausearch' | 'auvirt';
const ALL: readonly Command[] = ['aureport', 'ausearch', 'auvirt'];

/** The real tools' output for `log`, and ours, command by command; verify's accounting of its lines. */
async function compare(log: DamagedLog, commands: readonly Command[] = ALL): Promise<void> {
  const path = written(log);
  if (commands.includes('aureport')) expect(await ourAureport(path), `aureport --virt: ${log.name}`).toBe(real('/usr/sbin/aureport', ['--virt', '-if', path]));
  if (commands.includes('ausearch')) expect(await ourSearch(path, 'vacap'), `ausearch --raw -vm: ${log.name}`).toBe(real('/usr/sbin/ausearch', ['--raw', '-vm', 'vacap', '-if', path]));
  if (commands.includes('auvirt')) expect(await ourAuvirtCompat(path), `auvirt --all-events: ${log.name}`).toBe(real('/usr/bin/auvirt', ['--all-events', '--file', path]));
  await expectAccounted(log);
}

/** verify: every line counted once, as what it is. */
async function expectAccounted(log: DamagedLog): Promise<void> {
  const path = written(log);
  const { summary } = await verify([{ kind: 'file', path }], { threaded: false });
  const newlines = log.bytes.filter((byte) => byte === 0x0a).length;
  expect(summary.lines, log.name).toBe(newlines + (log.bytes.length > 0 && log.bytes.at(-1) !== 0x0a ? 1 : 0));
  expect(summary.records + summary.blank + summary.separators + summary.rejected, log.name).toBe(summary.lines);
  expect(summary.valid + summary.invalid + summary.foreign, log.name).toBe(summary.virtRecords);
}

const captures = [
  ['RAW capture', readFileSync(RAW_CAPTURE)],
  ['ENRICHED capture', readFileSync(ENRICHED_CAPTURE)],
] as const;
const offset = cutOffset();

describe.skipIf(!present)('damaged logs: the same output and exit status as the real tools', () => {
  for (const [name, capture] of captures) {
    it(`${name}: cut at every ${CUT_STRIDE}th byte of its first 4 KB from byte ${offset}`, async () => {
      for (const log of cuts(name, capture, offset)) await compare(log);
    }, 120_000);
    it(`${name}: absurd stamps and serials`, async () => {
      for (const log of lineDamages(name, capture).filter((damage) => !/CR LF/.test(damage.name))) await compare(log);
    }, 120_000);
  }
  it('seeded splices of both captures', async () => {
    const failures: string[] = [];
    for (const log of splices(captures.map(([, capture]) => capture), 19 + offset, 12)) {
      for (const command of ALL) {
        try { await compare(log, [command]); } catch { failures.push(`${command}: ${log.name}`); }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
