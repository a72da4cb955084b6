// npm run bench: virt-audit against the real C tools on the same generated files, in one run; the emitter
// against a C loop calling audit_log_user_message through the same private auditd. Writes BENCHMARKS.md
// and bench/time-vs-size.svg. Needs Debian's auditd (auvirt, ausearch, aureport), gcc and libaudit-dev;
// the emitter part needs root and no other registered auditd.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Emitter, LibauditSink, type EmitInput } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';
import { auditdUnavailable, PrivateAuditd } from './private-auditd.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'bench/.data');
const NODE = process.execPath;
/** [node, its flags from the script's `#!/usr/bin/env -S node …` line, the script]: what running the script runs. */
function asInstalled(script: string): string[] {
  const firstLine = readFileSync(script, 'latin1').split('\n', 1)[0]!;
  const flags = /^#!\/usr\/bin\/env -S node((?: --?[\w=-]+)*)\s*$/.exec(firstLine)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  return [NODE, ...flags, script];
}

/** Our commands as their installed bins run them: node with the flags of their `#!` line. */
const CLI = asInstalled(join(ROOT, 'dist/cli/virt-audit.js'));
const AUVIRT = asInstalled(join(ROOT, 'dist/cli/auvirt.js'));

interface Measure {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly timedOut: boolean;
  /** Wall seconds of every run, when the command ran more than once. */
  readonly walls?: readonly number[];
}

/** A command whose first run takes less than this is run REPEATS times in all. */
const REPEAT_UNDER_SECONDS = 10;
const REPEATS = 3;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Runs a command under GNU time, output discarded; a bounded wait. A quick command (ours or theirs alike)
 * runs REPEATS times: median wall and CPU, highest peak RSS, so one run disturbed by the machine does not
 * decide its ratio.
 */
function measure(command: readonly string[], timeoutSeconds: number): Measure {
  const first = measureOnce(command, timeoutSeconds);
  if (first.timedOut || first.wall >= REPEAT_UNDER_SECONDS) return first;
  const runs = [first];
  for (let run = 1; run < REPEATS; run++) runs.push(measureOnce(command, timeoutSeconds));
  if (runs.some((run) => run.timedOut)) return runs.find((run) => run.timedOut)!;
  return {
    wall: median(runs.map((run) => run.wall)),
    cpu: median(runs.map((run) => run.cpu)),
    rssMb: Math.max(...runs.map((run) => run.rssMb)),
    timedOut: false,
    walls: runs.map((run) => run.wall),
  };
}

function measureOnce(command: readonly string[], timeoutSeconds: number): Measure {
  // coreutils `timeout` stops the command itself: killing only `time` would leave it running on, and
  // slow down every measurement after it.
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'timeout', '--signal=KILL', String(timeoutSeconds), ...command], {
    env: { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: (timeoutSeconds + 60) * 1000,
    killSignal: 'SIGKILL',
  });
  if (result.error || result.status === null || result.status === 124 || result.status === 137) return { wall: timeoutSeconds, cpu: NaN, rssMb: NaN, timedOut: true };
  const last = result.stderr.toString().trim().split('\n').at(-1)!.split(' ').map(Number);
  const [wall, user, sys, rssKb] = last as [number, number, number, number];
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, timedOut: false };
}

function ensureLog(lines: number): string {
  mkdirSync(DATA, { recursive: true });
  const file = join(DATA, `gen-${lines}.log`);
  if (!existsSync(file)) execFileSync(NODE, [join(ROOT, 'dist/scripts/gen-log.js'), '--lines', String(lines), '--seed', '1', '--out', file], { stdio: 'inherit' });
  return file;
}

function firstUuid(file: string): string {
  const buffer = Buffer.alloc(1 << 20);
  const descriptor = openSync(file, 'r');
  const length = readSync(descriptor, buffer, 0, buffer.length, 0);
  closeSync(descriptor);
  const head = buffer.toString('latin1', 0, length);
  return /uuid=([0-9a-f-]{36})/.exec(head)?.[1] ?? '00000000-0000-0000-0000-000000000000';
}

interface PairResult {
  readonly name: string;
  readonly lines: number;
  readonly megabytes: number;
  readonly ours: Measure;
  readonly theirs: Measure;
}

function pairs(file: string, lines: number, timeout: number): PairResult[] {
  const megabytes = statSync(file).size / 1e6;
  const uuid = firstUuid(file);
  const table: Array<[string, string[], string[]]> = [
    ['auvirt --all-events', [...AUVIRT, '--compat', '--all-events', '--file', file], ['auvirt', '--all-events', '--file', file]],
    ['auvirt', [...AUVIRT, '--compat', '--file', file], ['auvirt', '--file', file]],
    ['verify vs ausearch -m VIRT_*', [...CLI, 'verify', file], ['ausearch', '-if', file, '-m', 'VIRT_CONTROL,VIRT_RESOURCE,VIRT_MACHINE_ID', '--raw']],
    ['search -uu vs ausearch -uu', [...CLI, 'search', '-uu', uuid, file], ['ausearch', '-if', file, '-uu', uuid, '--raw']],
    ['aureport vs aureport --virt', [...CLI, 'aureport', file], ['aureport', '-if', file, '--virt']],
  ];
  const results = table.map(([name, ours, theirs]) => {
    process.stderr.write(`bench: ${name} on ${lines} lines\n`);
    return { name, lines, megabytes, ours: measure(ours, timeout), theirs: measure(theirs, timeout) };
  });
  // The default (bugs-fixed) report against the same run of the real auvirt --all-events.
  process.stderr.write(`bench: auvirt --all-events, default mode, on ${lines} lines\n`);
  const realAllEvents = results[0]!.theirs;
  results.push({ name: DEFAULT_MODE_ROW, lines, megabytes, ours: measure([...AUVIRT, '--all-events', '--file', file], timeout), theirs: realAllEvents });
  return results;
}

const DEFAULT_MODE_ROW = 'auvirt --all-events, default mode (bugs fixed)';

interface EmitterResult {
  readonly builders: number;
  /** One awaited emit() per record. */
  readonly ffi: number | null;
  /** emitMany() in batches of 100: one worker round trip per batch. */
  readonly ffiBatched: number | null;
  /** emitAll() of every record: chunks built while the one before is sent. */
  readonly ffiStreamed?: number | null;
  /** emitAll() confirmed and every record read back from the audit multicast group (readBack: true). */
  readonly ffiStreamedReadBack?: number | null;
  /** emitAll() with the kernel's confirmation off (confirm: false), as libvirt sends. */
  readonly ffiStreamedUnconfirmed?: number | null;
  readonly cLoop: number | null;
  /** The C loop reading the kernel's status after every 100 records, as the emitter does. */
  readonly cLoopConfirmed?: number | null;
  readonly note: string | null;
}

const SAMPLE: EmitInput = {
  type: 'VIRT_RESOURCE', virt: 'kvm', resrc: 'disk', reason: 'attach', vm: 'bench guest', uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809',
  'old-disk': null, 'new-disk': '/var/lib/libvirt/images/bench disk.qcow2', res: 'success',
};

/** Waits (at most 15 s) until the kernel's audit backlog is empty, so one run does not pay for the last. */
async function drainBacklog(): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 100) {
    const backlog = Number(/^backlog (\d+)/m.exec(execFileSync('auditctl', ['-s'], { encoding: 'utf8' }))?.[1] ?? 0);
    if (backlog === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function emitterBench(records: number): Promise<EmitterResult> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < 200_000; index++) buildPayload(SAMPLE);
  const builders = 200_000 / (Number(process.hrtime.bigint() - started) / 1e9);
  const unavailable = auditdUnavailable();
  if (unavailable) return { builders, ffi: null, ffiBatched: null, cLoop: null, note: `FFI and C loop not measured: ${unavailable}` };
  mkdirSync(DATA, { recursive: true });
  const source = join(DATA, 'audit-loop.c');
  const binary = join(DATA, 'audit-loop');
  const payload = buildPayload(SAMPLE)!;
  // With a second argument the loop confirms every 100 records as the emitter does: the kernel's status
  // read on a socket of its own (until its queue is handed on), lost, enabled and the daemon's pid
  // compared with the status before, and the daemon's state read from /proc.
  writeFileSync(source, `#include <libaudit.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int status(int fd, struct audit_status *out) {
  struct audit_reply rep;
  while (audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0) > 0) {}
  if (audit_request_status(fd) < 0) return -1;
  for (int tries = 0; tries < 500; tries++) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    poll(&pfd, 1, 10);
    if (audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0) > 0 && rep.type == AUDIT_GET) { memcpy(out, rep.status, sizeof *out); return 0; }
  }
  return -1;
}
static int running(unsigned pid) {
  char path[64], stat[512];
  snprintf(path, sizeof path, "/proc/%u/stat", pid);
  FILE *file = fopen(path, "r");
  if (!file) return 0;
  size_t length = fread(stat, 1, sizeof stat - 1, file);
  fclose(file);
  stat[length] = 0;
  char *end = strrchr(stat, ')');
  return end && end[2] != 'T' && end[2] != 't' && end[2] != 'Z';
}
int main(int argc, char **argv) {
  int n = atoi(argv[1]), confirm = argc > 2, fd = audit_open(), statusFd = confirm ? audit_open() : -1;
  struct audit_status before, after;
  if (confirm && status(statusFd, &before)) { fprintf(stderr, "no status\\n"); return 1; }
  for (int i = 0; i < n;) {
    for (int end = i + 100 < n ? i + 100 : n; i < end; i++)
      if (audit_log_user_message(fd, AUDIT_VIRT_RESOURCE, "${payload.replaceAll('"', '\\"')}", NULL, NULL, "", 1) <= 0) { fprintf(stderr, "not delivered\\n"); return 1; }
    if (!confirm) continue;
    do if (status(statusFd, &after)) { fprintf(stderr, "no status\\n"); return 1; } while (after.backlog > 0);
    if (!after.enabled || !after.pid || after.pid != before.pid || after.lost != before.lost || !running(after.pid)) { fprintf(stderr, "not confirmed\\n"); return 1; }
    before = after;
  }
  audit_close(fd);
  return 0;
}
`);
  execFileSync('gcc', ['-O2', '-o', binary, source, '-laudit']);
  const auditd = await PrivateAuditd.start('RAW');
  try {
    execFileSync('auditctl', ['-b', '20000'], { stdio: 'ignore' });
    // Best of three for each side: the kernel and auditd path is noisy from run to run.
    const rate = async (run: () => Promise<void> | void): Promise<number> => {
      let best = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        await drainBacklog();
        const begin = process.hrtime.bigint();
        await run();
        best = Math.max(best, records / (Number(process.hrtime.bigint() - begin) / 1e9));
      }
      return best;
    };
    const cLoop = await rate(() => {
      execFileSync(binary, [String(records)]);
    });
    const cLoopConfirmed = await rate(() => {
      execFileSync(binary, [String(records), 'confirm']);
    });
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    await emitter.emit(SAMPLE);
    const ffi = await rate(async () => {
      for (let index = 0; index < records; index++) await emitter.emit(SAMPLE);
    });
    const batch = Array.from({ length: 100 }, () => SAMPLE);
    const ffiBatched = await rate(async () => {
      for (let sent = 0; sent < records; sent += batch.length) await emitter.emitMany(batch);
    });
    const all = Array.from({ length: records }, () => SAMPLE);
    const ffiStreamed = await rate(async () => {
      await emitter.emitAll(all);
    });
    await emitter.close();
    const unconfirmed = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000, confirm: false }), policy: 'required' });
    const ffiStreamedUnconfirmed = await rate(async () => {
      await unconfirmed.emitAll(all);
    });
    await unconfirmed.close();
    const readBack = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000, readBack: true }), policy: 'required' });
    const ffiStreamedReadBack = await rate(async () => {
      await readBack.emitAll(all);
    });
    await readBack.close();
    return { builders, ffi, ffiBatched, ffiStreamed, ffiStreamedReadBack, ffiStreamedUnconfirmed, cLoop, cLoopConfirmed, note: null };
  } finally {
    await auditd.stop();
  }
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function row(result: PairResult): string {
  const side = (measured: Measure): string =>
    measured.timedOut ? `> ${measured.wall} s (stopped)` : `${fmt(measured.cpu)} CPU-s, ${fmt(measured.wall)} s, ${fmt(result.megabytes / measured.wall, 0)} MB/s, ${fmt(measured.rssMb, 0)} MB`;
  const ratio = result.theirs.timedOut ? `≥ ${fmt(result.theirs.wall / result.ours.wall, 1)}×` : `${fmt(result.theirs.wall / result.ours.wall, 2)}×`;
  return `| ${result.name} | ${result.lines.toLocaleString('en')} | ${side(result.ours)} | ${side(result.theirs)} | ${ratio} |`;
}

function plot(results: readonly PairResult[]): string {
  const series = [
    { label: 'virt-audit auvirt --compat --all-events', color: '#1f77b4', pick: (r: PairResult) => (r.name === 'auvirt --all-events' ? r.ours : null) },
    { label: 'auvirt 3.0.9 --all-events', color: '#d62728', pick: (r: PairResult) => (r.name === 'auvirt --all-events' ? r.theirs : null) },
    { label: 'ausearch -m VIRT_* --raw', color: '#2ca02c', pick: (r: PairResult) => (r.name.startsWith('verify') ? r.theirs : null) },
    { label: 'virt-audit verify', color: '#9467bd', pick: (r: PairResult) => (r.name.startsWith('verify') ? r.ours : null) },
  ];
  const points = series.map((line) => ({ ...line, data: results.flatMap((r) => { const m = line.pick(r); return m ? [{ x: r.lines, y: m.wall }] : []; }) }));
  const maxX = Math.max(...results.map((r) => r.lines));
  const maxY = Math.max(...points.flatMap((line) => line.data.map((point) => point.y)), 1);
  const X = (x: number): number => 60 + (x / maxX) * 520;
  const Y = (y: number): number => 300 - (y / maxY) * 260;
  const lines = points.map((line, index) => `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${line.data.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ')}"/>` +
    line.data.map((p) => `<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3" fill="${line.color}"/>`).join('') +
    `<text x="70" y="${20 + index * 16}" font-size="12" fill="${line.color}">${line.label}</text>`).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="620" height="340" font-family="sans-serif">
<rect width="620" height="340" fill="white"/>
<line x1="60" y1="300" x2="590" y2="300" stroke="black"/><line x1="60" y1="30" x2="60" y2="300" stroke="black"/>
<text x="300" y="330" font-size="12">log size (lines; max ${maxX.toLocaleString('en')})</text>
<text x="8" y="160" font-size="12" transform="rotate(-90 8,160)">wall seconds (max ${maxY.toFixed(1)})</text>
${lines}
</svg>
`;
}

const USAGE = `usage: npm run bench -- [--sizes N,N,…] [--timeout SECONDS] [--records N] [--reuse | --tools-only]

Times virt-audit against the real tools (auvirt, ausearch, aureport) on generated logs of each size, and
the emitter, then writes BENCHMARKS.md (its Hostile input section kept) and bench/results.json.

  --sizes N,N,…        log sizes in lines (default 250000,1000000,4000000)
  --timeout SECONDS    a run's limit (default 600)
  --records N          records the emitter sends (default 20000)
  --reuse              re-measure only the emitter; the tool comparisons from bench/results.json
  --tools-only         re-measure only the tool comparisons; the emitter's figures from bench/results.json
                       (no auditd started: runs beside another registered auditd)
  --only memory        only the report-memory case (auvirt's reports at 1M and 4M lines), its section rewritten
  -h, --help           this text`;

function benchArgs(): { sizes: string; timeout: string; records: string; reuse: boolean; 'tools-only': boolean; only?: string | undefined } {
  try {
    const { values } = parseArgs({
      options: {
        sizes: { type: 'string', default: '250000,1000000,4000000' },
        timeout: { type: 'string', default: '600' },
        records: { type: 'string', default: '20000' },
        // Re-measure only the emitter and rewrite the report from bench/results.json's tool comparisons.
        reuse: { type: 'boolean', default: false },
        'tools-only': { type: 'boolean', default: false },
        // `memory`: only the report-memory case, its section rewritten.
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (values.reuse && values['tools-only']) throw new Error('--reuse and --tools-only exclude each other');
    return values;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const values = benchArgs();
  if (values.only === 'memory') {
    writeSection('## Report memory', reportMemorySection(Number(values.timeout)));
    return;
  }
  if (values.only !== undefined) throw new Error(`--only takes memory, not ${values.only}`);
  const timeout = Number(values.timeout);
  const stored = values.reuse || values['tools-only'] ? (JSON.parse(readFileSync(join(ROOT, 'bench/results.json'), 'utf8')) as { results: PairResult[]; pairsDate?: string; emitterDate?: string; date: string; emitter: EmitterResult }) : null;
  const previous = values.reuse ? stored : null;
  const cached = previous?.results ?? null;
  const pairsDate = previous ? (previous.pairsDate ?? previous.date) : new Date().toISOString();
  const sizes = cached ? [...new Set(cached.map((result) => result.lines))] : values.sizes.split(',').map(Number);
  const results = cached ?? sizes.flatMap((lines) => pairs(ensureLog(lines), lines, timeout));
  const emitter = stored && values['tools-only'] ? stored.emitter : await emitterBench(Number(values.records));
  const emitterDate = stored && values['tools-only'] ? (stored.emitterDate ?? stored.date) : new Date().toISOString();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const table = ['| comparison | lines | virt-audit | C tool | speed-up (wall) |', '|---|---:|---|---|---:|', ...results.map(row)].join('\n');
  const at1m = (name: string) => results.find((r) => r.name === name && r.lines === 1_000_000) ?? results.find((r) => r.name === name);
  const allEvents = at1m('auvirt --all-events')!;
  const verifyPair = at1m('verify vs ausearch -m VIRT_*')!;
  const rss = (lines: number) => Math.max(...results.filter((r) => r.lines === lines).map((r) => r.ours.rssMb));
  /** "met", or how far off: a factor for ratios and rates, the difference for limits. */
  const verdict = (value: number, target: number, higherIsBetter: boolean, unit = '×'): string => {
    if (!Number.isFinite(value)) return 'not measured';
    const met = higherIsBetter ? value >= target : value <= target;
    if (met) return 'met';
    return `missed by ${fmt(higherIsBetter ? target / value : value / target, 1)}×${unit === '×' ? '' : ` (${fmt(value, 0)} ${unit} vs ${target} ${unit})`}`;
  };
  const allEventsRatio = allEvents.theirs.wall / allEvents.ours.wall;
  const defaultMode = at1m(DEFAULT_MODE_ROW);
  const defaultModeRatio = defaultMode === undefined ? NaN : defaultMode.theirs.wall / defaultMode.ours.wall;
  const ausearchRatio = allEvents.ours.wall / verifyPair.theirs.wall;
  const verifyRate = verifyPair.megabytes / verifyPair.ours.wall;
  const rss1m = rss(1_000_000);
  const growth = sizes.includes(4_000_000) ? (rss(4_000_000) / rss1m - 1) * 100 : NaN;
  const confirmedLoop = emitter.cLoopConfirmed ?? NaN;
  const ffiRatio = emitter.ffi !== null ? emitter.ffi / confirmedLoop : NaN;
  const batchedRatio = emitter.ffiBatched !== null ? emitter.ffiBatched / confirmedLoop : NaN;
  const streamedRatio = emitter.ffiStreamed != null ? emitter.ffiStreamed / confirmedLoop : NaN;
  const readBackRatio = emitter.ffiStreamedReadBack != null ? emitter.ffiStreamedReadBack / confirmedLoop : NaN;
  const unconfirmedRatio = emitter.ffiStreamedUnconfirmed != null && emitter.cLoop !== null ? emitter.ffiStreamedUnconfirmed / emitter.cLoop : NaN;
  const headline = [
    `auvirt --compat --all-events ${fmt(allEventsRatio, 1)}× faster than the real one (target ≥ 50×: ${verdict(allEventsRatio, 50, true)})`,
    `auvirt --all-events in the default (bugs-fixed) mode ${fmt(defaultModeRatio, 1)}× faster than the real one (target ≥ 50×: ${verdict(defaultModeRatio, 50, true)})`,
    `${fmt(ausearchRatio, 1)}× ausearch --raw time (target ≤ 1.5×: ${verdict(ausearchRatio, 1.5, false)})`,
    `verify ${fmt(verifyRate, 0)} MB/s (target ≥ 200 MB/s: ${verdict(verifyRate, 200, true, 'MB/s')})`,
    `peak RSS ${fmt(rss1m, 0)} MB at 1M lines (target ≤ 150 MB: ${verdict(rss1m, 150, false, 'MB')})`,
    `${fmt(growth, 0)} % more RSS at 4M lines (target ≤ 10 %: ${verdict(growth, 10, false, '%')})`,
    `emitter through FFI, every batch confirmed by the kernel's status, streamed (emitAll): ${fmt(streamedRatio, 2)}× the C loop making the same status reads (target ≥ 0.9×: ${verdict(streamedRatio, 0.9, true)}); batched (emitMany of 100): ${fmt(batchedRatio, 2)}×; one awaited emit() per record (a status read each): ${fmt(ffiRatio, 2)}×; with --read-back (every record read back from the audit multicast group), streamed: ${fmt(readBackRatio, 2)}× the confirming C loop; unconfirmed (as libvirt sends), streamed: ${fmt(unconfirmedRatio, 2)}× the plain C loop${emitter.note ? ` — ${emitter.note}` : ''}`,
  ];
  writeFileSync(join(ROOT, 'bench/time-vs-size.svg'), plot(results));
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), pairsDate, emitterDate, machine: { cpus: cpus().length, cpu, memoryGiB: totalmem() / 2 ** 30, node: process.versions.node }, results, emitter }, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.

## Method
- Input: \`npm run gen -- --lines N --seed 1\` (a realistic mix: SYSCALL/CWD/PATH/PROCTITLE, USER_START, libvirt
  VIRT_* records of 64 guests, hex-encoded names among them, AVCs for svirt_t and httpd_t, ANOM_ABEND),
  cached in \`bench/.data/\`. Every command reads the same file in the same run, output discarded.
- Each command runs under GNU time (\`%e %U %S %M\`): wall seconds, CPU seconds (user + system), MB/s
  (file size / wall) and peak RSS. A command whose first run takes under ${REPEAT_UNDER_SECONDS} s (ours or theirs) runs ${REPEATS} times
  in all: median wall and CPU, highest peak RSS (every wall time is in results.json); slower ones run once. A
  command still running after ${timeout} s is stopped and shown as "> ${timeout} s".
- Ours, run as their installed bins run them (node with the flags of their \`#!\` line: \`${AUVIRT.slice(1, -1).join(' ') || 'none'}\`):
  \`auvirt --compat …\` (byte-identical output to the real auvirt, checked by the test suite), \`auvirt --all-events\`
  (the default, bugs-fixed report; compared with the same run of the real \`auvirt --all-events\`),
  \`virt-audit verify|search|aureport\`. Theirs: Debian's auditd 3.0.9 \`auvirt\`, \`ausearch\`, \`aureport\`.
- Emitter (best of three runs each): ${emitter.ffi === null ? 'builders only (see note)' : `${Number(values.records).toLocaleString('en')} VIRT_RESOURCE records through libaudit into a private auditd, from virt-audit (koffi in a worker thread; one awaited emit() per record, emitMany() in batches of 100, then emitAll() of all of them, which builds each chunk of 256 while the one before is sent; each batch confirmed by the kernel's status as the emitter does by default, and emitAll() once more with readBack: true and once with confirm: false) and from a C loop built with gcc against libaudit-dev, plain and confirming every 100 records with the same status reads (AUDIT_GET on a second socket until the kernel's queue is empty, /proc state of the daemon)`}; builders alone without I/O.
- Tool comparisons measured ${pairsDate.slice(0, 16).replace('T', ' ')} UTC; emitter ${emitterDate.slice(0, 16).replace('T', ' ')} UTC${values.reuse ? ' (`npm run bench -- --reuse` re-measures only the emitter)' : ''}${values['tools-only'] ? ' (`npm run bench -- --tools-only` re-measures only the tool comparisons)' : ''}.
- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}.

## Results
${table}

Emitter: builders ${fmt(emitter.builders, 0)} records/s${emitter.ffi === null ? '' : `; through FFI ${fmt(emitter.ffi, 0)} records/s one by one, ${fmt(emitter.ffiBatched ?? NaN, 0)} records/s in batches of 100, ${fmt(emitter.ffiStreamed ?? NaN, 0)} records/s streamed (emitAll), all confirmed, ${fmt(emitter.ffiStreamedReadBack ?? NaN, 0)} records/s streamed confirmed and read back, and ${fmt(emitter.ffiStreamedUnconfirmed ?? NaN, 0)} records/s streamed unconfirmed; C loop ${fmt(emitter.cLoopConfirmed ?? NaN, 0)} records/s confirmed, ${fmt(emitter.cLoop ?? NaN, 0)} records/s plain`}.${emitter.note ? ` ${emitter.note}.` : ''}

![time against log size](bench/time-vs-size.svg)

Raw numbers: [bench/results.json](bench/results.json).

## Headline
${headline.map((line) => `- ${line}`).join('\n')}
${reportMemorySection(timeout)}${hostileSection()}`);
  process.stdout.write(`${table}\n\n${headline.join(' · ')}\n`);
}

/** Line counts of the report-memory case: memory flat means the same peak at both. */
const MEMORY_SIZES = [1_000_000, 4_000_000] as const;
const MEMORY_FORMATS = [
  ['text (--all-events)', ['--all-events']],
  ['--format json', ['--format', 'json']],
  ['--format ndjson', ['--format', 'ndjson']],
  ['--format csv', ['--format', 'csv']],
] as const;

/**
 * Peak RSS of auvirt's default reports (text, json, ndjson, csv) at 1M and 4M generated lines: they write what
 * has settled and the correlator forgets it, so the peak should not grow with the log.
 */
function reportMemorySection(timeout: number): string {
  const rows: string[] = [];
  const peaks = new Map<string, number[]>();
  for (const lines of MEMORY_SIZES) {
    const file = ensureLog(lines);
    for (const [name, args] of MEMORY_FORMATS) {
      const result = measure([...AUVIRT, ...args, '--file', file], timeout);
      peaks.set(name, [...(peaks.get(name) ?? []), result.rssMb]);
      rows.push(`| ${name} | ${lines.toLocaleString('en')} | ${result.timedOut ? `> ${timeout} s` : `${fmt(result.wall, 2)} s`} | ${fmt(result.rssMb, 0)} MB |`);
    }
  }
  const growth = [...peaks].map(([name, [small, large]]) => `${name} ${fmt(((large ?? NaN) / (small ?? NaN) - 1) * 100, 0)} %`).join(', ');
  return `
## Report memory

Written by \`npm run bench\` (alone: \`npm run bench -- --only memory\`) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: peak RSS of
\`auvirt\` (default mode) on \`npm run gen\` logs, output discarded, as in Method. The reports write each
session (or row) once no later record can change it and the correlator then forgets it (docs/live.md).

| report | lines | wall | peak RSS |
|---|---:|---:|---:|
${rows.join('\n')}

Peak RSS from 1M to 4M lines: ${growth}.
`;
}

/** Replaces `heading`'s section of BENCHMARKS.md (up to the next section) with `section`, or appends it. */
function writeSection(heading: string, section: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const at = text.indexOf(`\n${heading}\n`);
  if (at === -1) {
    writeFileSync(file, `${text.trimEnd()}\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', at + heading.length + 2);
  writeFileSync(file, `${text.slice(0, at)}${section}${next === -1 ? '' : text.slice(next)}`);
}

/**
 * The sections other benches write ("Hostile input", then "Live"): kept as they are when this bench rewrites the
 * file. A "Report memory" section among them is this bench's own, written anew above: it is left out.
 */
function hostileSection(): string {
  const file = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = text.indexOf('\n## Hostile input');
  if (at === -1) return '';
  const kept = text.slice(at);
  const own = kept.indexOf('\n## Report memory\n');
  if (own === -1) return kept;
  const next = kept.indexOf('\n## ', own + 1);
  return `${kept.slice(0, own)}\n${next === -1 ? '' : kept.slice(next)}`.replace(/\n+$/, '\n');
}

await main();
