// End to end: `virt-audit watch` on the log of a real private auditd that rotates it (max_log_file 1 MB,
// ROTATE), while real libvirt guests go through the scenario and thousands of synthetic guests' records go
// through libaudit into the same auditd; the watch is stopped (SIGTERM) and restarted with --state midway.
// What the two runs told together equals what `auvirt --format json` says over the finished log (its
// rotated files, oldest first): the same sessions, ends, resources, gaps and AVCs, proof for proof.
// Beside it, the same auditd runs `watch --plugin` from its plugins.d (format = string), and a `watch
// --source netlink` reads the kernel's multicast group all along: each tells the same.
// Skipped, with the reason printed, where the lab cannot run (not root, no audit, no libvirt, …).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emitter, LibauditSink, auditStart, auditStop, parseDomainXml, type EmitInput } from '../../emitter/index.js';
import { bootableGuest } from '../../scripts/lab/capture-pass.js';
import { HostLab, labUnavailable } from '../../scripts/lab/host-lab.js';
import type { Journal } from '../../scripts/lab/journal.js';
import { runScenario } from '../../scripts/lab/scenario.js';
import { TOOL_ENV } from '../../scripts/lab/real-tools.js';
import type { SessionJson } from '../../verifier/correlator/session-json.js';
import type { LiveEvent } from '../../verifier/live/live-event.js';
import { batchFacts, liveFacts } from '../support/live-facts.js';

const CLI = new URL('../../dist/cli/virt-audit.js', import.meta.url).pathname;
const AUVIRT = new URL('../../dist/cli/auvirt.js', import.meta.url).pathname;
const unavailable = labUnavailable();
if (unavailable) console.warn(`[skip] end-to-end watch: ${unavailable}`);
const say = (message: string) => process.stderr.write(`e2e watch: ${message}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Watcher {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function startWatch(args: readonly string[]): Watcher {
  const child = spawn(process.execPath, [CLI, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: TOOL_ENV });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits until the state file, saved after `savedAfter`, holds the log's current file read to its end. */
async function caughtUp(statePath: string, logPath: string, savedAfter: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (existsSync(statePath) && existsSync(logPath)) {
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { savedAt: string; position: { ino: number; offset: number } | null };
      const log = statSync(logPath);
      if (Date.parse(state.savedAt) >= savedAfter && state.position?.ino === log.ino && state.position.offset === log.size) return;
    }
    if (Date.now() > deadline) throw new Error('the watch never caught up with the log');
    await pause(100);
  }
}

/** A synthetic guest's start and stop, as libvirt would announce them (a fresh UUID each). */
function syntheticLifecycle(index: number): EmitInput[] {
  const domain = parseDomainXml(`<domain type='kvm'><name>e2e watch ${index}</name><uuid>${randomUUID()}</uuid><memory unit='MiB'>256</memory><vcpu>2</vcpu>
  <os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='/var/lib/images/watch-${index}.qcow2'/><target dev='vda'/></disk>
  <interface type='user'><mac address='52:54:00:e3:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}'/></interface></devices></domain>`);
  return [...auditStart(domain, { vmPid: 100_000 + index, cgroup: null }), ...auditStop(domain, index % 3 === 0 ? 'shutdown' : 'destroyed')];
}

describe.skipIf(unavailable !== null)('virt-audit watch on a real auditd that rotates its log', () => {
  let lab: HostLab | undefined;
  let journal: Journal;
  let log: string;
  const told: LiveEvent[] = [];
  let notices = '';
  let rotatedFiles: string[] = [];
  let delivered = 0;
  let sent = 0;
  let pluginTold: LiveEvent[] = [];
  let netlinkTold: LiveEvent[] = [];
  let netlinkNotices = '';
  const pluginHome = mkdtempSync(join(tmpdir(), 'virt-audit-e2e-plugin-'));

  beforeAll(async () => {
    const bootable = bootableGuest();
    // The plugin as an administrator installs it: a root-owned wrapper (auditd hands a plugin at most two
    // args, and an empty environment), format = string.
    const pluginOut = join(pluginHome, 'plugin.ndjson');
    const wrapper = join(pluginHome, 'virt-audit-watch.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${realpathSync(process.execPath)} ${CLI} watch --plugin --format ndjson --output ${pluginOut}\n`);
    chmodSync(wrapper, 0o750);
    mkdirSync(join(pluginHome, 'plugins.d'));
    writeFileSync(join(pluginHome, 'plugins.d', 'virt-audit.conf'), ['active = yes', 'direction = out', `path = ${wrapper}`, 'type = always', 'format = string', ''].join('\n'));
    chmodSync(join(pluginHome, 'plugins.d', 'virt-audit.conf'), 0o640);
    const netlinkWatch = startWatch(['--source', 'netlink', '--format', 'ndjson']);
    lab = await HostLab.start({ format: 'RAW', auditdConf: { max_log_file: '1', max_log_file_action: 'ROTATE', num_logs: '99', plugin_dir: join(pluginHome, 'plugins.d') } });
    log = lab.auditd.logFile;
    const state = join(lab.hostPath(lab.directory), 'watch.state');
    const args = ['--from-start', '--format', 'ndjson', '--state', state, '--poll', '50', log];
    const runs: Watcher[] = [];
    const stopWatch = async (watcher: Watcher, started: number) => {
      await caughtUp(state, log, started);
      watcher.child.kill('SIGTERM');
      expect(await watcher.exited).toBe(0);
    };

    let started = Date.now();
    runs.push(startWatch(args));
    journal = await runScenario(lab, { bootable, say });
    await stopWatch(runs[0]!, started);

    // Restarted from its state while auditd goes on writing; then enough records to rotate the log a few times.
    started = Date.now();
    runs.push(startWatch(args));
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    try {
      for (let batch = 0; batch < 80; batch++) {
        const records = Array.from({ length: 25 }, (_, index) => syntheticLifecycle(batch * 25 + index)).flat();
        sent += records.length;
        delivered += (await emitter.emitMany(records)).filter((result) => result.status === 'delivered').length;
      }
    } finally {
      await emitter.close();
    }
    say(`${delivered} of ${sent} synthetic records delivered`);
    await lab.stopAuditd();
    await stopWatch(runs[1]!, started);
    // auditd ended its plugin (SIGTERM: the watch ends after what it queued); netlink is stopped before
    // the lab's own teardown writes records auditd no longer logs.
    await pause(3000);
    netlinkWatch.child.kill('SIGTERM');
    expect(await netlinkWatch.exited).toBe(0);
    netlinkTold = netlinkWatch.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as LiveEvent);
    netlinkNotices = netlinkWatch.stderr();
    pluginTold = existsSync(pluginOut) ? readFileSync(pluginOut, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LiveEvent) : [];
    for (const run of runs) {
      told.push(...run.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as LiveEvent));
      notices += run.stderr();
    }
    rotatedFiles = readdirSync(lab.auditd.directory).filter((name) => /^audit\.log\.\d+$/.test(name));
  }, 1_800_000);

  afterAll(async () => {
    await lab?.stop();
    rmSync(pluginHome, { recursive: true, force: true });
  }, 120_000);

  /** What auvirt --format json says over the finished log (rotated files first), as facts. */
  const finishedLogFacts = (): { facts: string[]; sessions: SessionJson[] } => {
    const oldestFirst = [...rotatedFiles].sort((a, b) => Number(b.split('.').at(-1)) - Number(a.split('.').at(-1))).map((name) => join(lab!.auditd.directory, name));
    const whole = join(lab!.auditd.directory, 'whole.log');
    writeFileSync(whole, Buffer.concat([...oldestFirst, log].map((path) => readFileSync(path))));
    const sessions = (JSON.parse(spawnAuvirt(['--format', 'json', '--file', whole])) as { sessions: SessionJson[] }).sessions;
    return { facts: batchFacts(sessions), sessions };
  };

  it('auditd rotated the log while the watch ran, and the watch followed it', () => {
    say(`rotated files: ${rotatedFiles.join(', ')}`);
    expect(rotatedFiles.length).toBeGreaterThanOrEqual(2);
    expect(notices).toContain('rotated');
    expect(delivered).toBe(sent);
  });

  it('the two runs told exactly what auvirt --format json says over the finished log, nothing lost or doubled', () => {
    const { facts: expected, sessions } = finishedLogFacts();
    expect(sessions.length).toBeGreaterThan(2000);
    const actual = liveFacts(told);
    expect(actual.length).toBe(new Set(told.map((event) => JSON.stringify(event))).size);
    expect(actual).toEqual(expected);
  });

  it('watch --plugin, run by auditd from its plugins.d, told the same as auvirt over the finished log', () => {
    expect(pluginTold.length).toBeGreaterThan(2000);
    expect(liveFacts(pluginTold)).toEqual(finishedLogFacts().facts);
  });

  it('watch --source netlink told the same, but for the gaps (auditd\'s own DAEMON_END/START never cross netlink)', () => {
    say(`netlink watch: ${netlinkTold.length} events${netlinkNotices === '' ? '' : `; ${netlinkNotices.trim()}`}`);
    const noGaps = (facts: string[]) => facts.filter((fact) => !/ gap-(opened|closed) /.test(fact));
    expect(netlinkTold.length).toBeGreaterThan(2000);
    expect(noGaps(liveFacts(netlinkTold))).toEqual(noGaps(finishedLogFacts().facts));
  });

  it('every guest of the scenario is among what the watch told', () => {
    for (const guest of journal.guests) expect(told.some((event) => event.uuid === guest.uuid), guest.role).toBe(true);
  });
});

function spawnAuvirt(args: readonly string[]): string {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { env: TOOL_ENV, timeout: 300_000, maxBuffer: 1 << 28, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`auvirt ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}
