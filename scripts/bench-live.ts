// The live side's bench: a command fed, on its stdin, what auditd's dispatcher writes a plugin
// (format = string, RAW, no node name), from `npm run gen`'s generator of mixed traffic (syscall events,
// PAM, VIRT records of 64 guests, AVCs, anomalies), each record stamped with the time it is written.
//   1. latency: a steady rate (default 10,000 records/s); for each output line that names a record (its
//      `audit(SEC.MS:SERIAL)` or a proof `…:SEC.MS:SERIAL`), the time from the record's writing to the
//      line's arrival: p50, p99, max; and the command's peak RSS.
//   2. soak: 10 M records (default) at 100,000 records/s: RSS after every million, and the peak.
// Writes the "Live" section of BENCHMARKS.md and bench/live-results.json.
//
//   npm run bench:live -- [--records N] [--rate R] [--soak N] [--soak-rate R] [--seed N] [--no-write] [-- COMMAND ARGS…]
//
// COMMAND defaults to the plugin source alone: node dist/scripts/live-echo.js (every line echoed to stdout,
// a JSON summary with its drops on stderr). After the merge: `-- node dist/cli/virt-audit.js watch --plugin …`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateLog } from './gen-log.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const ECHO = join(ROOT, 'dist/scripts/live-echo.js');
/** Send times by serial, in a ring: memory stays fixed however many records a run sends. */
const RING = 1 << 20;
const STAMP = /audit\((\d+)\.(\d{3}):(\d+)\)/;
// A proof is `node:SEC.MS:SERIAL`, or `SEC.MS:SERIAL` with no node (as a JSON string).
const OUTPUT_SERIAL = /audit\(\d+\.\d{3}:(\d+)\)|[":]\d+\.\d{3}:(\d+)/;

interface RunOptions {
  readonly command: readonly string[];
  readonly records: number;
  /** Records per second. */
  readonly rate: number;
  /** Cycle one generated block of lines (the soak) instead of generating and stamping every record. */
  readonly cycle: boolean;
  readonly seed: number;
  /** RSS samples every this many records sent. */
  readonly rssEvery: number;
}

interface RunResult {
  readonly sent: number;
  readonly outputLines: number;
  readonly matched: number;
  readonly seconds: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  readonly peakRssMb: number;
  readonly rssMb: ReadonlyArray<readonly [number, number]>;
  readonly exit: string;
  readonly summary: unknown;
  /** Of the records sent, the VIRT_CONTROL / VIRT_RESOURCE / VIRT_MACHINE_ID ones. */
  readonly virtRecords: number;
}

function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SOAK_BLOCK_LINES = 100_000;
const SOAK_CHUNK_LINES = 1_000;

/** The offset of the n-th newline (1-based) of a buffer. */
function nthNewline(buffer: Buffer, n: number): number {
  let at = -1;
  for (let seen = 0; seen < n; seen++) at = buffer.indexOf(10, at + 1);
  return at;
}

async function run(options: RunOptions): Promise<RunResult> {
  const child = spawn(options.command[0]!, options.command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const sentAt = new Float64Array(RING);
  const sentSerial = new Float64Array(RING).fill(-1);
  const latencies = new Float64Array(Math.min(options.records, 2_000_000));
  let matched = 0;
  let outputLines = 0;
  let stderr = '';
  let pending: Buffer | null = null;
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('latin1')).slice(-65_536)));
  child.stdout.on('data', (chunk: Buffer) => {
    const arrived = performance.now();
    const data = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      outputLines++;
      if (options.cycle) {
        start = newline + 1;
        continue;
      }
      const match = OUTPUT_SERIAL.exec(data.toString('latin1', start, Math.min(newline, start + 4096)));
      start = newline + 1;
      const serial = Number(match?.[1] ?? match?.[2] ?? NaN);
      if (Number.isNaN(serial) || sentSerial[serial % RING] !== serial) continue;
      if (matched < latencies.length) latencies[matched] = arrived - sentAt[serial % RING]!;
      matched++;
    }
    pending = start < data.length ? data.subarray(start) : null;
  });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal === null ? `exit ${code}` : `killed (${signal})`)));
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, procStatusKb(child.pid!, 'VmHWM'))), 100);
  for (let waited = 0; !stderr.includes('ready') && waited < 3_000; waited += 20) await sleep(20);

  const stdin = child.stdin;
  stdin.on('error', () => {});
  const lines = generateLog({ lines: options.cycle ? SOAK_BLOCK_LINES : options.records, seed: options.seed, nodes: 0, guests: 64 });
  const rssMb: Array<readonly [number, number]> = [];
  let sent = 0;
  let virtRecords = 0;
  const started = performance.now();
  // auditd's dispatcher hands a plugin the kernel's EOE after each multi-record event (its log never holds
  // them): one is written after every event of two records or more, as the kernel ends such events.
  let eventSerial = -1;
  let eventRecords = 0;
  let eventStamp = '';
  const endOfEvent = (): string => (eventRecords >= 2 ? `type=EOE msg=audit(${eventStamp}:${eventSerial}): \n` : '');
  const take = (count: number): string => {
    // Each record stamped with the moment it is written (ms, as the kernel stamps), its serial kept.
    const now = Date.now();
    const stamp = `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}`;
    const sendTime = performance.now();
    let text = '';
    for (let index = 0; index < count; index++) {
      const next = lines.next();
      if (next.done) break;
      const match = STAMP.exec(next.value);
      if (match) {
        const serial = Number(match[3]);
        sentAt[serial % RING] = sendTime;
        sentSerial[serial % RING] = serial;
        if (serial !== eventSerial) {
          text += endOfEvent();
          eventSerial = serial;
          eventRecords = 0;
          eventStamp = stamp;
        }
        eventRecords++;
      }
      text += `${match ? next.value.replace(STAMP, `audit(${stamp}:${match[3]})`) : next.value}\n`;
      if (next.value.startsWith('type=VIRT_')) virtRecords++;
      sent++;
      if (sent % options.rssEvery === 0) rssMb.push([sent, procStatusKb(child.pid!, 'VmRSS') / 1024]);
    }
    return text;
  };
  // The soak cycles one generated block (its stamps as generated): the generator is slower than a soak's rate.
  const block = options.cycle ? Buffer.from(take(SOAK_BLOCK_LINES), 'latin1') : null;
  const chunkEnds = block === null ? [] : Array.from({ length: SOAK_BLOCK_LINES / SOAK_CHUNK_LINES }, (_, index) => nthNewline(block, (index + 1) * SOAK_CHUNK_LINES) + 1);
  if (block !== null) sent = 0;
  const begun = performance.now();
  while (sent < options.records && child.exitCode === null) {
    const due = Math.min(options.records, Math.floor(((performance.now() - begun) / 1000) * options.rate)) - sent;
    if (block !== null) {
      for (let written = 0; written < due && sent < options.records; written += SOAK_CHUNK_LINES) {
        const chunk = (sent % SOAK_BLOCK_LINES) / SOAK_CHUNK_LINES;
        const before = Math.floor(sent / options.rssEvery);
        const lineCount = Math.min(SOAK_CHUNK_LINES, options.records - sent);
        const from = chunk === 0 ? 0 : chunkEnds[chunk - 1]!;
        const to = lineCount === SOAK_CHUNK_LINES ? chunkEnds[chunk]! : nthNewline(block.subarray(from), lineCount) + 1 + from;
        sent += lineCount;
        if (Math.floor(sent / options.rssEvery) > before) rssMb.push([sent, procStatusKb(child.pid!, 'VmRSS') / 1024]);
        if (!stdin.write(block.subarray(from, to))) await new Promise((resolve) => stdin.once('drain', resolve));
      }
    } else if (due > 0) stdin.write(take(due), 'latin1');
    await sleep(1);
  }
  const seconds = (performance.now() - started) / 1000;
  stdin.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exit = await exited;
  clearTimeout(killer);
  clearInterval(sampler);
  const sorted = latencies.slice(0, Math.min(matched, latencies.length)).sort();
  let summary: unknown = null;
  try {
    summary = JSON.parse(stderr.trim().split('\n').at(-1) ?? '');
  } catch {
    summary = stderr.trim().split('\n').at(-1) ?? null;
  }
  return {
    sent, outputLines, matched, seconds, exit, summary, rssMb, virtRecords,
    latencyMs: sorted.length === 0 ? null : { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1]! },
    peakRssMb: Math.max(peakKb, 0) / 1024,
  };
}

function cpuName(): string {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? cpus()[0]!.model;
  } catch {
    return cpus()[0]!.model;
  }
}

function section(command: readonly string[], latency: RunResult, soak: RunResult | null, options: { records: number; rate: number; soak: number; soakRate: number; seed: number }): string {
  const shown = command.map((part) => part.startsWith(ROOT) ? part.slice(ROOT.length + 1) : part === process.execPath ? 'node' : part).join(' ');
  const mb = (value: number) => `${value.toFixed(0)} MB`;
  const drops = (result: RunResult) => {
    const summary = result.summary as { dropped?: number; written?: number } | null;
    if (typeof summary?.dropped === 'number') return `${summary.dropped.toLocaleString('en-US')} dropped (the command's count)`;
    // virt-audit watch says on stderr what it dropped, and nothing when it dropped nothing.
    return result.summary === '' && result.exit === 'exit 0' ? 'none (the command said nothing on stderr)' : `not counted by the command (its last stderr line: ${JSON.stringify(result.summary)})`;
  };
  return [
    '## Live',
    '',
    `Written by \`npm run bench:live\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Do not edit by hand.`,
    '',
    `- Command: \`${shown}\`, fed on stdin what auditd 3.0.9's dispatcher writes a \`format = string\` plugin (RAW, no node name): \`npm run gen\`'s mixed traffic (seed ${options.seed}, 64 guests; about one record in five a VIRT record), each record stamped with the moment it was written.`,
    `- Latency: ${options.records.toLocaleString('en-US')} records at ${options.rate.toLocaleString('en-US')} records/s (written every millisecond); for each output line naming a record (its \`audit(SEC.MS:SERIAL)\`, or a proof), the time from the record's writing to the line reaching the bench (monotonic clock). Peak RSS: the command's VmHWM from /proc, read every 100 ms.`,
    `- Soak: ${options.soak === 0 ? 'not run' : `${options.soak.toLocaleString('en-US')} records at ${options.soakRate.toLocaleString('en-US')} records/s (one generated block of ${SOAK_BLOCK_LINES.toLocaleString('en-US')} lines, cycled); RSS (VmRSS) after every million, and the peak`}.`,
    `- Machine: ${cpus().length} × ${cpuName()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, shared with other work: latencies are for orientation (one run, no ratio).`,
    '',
    '| run | records | output lines | latency p50 | p99 | max | peak RSS | drops |',
    '|---|---|---|---|---|---|---|---|',
    `| ${options.rate.toLocaleString('en-US')}/s | ${latency.sent.toLocaleString('en-US')} | ${latency.outputLines.toLocaleString('en-US')} | ${latency.latencyMs ? `${latency.latencyMs.p50.toFixed(2)} ms | ${latency.latencyMs.p99.toFixed(2)} ms | ${latency.latencyMs.max.toFixed(1)} ms` : '— | — | —'} | ${mb(latency.peakRssMb)} | ${drops(latency)} |`,
    ...(soak === null ? [] : [`| soak, ${(soak.sent / soak.seconds / 1000).toFixed(0)}k/s reached | ${soak.sent.toLocaleString('en-US')} | ${soak.outputLines.toLocaleString('en-US')} | — | — | — | ${mb(soak.peakRssMb)} | ${drops(soak)} |`]),
    '',
    ...(soak === null || soak.rssMb.length === 0 ? [] : [`Soak RSS after each million records: ${soak.rssMb.map(([, value]) => value.toFixed(0)).join(', ')} MB.`, '']),
    'Raw numbers: [bench/live-results.json](bench/live-results.json).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      records: { type: 'string', default: '300000' },
      rate: { type: 'string', default: '10000' },
      soak: { type: 'string', default: '10000000' },
      'soak-rate': { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const command = positionals.length > 0 ? positionals : [process.execPath, ECHO];
  if (command[1] === ECHO && !existsSync(ECHO)) throw new Error(`${ECHO} is not built: npm run build`);
  const options = { records: Number(values.records), rate: Number(values.rate), soak: Number(values.soak), soakRate: Number(values['soak-rate']), seed: Number(values.seed) };
  console.log(`latency: ${options.records} records at ${options.rate}/s into ${command.join(' ')}`);
  const latency = await run({ command, records: options.records, rate: options.rate, cycle: false, seed: options.seed, rssEvery: 1_000_000 });
  console.log(JSON.stringify({ ...latency, rssMb: undefined }));
  let soak: RunResult | null = null;
  if (options.soak > 0) {
    console.log(`soak: ${options.soak} records at ${options.soakRate}/s`);
    soak = await run({ command, records: options.soak, rate: options.soakRate, cycle: true, seed: options.seed + 1, rssEvery: 1_000_000 });
    console.log(JSON.stringify(soak));
  }
  if (values['no-write']) return;
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/live-results.json'), `${JSON.stringify({ date: new Date().toISOString(), command, options, latency, soak }, null, 2)}\n`);
  const file = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf('## Live\n');
  const next = start === -1 ? -1 : text.indexOf('\n## ', start + 1);
  const body = section(command, latency, soak, options);
  writeFileSync(file, start === -1 ? `${text.trimEnd()}\n\n${body}` : `${text.slice(0, start)}${body}${next === -1 ? '' : text.slice(next + 1)}`);
  console.log('BENCHMARKS.md: "Live" written');
}

await main();
