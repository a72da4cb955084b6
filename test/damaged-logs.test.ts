// Damaged logs through every reading command: search, aureport and auvirt --compat print what the real
// ausearch, aureport and auvirt 3.0.9 print for the same bytes (output and exit status) whatever the
// damage (docs/bounded-memory.md, "Damaged logs"); verify accounts for every line once. Cut positions: a stride of the first 4 KB per run (the offset is in the
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
import { byteDamages, CUT_STRIDE, cutOffset, cuts, lineDamages, nulPlaces, pieceBoundaries, serialTies, splices, stampWidths, type DamagedLog } from './support/damaged-logs.js';
import { CLI } from './support/cli.js';
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
  const errors: string[] = [];
  const matched = await searchVirt([{ kind: 'file', path }], { vm, word: false }, (line) => lines.push(`${line}\n`), (stamp) => errors.push(`Error extracting time stamp (${stamp})\n`));
  return `${lines.join('')}${errors.join('')}exit ${matched === 0 ? 1 : 0}\n`;
}

async function ourAuvirtCompat(path: string): Promise<string> {
  const options = parseAuvirtArgs(['--all-events', '--file', path]);
  const correlator = await correlateCompat([{ kind: 'file', path }], { correlateAvcAndAnomalies: true, filter: {} });
  return `${formatEvents(correlator.events, options)}exit 0\n`;
}

/** aureport --virt and ausearch --raw -vm on `log`, and ours. */
async function compareSearchAndReport(log: DamagedLog): Promise<void> {
  const path = written(log);
  expect(await ourAureport(path), `aureport --virt: ${log.name}`).toBe(real('/usr/sbin/aureport', ['--virt', '-if', path]));
  expect(await ourSearch(path, 'vacap'), `ausearch --raw -vm: ${log.name}`).toBe(real('/usr/sbin/ausearch', ['--raw', '-vm', 'vacap', '-if', path]));
}

/** The real tools' output for `log`, and ours, command by command; verify's accounting of its lines. */
async function compare(log: DamagedLog): Promise<void> {
  await compareSearchAndReport(log);
  const path = written(log);
  expect(await ourAuvirtCompat(path), `auvirt --all-events: ${log.name}`).toBe(real('/usr/bin/auvirt', ['--all-events', '--file', path]));
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

/** Every damage but the cuts: seeded by the run's offset, so runs on successive days try other places. */
const damaged: DamagedLog[] = [
  ...splices(captures.map(([, capture]) => capture), 19 + offset, 24),
  ...captures.flatMap(([name, capture]) => [
    ...lineDamages(name, capture),
    ...byteDamages(name, capture, 19 + offset),
    ...stampWidths(name, capture, 3 + offset),
    ...serialTies(name, capture, 5 + offset),
    ...pieceBoundaries(name, capture),
    ...nulPlaces(name, capture, 9 + offset),
  ]),
];

describe.skipIf(!present)('damaged logs: the same output and exit status as the real tools', () => {
  for (const [name, capture] of captures) {
    it(`${name}: cut at every ${CUT_STRIDE}th byte of its first 4 KB from byte ${offset}`, async () => {
      for (const log of cuts(name, capture, offset)) await compare(log);
    }, 120_000);
  }
  // No exception: splices, CR LF, absurd stamps and serials, serial ties past 2^53, millis of every
  // width, NULs, lines at and past the 8969-byte fgets piece and past 64 KiB, a record in a long line's
  // second piece.
  it('search and aureport: every damage', async () => {
    for (const log of damaged) await compareSearchAndReport(log);
  }, 300_000);
  it('auvirt --compat: every damage', async () => {
    for (const log of damaged) {
      const path = written(log);
      expect(await ourAuvirtCompat(path), `auvirt --all-events: ${log.name}`).toBe(real('/usr/bin/auvirt', ['--all-events', '--file', path]));
    }
  }, 300_000);
});

describe('damaged logs: every line accounted for by verify, no command fails', () => {
  it('every damage', async () => {
    for (const log of damaged) {
      await expectAccounted(log);
      const path = written(log);
      await ourAureport(path);
      await ourSearch(path, 'vacap');
      await ourAuvirtCompat(path);
    }
  }, 300_000);
});

describe.skipIf(!present)('a missing input file, as the real tools', () => {
  const missing = join(directory, 'missing.log');
  const cli = (args: readonly string[]): string => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: ENV, timeout: 30_000 });
    return `${result.stdout.toString('latin1')}${result.stderr.toString('latin1')}exit ${result.status}\n`;
  };
  it('aureport --virt [--summary]: the head, stat: on stderr, exit 1', () => {
    expect(cli(['aureport', '--virt', '-if', missing])).toBe(real('/usr/sbin/aureport', ['--virt', '-if', missing]));
    expect(cli(['aureport', '--virt', '--summary', '-if', missing])).toBe(real('/usr/sbin/aureport', ['--virt', '--summary', '-if', missing]));
  });
  it('search (ausearch --raw -vm): stat: on stderr, exit 1', () => {
    expect(cli(['search', '--vm', 'x', missing])).toBe(real('/usr/sbin/ausearch', ['--raw', '-vm', 'x', '-if', missing]));
  });
});
