// auvirt's report read by a slow reader: the writes wait for the pipe (cli/blocking-write.ts) instead of
// queueing the report in memory, in both modes; the bytes are those of a run written to a file.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const AUVIRT = fileURLToPath(new URL('../dist/cli/auvirt.js', import.meta.url));
const RECORDS = 300_000;

let directory: string;
let log: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'auvirt-slow-'));
  log = join(directory, 'resources.log');
  const lines: string[] = [];
  for (let serial = 1; serial <= RECORDS; serial++) {
    lines.push(
      `type=VIRT_RESOURCE msg=audit(${1795337868 + serial}.513:${serial}): pid=30317 uid=0 auid=4294967295 ses=4294967295 msg='virt=qemu resrc=disk reason=attach vm="guest-${serial % 7}" uuid=7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d0${serial % 7} old-disk="?" new-disk="/var/lib/images/disk-${serial}.qcow2" exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'`,
    );
  }
  writeFileSync(log, `${lines.join('\n')}\n`);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

const statusField = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0) / 1024;
const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\) /s, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Peak RSS (MB) of the command with its output to a file, and the output's hash and size. */
function toFile(args: readonly string[]): { peakMb: number; sha: string; bytes: number } {
  const out = join(directory, 'out');
  const fd = openSync(out, 'w');
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, AUVIRT, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'latin1' });
  closeSync(fd);
  expect(result.status).toBe(0);
  const bytes = readFileSync(out);
  return { peakMb: Number(result.stderr.trim().split('\n').at(-1)) / 1024, sha: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** The command's stdout left unread until it stops working, then read: its peak RSS (MB) while stalled and the output's hash. */
async function slowReader(args: readonly string[]): Promise<{ stalledPeakMb: number; sha: string }> {
  const child = spawn(process.execPath, [AUVIRT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pause();
  const closed = new Promise((resolve) => child.stdout.on('close', resolve));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const pid = child.pid!;
  // Stalled: no CPU time spent for a second (blocked on the full pipe), or 60 s.
  let ticks = -1;
  for (let waited = 0; waited < 60_000; waited += 1000) {
    await sleep(1000);
    const now = cpuTicks(pid);
    if (now === ticks) break;
    ticks = now;
  }
  const stalledPeakMb = statusField(pid, 'VmHWM');
  const hash = createHash('sha256');
  child.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
  child.stdout.resume();
  const [code] = await Promise.all([exited, closed]);
  expect(code).toBe(0);
  return { stalledPeakMb, sha: hash.digest('hex') };
}

describe.each([
  ['--compat', ['--compat', '--all-events', '--proof', '--show-uuid']],
  ['default mode', ['--all-events', '--proof', '--show-uuid']],
])('auvirt %s read by a reader that stops reading', (_mode, flags) => {
  it('waits for the pipe: its memory stays that of a run written to a file, and the bytes are the same', async () => {
    const args = [...flags, '--file', log];
    const file = toFile(args);
    // Big enough that queueing it would show: more than 30 MB of report.
    expect(file.bytes).toBeGreaterThan(30 * 2 ** 20);
    const slow = await slowReader(args);
    expect(slow.sha).toBe(file.sha);
    expect(slow.stalledPeakMb).toBeLessThan(file.peakMb + file.bytes / 2 ** 20 / 3);
  }, 240_000);
});
