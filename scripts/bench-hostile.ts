// npm run bench:hostile: peak memory of every reading command on hostile input, a measurement (not a
// timed test). Each command that reads input reads (1) a file of N hostile lines (default 10 M: short garbage, NUL and
// control bytes, VIRT records libvirt would not write, cut records, over-long lines) and (2) an endless
// stdin of the same lines, stopped after 20 s. Peak RSS is the process's VmHWM (threads included), read
// from /proc while it runs. Writes the "Hostile input" section of BENCHMARKS.md. `--only NAME` (repeatable)
// runs the commands whose names contain NAME and keeps the section's other rows, saying which are which.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'bench/.data');
const LIMIT_MB = 200;
let STDIN_SECONDS = 20;

/** [node, the flags of the script's `#!` line, the script]: as its installed bin runs it. */
function asInstalled(script: string): string[] {
  const firstLine = readFileSync(script, 'latin1').split('\n', 1)[0]!;
  const flags = /^#!\/usr\/bin\/env -S node((?: --?[\w=-]+)*)\s*$/.exec(firstLine)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  return [process.execPath, ...flags, script];
}
const CLI = asInstalled(join(ROOT, 'dist/cli/virt-audit.js'));
const AUVIRT = asInstalled(join(ROOT, 'dist/cli/auvirt.js'));

const VIRT = "type=VIRT_RESOURCE msg=audit(1795337868.513:1714622): pid=30317 uid=0 auid=4294967295 ses=4294967295 msg='virt=qemu resrc=disk reason=start vm=\"vacap-basic\" uuid=7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01 old-disk=\"?\" new-disk=\"/var/lib/images/basic.qcow2\" exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? res=success'";

/** One cycle of hostile lines (every kind verify rejects or finds invalid); `serial` keeps stamps moving. */
function hostileCycle(serial: number): string {
  const virt = VIRT.replace(':1714622)', `:${serial})`);
  return [
    ...Array.from({ length: 10 }, () => 'y'),
    'garbage\u0000with a NUL',
    'binary \u0001\u0002\u0003 bytes',
    virt.replace('vm="vacap-basic"', 'vm=vacap-basic'), // bare where libvirt encodes: invalid
    virt.replace(' uuid=', '  uuid='), // double space: invalid
    virt.slice(0, 150), // cut: msg-unterminated
    `${virt}\u001d\u001d`, // misplaced separator
    `type=VIRT_CONTROL msg=audit(99999999999999999999.000:${serial}): ${'x'.repeat(300)}`, // absurd stamp
    'x'.repeat(2000), // long garbage
  ].join('\n');
}
const CYCLE_LINES = 18;

function generate(lines: number): string {
  mkdirSync(DATA, { recursive: true });
  const path = join(DATA, `hostile-${lines}.log`);
  if (existsSync(path)) return path;
  const fd = openSync(`${path}.part`, 'w');
  const pieces: string[] = [];
  for (let written = 0, serial = 1; written < lines; written += CYCLE_LINES, serial++) {
    pieces.push(hostileCycle(serial));
    if (pieces.length === 2000) writeSync(fd, `${pieces.splice(0).join('\n')}\n`, null, 'latin1');
  }
  if (pieces.length > 0) writeSync(fd, `${pieces.join('\n')}\n`, null, 'latin1');
  closeSync(fd);
  execFileSync('mv', [`${path}.part`, path]);
  return path;
}

function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Run {
  readonly peakMb: number;
  readonly seconds: number;
  readonly status: string;
  readonly linesFed?: number;
}

/**
 * Runs `command`, output discarded, its peak RSS sampled every 100 ms: the hostile cycle fed forever on
 * stdin if `endless` (stopped after STDIN_SECONDS), else `stdinFile` (or nothing) on its stdin.
 */
function run(command: readonly string[], endless: boolean, stdinFile?: string): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const input = stdinFile === undefined ? undefined : openSync(stdinFile, 'r');
    const child = spawn(command[0]!, command.slice(1), { stdio: [endless ? 'pipe' : (input ?? 'ignore'), 'ignore', 'ignore'] });
    if (input !== undefined) closeSync(input);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!))), 100);
    let fed = 0;
    let stopper: NodeJS.Timeout | undefined;
    if (endless) {
      const chunk = Buffer.from(`${Array.from({ length: 500 }, (_, index) => hostileCycle(index + 1)).join('\n')}\n`, 'latin1');
      const stdin = child.stdin!;
      stdin.on('error', () => {});
      const pump = (): void => {
        let more = true;
        while (!stdin.destroyed && more) {
          more = stdin.write(chunk);
          fed += 500 * CYCLE_LINES;
        }
        if (!stdin.destroyed) stdin.once('drain', pump);
      };
      pump();
      stopper = setTimeout(() => {
        peak = Math.max(peak, peakRssMb(child.pid!));
        child.kill('SIGTERM');
      }, STDIN_SECONDS * 1000);
    }
    child.on('exit', (code, signal) => {
      clearInterval(sampler);
      if (stopper) clearTimeout(stopper);
      resolve({ peakMb: peak, seconds: (Date.now() - started) / 1000, status: signal === null ? `exit ${code}` : `stopped (${signal})`, ...(endless ? { linesFed: fed } : {}) });
    });
  });
}

/** Every command that reads input (`lifecycle` reads none: it writes one guest event's records). `fileOnStdin`: the file is given on stdin. */
const COMMANDS: ReadonlyArray<{ name: string; file: (path: string) => string[]; stdin: string[]; fileOnStdin?: boolean }> = [
  { name: 'verify (text)', file: (path) => [...CLI, 'verify', path], stdin: [...CLI, 'verify', '-'] },
  { name: 'verify --format json', file: (path) => [...CLI, 'verify', '--format', 'json', path], stdin: [...CLI, 'verify', '--format', 'json', '-'] },
  { name: 'verify --format ndjson', file: (path) => [...CLI, 'verify', '--format', 'ndjson', path], stdin: [...CLI, 'verify', '--format', 'ndjson', '-'] },
  { name: 'verify --format junit', file: (path) => [...CLI, 'verify', '--format', 'junit', path], stdin: [...CLI, 'verify', '--format', 'junit', '-'] },
  { name: 'auvirt --all-events (default mode)', file: (path) => [...AUVIRT, '--all-events', '--file', path], stdin: [...AUVIRT, '--all-events', '--stdin'] },
  { name: 'auvirt --compat --all-events', file: (path) => [...AUVIRT, '--compat', '--all-events', '--file', path], stdin: [...AUVIRT, '--compat', '--all-events', '--stdin'] },
  { name: 'auvirt --compat', file: (path) => [...AUVIRT, '--compat', '--file', path], stdin: [...AUVIRT, '--compat', '--stdin'] },
  { name: 'search --vm vacap', file: (path) => [...CLI, 'search', '--vm', 'vacap', path], stdin: [...CLI, 'search', '--vm', 'vacap', '-'] },
  { name: 'aureport --virt', file: (path) => [...CLI, 'aureport', '--virt', '-if', path], stdin: [...CLI, 'aureport', '--virt'] },
  { name: 'conform --rules', file: (path) => [...CLI, 'conform', '--rules', path], stdin: [...CLI, 'conform', '--rules', '-'] },
  // emit reads NDJSON on stdin (every hostile line is refused, each told on stderr) or replays a log's VIRT records.
  { name: 'emit --sink stdout --policy best-effort (--replay FILE; NDJSON on stdin)', file: (path) => [...CLI, 'emit', '--sink', 'stdout', '--policy', 'best-effort', '--replay', path], stdin: [...CLI, 'emit', '--sink', 'stdout', '--policy', 'best-effort'] },
  { name: 'watch --plugin (the file on stdin)', file: () => [...CLI, 'watch', '--plugin'], stdin: [...CLI, 'watch', '--plugin'], fileOnStdin: true },
];

function cpuName(): string {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? cpus()[0]!.model;
  } catch {
    return cpus()[0]!.model;
  }
}

/** The rows of the "Hostile input" table now in BENCHMARKS.md, by command name, with the date of their run. */
function previousRows(text: string): { rows: Map<string, string>; written: string | undefined } {
  const rows = new Map<string, string>();
  const start = text.indexOf('## Hostile input');
  if (start === -1) return { rows, written: undefined };
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next === -1 ? undefined : next);
  for (const line of section.split('\n')) {
    const name = /^\| `(.+?)` \|/.exec(line)?.[1];
    if (name !== undefined) rows.set(name, line);
  }
  return { rows, written: /on (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(section)?.[1] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '10000000' },
      'stdin-seconds': { type: 'string', default: String(STDIN_SECONDS) },
      // Runs only the commands whose names contain one of these; the other rows are kept from the last run.
      only: { type: 'string', multiple: true },
    },
  });
  const lines = Number(values.lines);
  STDIN_SECONDS = Number(values['stdin-seconds']);
  const only = values.only ?? [];
  const chosen = only.length === 0 ? COMMANDS : COMMANDS.filter((command) => only.some((part) => command.name.includes(part)));
  if (chosen.length === 0) throw new Error(`--only ${only.join(', ')}: no command's name contains it`);
  const file = join(ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const previous = previousRows(text);
  const load = loadavg()[0]!;
  const path = generate(lines);
  const size = statSync(path).size;
  const measured = new Map<string, string>();
  for (const command of chosen) {
    const fromFile = await run(command.file(path), false, command.fileOnStdin === true ? path : undefined);
    const fromStdin = await run(command.stdin, true);
    console.log(`${command.name}: file ${fromFile.peakMb.toFixed(0)} MB in ${fromFile.seconds.toFixed(1)} s (${fromFile.status}); endless stdin ${fromStdin.peakMb.toFixed(0)} MB, ${fromStdin.linesFed} lines fed in ${STDIN_SECONDS} s`);
    measured.set(command.name, `| \`${command.name}\` | ${fromFile.peakMb.toFixed(0)} MB | ${fromFile.seconds.toFixed(1)} s (${fromFile.status}) | ${fromStdin.peakMb.toFixed(0)} MB | ${(fromStdin.linesFed! / 1e6).toFixed(1)} M |`);
  }
  const now = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const kept = COMMANDS.filter((command) => !measured.has(command.name) && previous.rows.has(command.name));
  const rows = COMMANDS.map((command) => measured.get(command.name) ?? previous.rows.get(command.name)).filter((row): row is string => row !== undefined);
  const over = rows.filter((row) => row.split('|').slice(2, 5).some((cell) => /^ (\d+) MB $/.test(cell) && Number(/\d+/.exec(cell)![0]) > LIMIT_MB)).length;
  const section = [
    '## Hostile input',
    '',
    `Written by \`npm run bench:hostile\` on ${now} UTC. Do not edit by hand.`,
    '',
    `- Input: ${(lines / 1e6).toFixed(1)} M hostile lines (${(size / 1e6).toFixed(0)} MB; \`bench/.data/hostile-${lines}.log\`), a cycle of 18: 10 one-byte garbage lines, a NUL line, a control-byte line, four VIRT records libvirt would not write (a bare vm=, a double space, a record cut short, a doubled 0x1D), a stamp beyond unsigned long, a 2,000-byte garbage line; and the same cycle on an endless stdin, stopped (SIGTERM) after ${STDIN_SECONDS} s.`,
    '- Peak RSS: the process\'s VmHWM (all its threads) from /proc, read every 100 ms and before the stop. Output discarded. Our commands run as their bins run them (node with the flags of their `#!` line). Target: every command ≤ 200 MB, flat in the input size.',
    `- Machine: ${cpus().length} × ${cpuName()} (lscpu), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, load average ${load.toFixed(1)} at the start (the machine shared with other work). The times are for orientation only (no ratio, one run); memory is what this measures. \`lifecycle\` reads no input and is not run.`,
    ...(kept.length === 0 ? [] : [`- Run with \`--only\`: measured on ${now} UTC ${[...measured.keys()].map((name) => `\`${name}\``).join(', ')}; the other rows are as the section written on ${previous.written ?? 'an earlier date'} UTC showed them (${kept.map((command) => `\`${command.name}\``).join(', ')}).`]),
    '',
    `| command | peak RSS, file | time, file | peak RSS, endless stdin | lines taken in ${STDIN_SECONDS} s |`,
    '|---|---|---|---|---|',
    ...rows,
    '',
    over === 0 ? `Every command stayed at or under ${LIMIT_MB} MB.` : `${over} command(s) went over ${LIMIT_MB} MB.`,
    '',
    '',
  ].join('\n');
  const start = text.indexOf('## Hostile input');
  const next = start === -1 ? -1 : text.indexOf('\n## ', start + 1);
  const updated = start === -1 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next === -1 ? '' : text.slice(next + 1)}`;
  writeFileSync(file, updated);
  console.log(`BENCHMARKS.md: "Hostile input" written${over === 0 ? '' : `; ${over} over ${LIMIT_MB} MB`}`);
}

await main();
