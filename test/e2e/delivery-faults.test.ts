// The fault matrix of `virt-audit emit` against the real kernel and a private auditd: each fault ends with
// a non-zero exit or an honest tally, and every record read is counted once, under one outcome. Runs as
// root under the host lock (npm run test:e2e); every kernel setting changed is put back in a finally.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Emitter, LibauditSink, EmitError, type EmitInput } from '../../emitter/index.js';
import { PrivateAuditd, auditStatus, auditdUnavailable } from '../../scripts/private-auditd.js';
import { CLI } from '../support/cli.js';

const unavailable = auditdUnavailable();
if (unavailable) console.warn(`[skip] delivery fault matrix: ${unavailable}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const record = (uuid: string, index: number): EmitInput => ({
  type: 'VIRT_RESOURCE', virt: 'kvm', resrc: 'vcpu', reason: 'update', vm: 'faults', uuid, 'old-vcpu': index, 'new-vcpu': index + 1, res: 'success',
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface StreamOptions {
  readonly wrapper?: readonly string[];
  /** Pause this long after every `every` records, so that the stream spans the fault. */
  readonly pace?: { readonly every: number; readonly ms: number };
  /** Runs before record number `before` is written; in the background (the records go on) when asked. */
  readonly fault?: { readonly before: number; readonly action: () => Promise<void>; readonly background?: boolean };
  /** Closes the CLI's stdout after its first bytes. */
  readonly closeStdout?: boolean;
}

/** Streams `count` NDJSON records into `virt-audit emit …args`, as fast as it reads them unless paced. */
async function streamEmit(args: readonly string[], uuid: string, count: number, options: StreamOptions = {}): Promise<Run> {
  const wrapper = options.wrapper ?? [];
  const command = [...wrapper, process.execPath, CLI, 'emit', ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (options.closeStdout) child.stdout.destroy();
    else stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the CLI may stop reading when it stops
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  let background: Promise<void> | undefined;
  for (let index = 0; index < count && child.exitCode === null; index++) {
    if (options.fault?.before === index) {
      if (options.fault.background) background = options.fault.action();
      else await options.fault.action();
    }
    if (!child.stdin.write(`${JSON.stringify(record(uuid, index))}\n`)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    if (options.pace && (index + 1) % options.pace.every === 0) await sleep(options.pace.ms);
  }
  child.stdin.end();
  const status = await closed;
  await background;
  return { status, stdout, stderr };
}

/** The tally, the CLI's last line on stderr: records read, and how many under each outcome. */
function tallyOf(run: Run): { records: number; counts: Record<string, number>; kernelLost: number } {
  const lines = run.stderr.trimEnd().split('\n');
  const last = lines[lines.length - 1]!;
  const match = /^virt-audit emit: (\d+) records: ([^;]*)(?:; the kernel's lost counter rose by (\d+) .*)?$/.exec(last);
  if (!match) throw new Error(`the last line on stderr is not the tally: ${last}`);
  const counts: Record<string, number> = {};
  for (const part of match[2]!.split(', ')) {
    const [value, key] = part.split(' ');
    counts[key!] = Number(value);
  }
  const records = Number(match[1]);
  expect(Object.values(counts).reduce((sum, value) => sum + value, 0)).toBe(records);
  return { records, counts, kernelLost: Number(match[3] ?? 0) };
}

function logCount(auditd: PrivateAuditd, uuid: string): number {
  return auditd.log().split('\n').filter((line) => line.includes(uuid)).length;
}

/** auditctl with these flags, and the flags that put back what it changed. */
function auditctl(...flags: string[]): void {
  execFileSync('auditctl', flags, { stdio: 'ignore', timeout: 10_000 });
}

function restoreKernel(before: ReturnType<typeof auditStatus> & { rateLimit?: number }): void {
  auditctl('-e', String(before.enabled), '-b', String(before.backlogLimit), '-r', String(before.rateLimit ?? 0));
}

function statusWithRate(): ReturnType<typeof auditStatus> & { rateLimit: number } {
  const text = execFileSync('auditctl', ['-s'], { encoding: 'utf8' });
  return { ...auditStatus(), rateLimit: Number(/^rate_limit (\d+)/m.exec(text)?.[1] ?? 0) };
}

/** 10,000 records streamed into best-effort emit, paced; once auditd logged 2,000, auditing is off for 150 ms. */
function disabledBriefly(daemon: PrivateAuditd, uuid: string, flags: readonly string[]): Promise<Run> {
  return streamEmit(['--policy', 'best-effort', ...flags], uuid, 10_000, {
    pace: { every: 100, ms: 5 },
    fault: { before: 2000, background: true, action: async () => {
      await waitFor(() => logCount(daemon, uuid) >= 2000, 'auditd to log 2,000 records');
      auditctl('-e', '0');
      await sleep(150);
      auditctl('-e', '1');
    } },
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  for (const started = Date.now(); !condition(); await sleep(50)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe.skipIf(unavailable !== null)('virt-audit emit under faults (real kernel, private auditd)', () => {
  let auditd: PrivateAuditd | undefined;
  const before = unavailable === null ? statusWithRate() : undefined;

  // Debian's audit.rules sets -b 8192; the kernel's default of 64 is what a host with no rules has. With 64 the
  // emitter's paced stream keeps the kernel queue over the limit, and the kernel then puts every auditctl to sleep
  // after its request until kauditd drains the queue (audit_receive's "penalize the sender"); a wake-up that comes
  // before the sleep begins is lost, and auditctl sleeps the whole backlog_wait_time (60 s). The test that needs a
  // small backlog sets its own.
  beforeEach(() => {
    if (before) auditctl('-b', '8192');
  });

  afterEach(async () => {
    await auditd?.stop();
    auditd = undefined;
    if (before) restoreKernel(before);
  }, 60_000);

  it('auditd not running (audit enabled): required sends nothing and stops; best-effort sends and counts every record no-daemon', async () => {
    auditctl('-e', '1');
    const uuid = randomUUID();
    const strict = await streamEmit(['--policy', 'required'], uuid, 250);
    expect(strict.status).toBe(1);
    expect(tallyOf(strict)).toEqual({ records: 250, counts: { delivered: 0, 'no-daemon': 100, unsent: 150 }, kernelLost: 0 });
    expect(strict.stderr).toMatch(/no-daemon — not sent: no audit daemon is registered/);
    const lenient = await streamEmit(['--policy', 'best-effort'], uuid, 250);
    expect(lenient.status).toBe(1);
    expect(tallyOf(lenient).counts).toEqual({ delivered: 0, 'no-daemon': 250 });
    expect(lenient.stderr.match(/warning: no-daemon/g)).toHaveLength(1);
  });

  it('auditd killed mid-stream: what it logged is what was delivered; the batch it died in is no-daemon, the rest unsent', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const daemon = auditd;
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'required'], uuid, 2000, {
      fault: {
        before: 1000,
        action: async () => {
          await waitFor(() => logCount(daemon, uuid) === 1000, 'auditd to log the first 1,000 records');
          const pid = daemon.pid!;
          process.kill(pid, 'SIGKILL');
          await waitFor(() => daemon.pid === undefined, 'auditd to die');
        },
      },
    });
    expect(run.status).toBe(1);
    expect(tallyOf(run).counts).toEqual({ delivered: 1000, 'no-daemon': 100, unsent: 900 });
    expect(run.stderr).toMatch(/no-daemon — the audit daemon \(pid \d+\) went away during batch 11/);
    expect(logCount(daemon, uuid)).toBe(1000);
  }, 120_000);

  it('auditd killed mid-stream under best-effort: every record after it is counted no-daemon, none delivered', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const daemon = auditd;
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'best-effort'], uuid, 1500, {
      fault: {
        before: 700,
        action: async () => {
          await waitFor(() => logCount(daemon, uuid) === 700, 'auditd to log the first 700 records');
          process.kill(daemon.pid!, 'SIGKILL');
          await waitFor(() => daemon.pid === undefined, 'auditd to die');
        },
      },
    });
    expect(run.status).toBe(1);
    expect(tallyOf(run).counts).toEqual({ delivered: 700, 'no-daemon': 800 });
    expect(logCount(daemon, uuid)).toBe(700);
  }, 120_000);

  it('audit disabled for 150 ms mid-stream: best-effort goes on, warns once; only the batch it began in is in doubt', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const run = await disabledBriefly(auditd, uuid, []);
    await auditd.stop();
    const { records, counts } = tallyOf(run);
    expect(run.status).toBe(1);
    expect(records).toBe(10_000);
    expect(counts['audit-disabled']).toBeGreaterThan(0);
    expect(counts.delivered).toBeGreaterThanOrEqual(2000);
    expect(counts.delivered! + counts['audit-disabled']!).toBe(10_000);
    expect(run.stderr.match(/warning: audit-disabled/g)).toHaveLength(1);
    // Batches read as disabled before they were sent are not sent; the one the switch fell in was sent and
    // some of it may be logged, so the log holds the delivered records and at most one batch more.
    const logged = logCount(auditd, uuid);
    expect(logged).toBeGreaterThanOrEqual(counts.delivered!);
    expect(logged).toBeLessThanOrEqual(counts.delivered! + 100);
  }, 120_000);

  it('audit disabled for 150 ms mid-stream, --read-back: every record is accounted for exactly, the log holds exactly the delivered ones', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const run = await disabledBriefly(auditd, uuid, ['--read-back']);
    await auditd.stop();
    const { counts } = tallyOf(run);
    expect(run.status).toBe(1);
    // A record not read back is audit-disabled when a status read around it saw auditing off, else maybe-lost.
    const dropped = (counts['audit-disabled'] ?? 0) + (counts['maybe-lost'] ?? 0);
    expect(dropped).toBeGreaterThan(0);
    expect(counts.delivered! + dropped).toBe(10_000);
    expect(logCount(auditd, uuid)).toBe(counts.delivered);
  }, 120_000);

  it('--read-back without CAP_AUDIT_READ: unconfirmed, never delivered', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'best-effort', '--read-back'], uuid, 150, { wrapper: ['setpriv', '--inh-caps=-audit_read', '--bounding-set=-audit_read'] });
    expect(run.status).toBe(1);
    expect(tallyOf(run).counts).toEqual({ delivered: 0, unconfirmed: 150 });
    expect(run.stderr).toMatch(/unconfirmed — .*multicast group could not be joined: EPERM/);
    await auditd.stop();
    expect(logCount(auditd, uuid)).toBe(150);
  }, 120_000);

  it('audit disabled mid-stream under required: stops at the first batch not confirmed', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const daemon = auditd;
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'required'], uuid, 3000, {
      pace: { every: 100, ms: 5 },
      fault: { before: 1000, background: true, action: async () => {
        await waitFor(() => logCount(daemon, uuid) >= 1000, 'auditd to log 1,000 records');
        auditctl('-e', '0');
      } },
    });
    auditctl('-e', '1');
    await auditd.stop();
    const { counts } = tallyOf(run);
    expect(run.status).toBe(1);
    expect(counts['audit-disabled']).toBe(100);
    expect(counts.delivered! + 100 + counts.unsent!).toBe(3000);
    expect(counts.delivered).toBeGreaterThanOrEqual(1000);
    const logged = logCount(auditd, uuid);
    expect(logged).toBeGreaterThanOrEqual(counts.delivered!);
    expect(logged).toBeLessThanOrEqual(counts.delivered! + 100);
  }, 120_000);

  it('a kernel rate limit (-r 200): the batches it dropped from are maybe-lost, with the rise of lost; none is called delivered', async () => {
    auditd = await PrivateAuditd.start('RAW');
    auditctl('-r', '200');
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'best-effort'], uuid, 2000);
    auditctl('-r', '0');
    await auditd.stop();
    const { counts, kernelLost } = tallyOf(run);
    expect(run.status).toBe(1);
    expect(counts.delivered! + counts['maybe-lost']!).toBe(2000);
    expect(counts['maybe-lost']).toBeGreaterThan(0);
    const logged = logCount(auditd, uuid);
    // Every record the log lacks was counted by the kernel as lost, in a batch reported maybe-lost.
    expect(logged).toBeGreaterThanOrEqual(counts.delivered!);
    expect(logged).toBeLessThan(2000);
    expect(2000 - logged).toBeLessThanOrEqual(kernelLost);
    expect(2000 - logged).toBeLessThanOrEqual(counts['maybe-lost']!);
  }, 120_000);

  it('a kernel rate limit (-r 200) with --read-back: exact — the log holds exactly the delivered records', async () => {
    auditd = await PrivateAuditd.start('RAW');
    auditctl('-r', '200');
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'best-effort', '--read-back'], uuid, 2000);
    auditctl('-r', '0');
    await auditd.stop();
    const { counts } = tallyOf(run);
    expect(run.status).toBe(1);
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(2000);
    expect(counts.delivered).toBeGreaterThan(0);
    expect(counts.delivered).toBeLessThan(2000);
    expect(logCount(auditd, uuid)).toBe(counts.delivered);
  }, 120_000);

  it('a kernel rate limit under required: stops at the first maybe-lost batch', async () => {
    auditd = await PrivateAuditd.start('RAW');
    auditctl('-r', '200');
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'required'], uuid, 2000);
    auditctl('-r', '0');
    await auditd.stop();
    const { counts } = tallyOf(run);
    expect(run.status).toBe(1);
    expect(counts['maybe-lost']).toBe(100);
    expect(counts.delivered! + 100 + counts.unsent!).toBe(2000);
    expect(run.stderr).toMatch(/maybe-lost — the kernel's lost counter rose by \d+ during batch \d+ \(100 records\)/);
    const logged = logCount(auditd, uuid);
    expect(logged).toBeGreaterThanOrEqual(counts.delivered!);
    expect(logged).toBeLessThan(counts.delivered! + 100);
  }, 120_000);

  it('auditd stopped (SIGSTOP) with a small backlog limit: no record is called delivered; what the log gets after SIGCONT was counted no-daemon', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const pid = auditd.pid!;
    const uuid = randomUUID();
    auditctl('-b', '64');
    process.kill(pid, 'SIGSTOP');
    let run: Run;
    try {
      run = await streamEmit(['--policy', 'best-effort', '--timeout', '30000'], uuid, 3000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await auditd.stop();
    const { counts } = tallyOf(run);
    expect(run.status).toBe(1);
    // The kernel keeps the daemon registered and drops what its full socket refuses without counting it
    // (kauditd_hold_skb, printk only): the daemon's stopped state is what says so.
    expect(counts.delivered).toBe(0);
    expect(counts['no-daemon']).toBeGreaterThan(0);
    expect(counts['no-daemon']! + (counts['maybe-lost'] ?? 0) + (counts.unconfirmed ?? 0)).toBe(3000);
    expect(run.stderr).toMatch(/warning: no-daemon — the audit daemon \(pid \d+\) is stopped/);
    expect(logCount(auditd, uuid)).toBeLessThan(3000);
  }, 180_000);

  it('auditd stopped under required: stops after the first batch, nothing called delivered', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const pid = auditd.pid!;
    const uuid = randomUUID();
    process.kill(pid, 'SIGSTOP');
    let run: Run;
    try {
      run = await streamEmit(['--policy', 'required'], uuid, 1000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await auditd.stop();
    expect(run.status).toBe(1);
    expect(tallyOf(run).counts).toEqual({ delivered: 0, 'no-daemon': 100, unsent: 900 });
    expect(logCount(auditd, uuid)).toBeLessThanOrEqual(100);
  }, 120_000);

  it('no CAP_AUDIT_WRITE: every record not-delivered (EPERM), none logged', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const wrapper = ['setpriv', '--inh-caps=-audit_write', '--bounding-set=-audit_write', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const strict = await streamEmit(['--policy', 'required'], uuid, 150, { wrapper });
    expect(strict.status).toBe(1);
    expect(tallyOf(strict).counts).toEqual({ delivered: 0, 'not-delivered': 1, unsent: 149 });
    expect(strict.stderr).toMatch(/not-delivered — .*EPERM/);
    const lenient = await streamEmit(['--policy', 'best-effort'], uuid, 150, { wrapper });
    expect(tallyOf(lenient).counts).toEqual({ delivered: 0, 'not-delivered': 150 });
    await auditd.stop();
    expect(logCount(auditd, uuid)).toBe(0);
  }, 120_000);

  it('a user namespace: every record not-delivered (ECONNREFUSED), none logged', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const run = await streamEmit(['--policy', 'best-effort'], uuid, 150, { wrapper: ['unshare', '--user', '--map-root-user'] });
    expect(run.status).toBe(1);
    expect(tallyOf(run).counts).toEqual({ delivered: 0, 'not-delivered': 150 });
    expect(run.stderr).toMatch(/not-delivered — .*ECONNREFUSED/);
    await auditd.stop();
    expect(logCount(auditd, uuid)).toBe(0);
  }, 120_000);

  it('no CAP_AUDIT_CONTROL: the records are sent but the status cannot be read, so they are unconfirmed, never delivered', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const wrapper = ['setpriv', '--inh-caps=-audit_control', '--bounding-set=-audit_control'];
    const strict = await streamEmit(['--policy', 'required'], uuid, 250, { wrapper });
    expect(strict.status).toBe(1);
    expect(tallyOf(strict).counts).toEqual({ delivered: 0, unconfirmed: 100, unsent: 150 });
    expect(strict.stderr).toMatch(/unconfirmed — .*CAP_AUDIT_CONTROL/);
    const lenient = await streamEmit(['--policy', 'best-effort'], uuid, 250, { wrapper });
    expect(tallyOf(lenient).counts).toEqual({ delivered: 0, unconfirmed: 250 });
    await auditd.stop();
    // Unconfirmed is not lost: here they all arrived, but nothing the emitter could read said so.
    expect(logCount(auditd, uuid)).toBe(350);
  }, 120_000);

  it('8,560 bytes are delivered whole; 8,561 are refused before sending', async () => {
    auditd = await PrivateAuditd.start('RAW');
    const uuid = randomUUID();
    const sizer = new Emitter({ sink: new LibauditSink() });
    const diskRecord = (length: number): EmitInput => ({
      type: 'VIRT_RESOURCE', virt: 'kvm', resrc: 'disk', reason: 'attach', vm: 'faults', uuid, 'old-disk': null, 'new-disk': `/${'d'.repeat(length - 1)}`, res: 'success',
    });
    const fits = (length: number): boolean => {
      try {
        sizer.check(diskRecord(length));
        return true;
      } catch (error) {
        if (error instanceof EmitError && error.kind === 'too-long') return false;
        throw error;
      }
    };
    let low = 1;
    let high = 9000;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(middle)) low = middle;
      else high = middle - 1;
    }
    await sizer.close();
    const input = [diskRecord(low), diskRecord(low + 1)].map((value) => JSON.stringify(value)).join('\n');
    const run = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'emit', '--policy', 'required']);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('close', (status) => resolve({ status, stdout: '', stderr }));
      child.stdin.end(`${input}\n`);
    });
    expect(run.status).toBe(1);
    expect(tallyOf(run).counts).toEqual({ delivered: 1, 'too-long': 1 });
    expect(run.stderr).toMatch(/<stdin>:2: too-long — the message is 8561 bytes/);
    await auditd.stop();
    const lines = auditd.log().split('\n').filter((line) => line.includes(uuid));
    expect(lines).toHaveLength(1);
    const message = /msg='(.*)'/.exec(lines[0]!)![1]!;
    expect(Buffer.byteLength(message)).toBe(8560);
    expect(message).toMatch(/ res=success$/);
  }, 120_000);
});

describe('line sinks that fail', () => {
  const uuid = randomUUID();

  it('a file in a directory that does not exist: sink-failed with the path and ENOENT, exit 2, no stack trace', async () => {
    const path = join(tmpdir(), `virt-audit-missing-${uuid}`, 'audit.log');
    const run = await streamEmit(['--sink', `file:${path}`], uuid, 250);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`sink-failed — cannot write ${path}: ENOENT`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(tallyOf(run).counts).toEqual({ delivered: 0, 'sink-failed': 100, unsent: 150 });
  });

  it.skipIf(process.getuid?.() !== 0)('a full tmpfs: ENOSPC, exit 2; the file holds exactly the delivered records, no torn line', async () => {
    const mount = mkdtempSync(join(tmpdir(), 'virt-audit-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    try {
      const path = join(mount, 'audit.log');
      const run = await streamEmit(['--sink', `file:${path}`, '--policy', 'best-effort'], uuid, 2000);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`sink-failed — cannot write ${path}: ENOSPC`);
      const { counts } = tallyOf(run);
      expect(counts.delivered! + counts['sink-failed']! + (counts.unsent ?? 0)).toBe(2000);
      const text = readFileSync(path, 'latin1');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n').filter((line) => line.includes(uuid))).toHaveLength(counts.delivered!);
    } finally {
      execFileSync('umount', [mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it('stdout closed early (EPIPE): ends quietly with the tally as its only line, exit 2', async () => {
    const run = await streamEmit(['--sink', 'stdout'], uuid, 5000, { closeStdout: true });
    expect(run.status).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const { records, counts } = tallyOf(run);
    expect(records).toBe(5000);
    expect(counts['sink-failed']).toBeGreaterThan(0);
    expect(counts.delivered! + counts['sink-failed']! + (counts.unsent ?? 0)).toBe(5000);
  });

  it('--fsync: every record delivered is in the file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-fsync-'));
    mkdirSync(join(directory, 'logs'));
    const path = join(directory, 'logs', 'audit.log');
    const run = await streamEmit(['--sink', `file:${path}`, '--fsync'], uuid, 350);
    expect(run.status).toBe(0);
    expect(tallyOf(run).counts).toEqual({ delivered: 350 });
    expect(existsSync(path) && readFileSync(path, 'latin1').split('\n').filter((line) => line.includes(uuid))).toHaveLength(350);
    rmSync(directory, { recursive: true, force: true });
  });
});
