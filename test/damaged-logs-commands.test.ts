// Damaged logs through the commands the comparison with the real tools does not cover: watch
// --from-start tells what the batch correlator (auvirt's default report) finds in the same bytes and
// counts every line; and nothing is dropped silently — auvirt (default mode), search and aureport say how
// many lines they could not read whole (a NUL, a line past their limit) and exit 1, counted here from
// the bytes alone, while --compat stays as silent as 3.0.9.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verify } from '../verifier/index.js';
import { correlateSessions } from '../verifier/correlator/run-sessions.js';
import { sessionJson } from '../verifier/correlator/session-json.js';
import { FileFollower } from '../verifier/live/file-follower.js';
import type { LiveEvent } from '../verifier/live/live-event.js';
import { runWatch } from '../verifier/live/run-watch.js';
import { FGETS_PIECE_BYTES } from '../src/reader/fgets-pieces.js';
import { DEFAULT_MAX_LINE_BYTES } from '../src/reader/line-splitter.js';
import { byteDamages, cutOffset, lineDamages, nulPlaces, pieceBoundaries, serialTies, splices, stampWidths, type DamagedLog } from './support/damaged-logs.js';
import { runCli } from './support/cli.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';
import { batchFacts, liveFacts } from './support/live-facts.js';

process.env.TZ = 'UTC';
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-damaged-commands-'));
let counter = 0;
const written = (log: DamagedLog): string => {
  const path = join(directory, `log-${counter++}.log`);
  writeFileSync(path, log.bytes);
  return path;
};

const captures = [
  ['RAW capture', readFileSync(RAW_CAPTURE)],
  ['ENRICHED capture', readFileSync(ENRICHED_CAPTURE)],
] as const;
const offset = cutOffset();

async function watchFromStart(path: string, size: number): Promise<{ events: LiveEvent[]; lines: number; rejected: number; dropped: number }> {
  const follower = new FileFollower({ path, start: 'start', pollMs: 5 });
  const events: LiveEvent[] = [];
  const running = runWatch({ source: follower, onEvent: (event) => events.push(event), idleMs: 2000 });
  const deadline = Date.now() + 30_000;
  while (follower.position()?.offset !== size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(follower.position()?.offset, `${path}: read to its end`).toBe(size);
  await follower.close();
  const result = await running;
  return { events, lines: result.lines, rejected: result.rejected, dropped: result.dropped };
}

describe('damaged logs: watch --from-start', () => {
  const logs = [
    ...splices(captures.map(([, capture]) => capture), 31 + offset, 8),
    ...captures.flatMap(([name, capture]) => [...lineDamages(name, capture), ...byteDamages(name, capture, 19 + offset), ...stampWidths(name, capture, 3 + offset), ...serialTies(name, capture, 5 + offset), ...nulPlaces(name, capture, 9 + offset)]),
  ];
  it('tells what the batch correlator finds, and reads every line verify reads', { timeout: 600_000 }, async () => {
    for (const damaged of logs) {
      // A followed log's last line is read once its newline is written, as auditd always writes one.
      const log = damaged.bytes.at(-1) === 0x0a ? damaged : { name: damaged.name, bytes: Buffer.concat([damaged.bytes, Buffer.from('\n')]) };
      const path = written(log);
      const watched = await watchFromStart(path, log.bytes.length);
      const batch = await correlateSessions([{ kind: 'file', path }], { allDetails: true });
      expect(liveFacts(watched.events), log.name).toEqual(batchFacts(batch.sessions.map(sessionJson)));
      const { summary } = await verify([{ kind: 'file', path }], { threaded: false });
      // watch counts a line past 64 KiB as dropped, apart from the lines it read.
      expect(watched.lines + watched.dropped, log.name).toBe(summary.lines);
      expect(watched.dropped, log.name).toBe(linesOver(log.bytes, DEFAULT_MAX_LINE_BYTES));
    }
  });
});

/** VIRT lines of a capture, some holding a NUL after their header and some past 64 KiB, at generated places. */
function damagedVirtLines(name: string, capture: Buffer, seed: number): { log: DamagedLog; nul: number; long: number } {
  const lines = capture.toString('latin1').split('\n');
  const virt = lines.map((line, index) => (/^type=VIRT_/.test(line) ? index : -1)).filter((index) => index !== -1);
  const [nulAt, longAt] = fc.sample(fc.tuple(fc.uniqueArray(fc.constantFrom(...virt), { minLength: 1, maxLength: 6 }), fc.uniqueArray(fc.constantFrom(...virt), { minLength: 1, maxLength: 4 })), { seed, numRuns: 1 })[0]!;
  const long = longAt.filter((index) => !nulAt.includes(index));
  const bytes = Buffer.from(
    lines.map((line, index) => (nulAt.includes(index) ? `${line.slice(0, 100)}\0${line.slice(100)}` : long.includes(index) ? `${line} ${'x'.repeat(DEFAULT_MAX_LINE_BYTES)}` : line)).join('\n'),
    'latin1',
  );
  return { log: { name: `${name} NULs and long VIRT lines (seed ${seed})`, bytes }, nul: nulAt.length, long: long.length };
}

/** Lines longer than `limit` bytes (their newline apart) — and, with `nul`, those holding a NUL — counted from the bytes. */
function linesOver(bytes: Buffer, limit: number, nul = false): number {
  let count = 0;
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(10, start);
    const end = newline === -1 ? bytes.length : newline;
    if (end - start > limit || (nul && bytes.subarray(start, end).includes(0))) count++;
    start = end + 1;
  }
  return count;
}

const told = (stderr: string, command: string): number | null => {
  const match = new RegExp(`^${command}: (\\d+) lines? could not be read`).exec(stderr);
  return match === null ? null : Number(match[1]);
};

describe('damaged logs: nothing dropped silently', () => {
  const logs = captures.flatMap(([name, capture]) => [damagedVirtLines(name, capture, 41 + offset), ...pieceBoundaries(name, capture).map((log) => ({ log, nul: 0, long: 0 }))]);
  it('auvirt (default), search and aureport count the lines they could not read whole and exit 1; --compat stays silent', () => {
    for (const { log, nul, long } of logs) {
      const path = written(log);
      // auvirt reads lines up to 64 KiB; ausearch and aureport cut lines into 8969-byte pieces.
      const auvirt = runCli(['report', '--file', path]);
      expect(told(auvirt.stderr, 'auvirt') ?? 0, `${log.name}: ${auvirt.stderr}`).toBe(nul + long);
      if (nul + long > 0) expect(auvirt.status, log.name).toBe(1);
      const searchCut = linesOver(log.bytes, FGETS_PIECE_BYTES, true);
      for (const [command, args] of [['search', ['search', '-vm', 'vacap', path]], ['aureport', ['aureport', '--virt', path]]] as const) {
        const result = runCli(args);
        expect(told(result.stderr, command) ?? 0, `${command} ${log.name}: ${result.stderr}`).toBe(searchCut);
        if (searchCut > 0) expect(result.status, log.name).toBe(1);
        const compat = runCli([args[0], '--compat', ...args.slice(1)]);
        expect(compat.stderr, `${command} --compat ${log.name}`).toBe('');
      }
      expect(runCli(['report', '--compat', '--file', path]).stderr, `auvirt --compat ${log.name}`).toBe('');
    }
  }, 300_000);
});
