// `virt-audit watch` with its other sources and outputs: the auditd plugin's stdin (--plugin), rules that
// alert (--rules, --alerts-only, --fail-on-alert), a file output reopened on SIGHUP, and the usage errors.
// The plugin watch of a capture tells what a later `auvirt --format json` of the same capture says.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionJson } from '../verifier/correlator/session-json.js';
import type { LiveAlert, LiveEvent } from '../verifier/live/live-event.js';
import { CLI } from './support/cli.js';
import { batchFacts, liveFacts } from './support/live-facts.js';

const AUVIRT = fileURLToPath(new URL('../dist/cli/auvirt.js', import.meta.url));
const example = (path: string): string => fileURLToPath(new URL(`../examples/${path}`, import.meta.url));
const CAPTURES = ['libvirt-capture.raw.log', 'libvirt-11.3/libvirt-capture.raw.log', 'libvirt-12.9/libvirt-capture.raw.log', 'matrix/libvirt-9.0/matrix.log', 'matrix/libvirt-12.9/matrix.log'].map(example);
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const env = { ...process.env, TZ: 'UTC' };
const watch = (args: readonly string[], input: Buffer) => spawnSync(process.execPath, [CLI, 'watch', ...args], { input, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
const ndjson = <T>(text: string): T[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
const sessionsOf = (capture: string): SessionJson[] =>
  (JSON.parse(spawnSync(process.execPath, [AUVIRT, '--format', 'json', '--file', capture], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout) as { sessions: SessionJson[] }).sessions;

describe('watch --plugin: the lines auditd hands a plugin on stdin', () => {
  it.each(CAPTURES.filter(existsSync))('tells what a later auvirt --format json says of %s', (capture) => {
    const result = watch(['--plugin', '--format', 'ndjson'], readFileSync(capture));
    expect(result.status, result.stderr).toBe(0);
    const events = ndjson<LiveEvent>(result.stdout);
    expect(events.length).toBeGreaterThan(0);
    expect(liveFacts(events)).toEqual(batchFacts(sessionsOf(capture)));
  }, 180_000);
});

describe('watch --rules', () => {
  const capture = CAPTURES[0]!;
  const rules = join(directory, 'rules.json');
  writeFileSync(rules, JSON.stringify({ rules: [{ id: 'outside', kind: 'path-outside', allowedPrefixes: ['/nowhere'], resources: ['disk'] }, { id: 'failed', kind: 'start-failed' }] }));

  it('alerts once per disk given outside the allowed paths and per failed start, as the batch sessions count them', () => {
    const sessions = sessionsOf(capture);
    const disks = sessions.flatMap((session) => session.resources.filter((resource) => resource.kind === 'disk' && resource.reason !== 'detach' && resource.success && resource.value !== '?' && !resource.value.startsWith('/nowhere/')));
    const failedStarts = sessions.filter((session) => session.start !== null && !session.start.success);
    const result = watch(['--plugin', '--format', 'ndjson', '--rules', rules, '--alerts-only'], readFileSync(capture));
    expect(result.status, result.stderr).toBe(0);
    const alerts = ndjson<LiveAlert>(result.stdout);
    expect(alerts.every((alert) => alert.event === 'alert')).toBe(true);
    expect(alerts.filter((alert) => alert.rule === 'outside').map((alert) => alert.proofs[0]).sort()).toEqual(disks.map((disk) => disk.proofs[0]).sort());
    expect(alerts.filter((alert) => alert.rule === 'failed').length).toBe(failedStarts.length);
    expect(disks.length + failedStarts.length).toBeGreaterThan(0);
  }, 120_000);

  it('--fail-on-alert exits 3 when a rule alerted, 0 when none did', () => {
    expect(watch(['--plugin', '--rules', rules, '--fail-on-alert'], readFileSync(capture)).status).toBe(3);
    const quiet = join(directory, 'quiet.json');
    writeFileSync(quiet, JSON.stringify({ rules: [{ id: 'none', kind: 'path-outside', allowedPrefixes: ['/'] }] }));
    expect(watch(['--plugin', '--rules', quiet, '--fail-on-alert'], readFileSync(capture)).status).toBe(0);
  }, 120_000);

  it('a bad rule file is a usage error naming the file and the place', () => {
    const bad = join(directory, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ id: 'x', kind: 'no-such-kind' }] }));
    const result = watch(['--plugin', '--rules', bad], Buffer.alloc(0));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(bad);
    expect(result.stderr).toMatch(/\/rules\/0/);
  });
});

describe('watch --output', () => {
  it('appends to a file and opens it again on SIGHUP (after a rotation moved it)', async () => {
    const lines = readFileSync(CAPTURES[0]!, 'latin1').split('\n').filter(Boolean);
    const half = Math.floor(lines.length / 2);
    const output = join(directory, 'watch.out');
    const child = spawn(process.execPath, [CLI, 'watch', '--plugin', '--format', 'ndjson', '--output', output], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.write(`${lines.slice(0, half).join('\n')}\n`, 'latin1');
    const settled = async (): Promise<void> => {
      let size = -1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const now = existsSync(output) ? readFileSync(output).length : 0;
        if (now === size) return;
        size = now;
      }
    };
    await settled();
    renameSync(output, `${output}.1`);
    child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdin.end(`${lines.slice(half).join('\n')}\n`, 'latin1');
    expect(await exited).toBe(0);
    const before = ndjson<LiveEvent>(readFileSync(`${output}.1`, 'utf8'));
    const after = ndjson<LiveEvent>(readFileSync(output, 'utf8'));
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    const whole = ndjson<LiveEvent>(watch(['--plugin', '--format', 'ndjson'], readFileSync(CAPTURES[0]!)).stdout);
    expect([...before, ...after]).toEqual(whole);
  }, 120_000);
});

describe('watch --syslog', () => {
  // A syslog stand-in: a Unix datagram socket (Node has none), each message a line of the file.
  const LISTENER = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(3)
out = open(sys.argv[2], 'wb')
print('ready', flush=True)
try:
    while True:
        out.write(s.recv(65536) + b'\\n'); out.flush()
except socket.timeout:
    pass
`;

  it('sends each line as one syslog message (logger, tag virt-audit) to the socket given', async () => {
    const socket = join(directory, 'log.sock');
    const received = join(directory, 'syslog.out');
    const listener = spawn('python3', ['-c', LISTENER, socket, received], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => listener.stdout.once('data', () => resolve()));
    const capture = readFileSync(CAPTURES[0]!);
    const result = watch(['--plugin', '--syslog', socket], capture);
    expect(result.status, result.stderr).toBe(0);
    await new Promise((resolve) => listener.once('exit', resolve));
    const messages = readFileSync(received, 'utf8').split('\n').filter(Boolean);
    const lines = watch(['--plugin'], capture).stdout.split('\n').filter(Boolean);
    expect(messages.length).toBe(lines.length);
    messages.forEach((message, index) => expect(message).toMatch(new RegExp(`^<\\d+>.* virt-audit\\[\\d+\\]: ${lines[index]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)));
  }, 120_000);

  it('nothing listening: the lines are counted, said on stderr, and the exit status is 1', () => {
    const result = watch(['--plugin', '--syslog', join(directory, 'nobody.sock')], readFileSync(CAPTURES[0]!));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/syslog \(.*nobody\.sock\) failed \(.*\): \d+ lines not known to have reached it/);
  });
});

describe('watch usage', () => {
  it.each([
    [['--plugin', 'some.log']],
    [['--source', 'netlink', '--state', 'x']],
    [['--plugin', '--from-start']],
    [['--node', 'hv1']],
    [['--plugin', '--output', 'x', '--syslog']],
    [['--plugin', '--alerts-only']],
  ])('%j is refused with exit 2', (args) => {
    const result = watch(args, Buffer.alloc(0));
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).not.toBe('');
  });
});
