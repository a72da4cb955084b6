// `virt-audit watch --state`: killed (-9) and restarted, or ended by SIGTERM and restarted, with the log
// written and rotated meanwhile, the outputs together are exactly one uninterrupted watch's: nothing missed,
// nothing repeated. Through the built CLI, on the stored captures.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFollower } from '../verifier/live/file-follower.js';
import type { LiveEvent } from '../verifier/live/live-event.js';
import { runWatch } from '../verifier/live/run-watch.js';
import { CLI, runCli } from './support/cli.js';

const CAPTURES = ['libvirt-capture.raw.log', 'matrix/libvirt-9.0/matrix.log'].map((name) => join(import.meta.dirname, '..', 'examples', name));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Watcher {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startWatch(args: readonly string[]): Watcher {
  const child = spawn(process.execPath, [CLI, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Waits until the state file (saved after `savedAfter`, ms) says every byte of the log's current file is read. */
async function caughtUp(statePath: string, logPath: string, savedAfter = 0): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (existsSync(statePath)) {
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { position: { offset: number; ino: number } | null; savedAt: string };
      if (Date.parse(state.savedAt) < savedAfter) {
        await pause(20);
        continue;
      }
      const { statSync } = await import('node:fs');
      const log = statSync(logPath);
      if (state.position?.ino === log.ino && state.position.offset === log.size) return;
    }
    if (Date.now() > deadline) throw new Error(`${statePath} never caught up with ${logPath}`);
    await pause(20);
  }
}

/** The events of one watch that sees the whole text at once. */
async function uninterrupted(text: Buffer, directory: string): Promise<string[]> {
  const path = join(directory, 'whole.log');
  writeFileSync(path, text);
  const follower = new FileFollower({ path, start: 'start', pollMs: 10 });
  const events: LiveEvent[] = [];
  const running = runWatch({ source: follower, onEvent: (event) => events.push(event) });
  while (follower.position()?.offset !== text.length) await pause(10);
  await follower.close();
  await running;
  return events.map((event) => JSON.stringify(event));
}

describe.each(CAPTURES.map((path) => [path.split('/examples/')[1]!, path]))('watch --state over %s', (_, capture) => {
  it('kill -9 after a checkpoint, the log written and rotated meanwhile, then a restart: every event once', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-restart-'));
    const text = readFileSync(capture);
    const lines = text.toString('latin1').split('\n').slice(0, -1);
    const third = Math.floor(lines.length / 3);
    const part = (from: number, to: number): string => `${lines.slice(from, to).join('\n')}\n`;
    const log = join(directory, 'audit.log');
    const state = join(directory, 'watch.state');
    writeFileSync(log, '');
    const args = ['--from-start', '--format', 'ndjson', '--state', state, '--poll', '20', log];

    const first = startWatch(args);
    appendFileSync(log, part(0, third), 'latin1');
    await caughtUp(state, log);
    await pause(1200); // the idle checkpoint after the last event (at most one a second)
    await caughtUp(state, log);
    first.child.kill('SIGKILL');
    await first.exited;

    // While it is down: more lines, a rotation, the rest in a new file.
    appendFileSync(log, part(third, 2 * third), 'latin1');
    renameSync(log, `${log}.1`);
    writeFileSync(log, part(2 * third, lines.length), 'latin1');

    const second = startWatch(args);
    await caughtUp(state, log);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const told = `${first.output()}${second.output()}`.split('\n').filter(Boolean);
    expect(told.length).toBeGreaterThan(100);
    expect(told).toEqual(await uninterrupted(text, directory));
  });

  it('SIGTERM saves the state: a restart with nothing new tells nothing, one with more tells only the new', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-term-'));
    const lines = readFileSync(capture).toString('latin1').split('\n').slice(0, -1);
    const half = Math.floor(lines.length / 2);
    const log = join(directory, 'audit.log');
    const state = join(directory, 'watch.state');
    writeFileSync(log, `${lines.slice(0, half).join('\n')}\n`, 'latin1');
    const args = ['--from-start', '--format', 'ndjson', '--state', state, '--poll', '20', log];
    const runs: string[] = [];
    for (const more of [[], [], lines.slice(half)]) {
      if (more.length > 0) appendFileSync(log, `${more.join('\n')}\n`, 'latin1');
      const started = Date.now();
      const watcher = startWatch(args);
      // Saved by this run (its first idle moment saves where it began): its signal handlers are in place.
      await caughtUp(state, log, started);
      await pause(100);
      watcher.child.kill(runs.length === 1 ? 'SIGINT' : 'SIGTERM');
      expect(await watcher.exited).toBe(0);
      runs.push(watcher.output());
    }
    expect(runs[0]!.length).toBeGreaterThan(0);
    expect(runs[1]).toBe('');
    expect(`${runs[0]}${runs[2]}`.split('\n').filter(Boolean)).toEqual(await uninterrupted(readFileSync(log), directory));
  });
});

describe('watchLines: any line source (the plugin and netlink readers plug in here)', () => {
  it('writes the events of an in-memory source as watch FILE does, and ends with it (exit 0)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-lines-'));
    const text = readFileSync(CAPTURES[0]!);
    const script = join(directory, 'source.mjs');
    writeFileSync(script, `
      import { readFileSync } from 'node:fs';
      import { watchLines } from ${JSON.stringify(CLI.replace(/virt-audit\.js$/, 'watch-command.js'))};
      const lines = readFileSync(${JSON.stringify(CAPTURES[0]!)}, 'latin1').split('\\n').filter(Boolean);
      const source = {
        dropped: 0,
        async close() {},
        async *[Symbol.asyncIterator]() { for (const [index, text] of lines.entries()) yield { text, origin: '<test>:' + (index + 1) }; },
      };
      process.exitCode = await watchLines(source, { format: 'ndjson' });
    `);
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(await uninterrupted(text, directory));
  });
});

describe('watch: options and exit status', () => {
  it('text: a line per event, its word first, then auvirt\'s columns; --proof adds the record ids', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-text-'));
    const log = join(directory, 'audit.log');
    writeFileSync(log, readFileSync(CAPTURES[0]!));
    const events = (await uninterrupted(readFileSync(log), directory)).map((line) => JSON.parse(line) as LiveEvent);
    const words: Record<string, string> = { 'session-started': 'started', 'session-failed': 'start-failed', 'session-ended': 'ended', 'resource-assigned': 'assigned', 'resource-released': 'released', 'gap-opened': 'gap', 'gap-closed': 'gap-closed', avc: 'avc', anomaly: 'anomaly' };
    for (const proof of [false, true]) {
      const state = join(directory, `text-${proof}.state`);
      const started = Date.now();
      const watcher = startWatch(['--from-start', '--state', state, '--poll', '20', ...(proof ? ['--proof'] : []), log]);
      await caughtUp(state, log, started);
      watcher.child.kill('SIGTERM');
      expect(await watcher.exited).toBe(0);
      const lines = watcher.output().split('\n').filter(Boolean);
      const rows = lines.filter((line) => !line.startsWith('    Proof:'));
      expect(rows.map((line) => line.split(' ')[0])).toEqual(events.map((event) => words[event.event]));
      rows.forEach((line, index) => expect(line.slice(13).startsWith(events[index]!.name!)).toBe(true));
      if (proof) expect(lines.filter((line) => line.startsWith('    Proof:')).map((line) => line.slice(10))).toEqual(events.map((event) => event.proofs.join(',')));
      else expect(lines).toHaveLength(events.length);
    }
  });

  it('a bad --after, --since or --poll is a usage error (2); a state file that is not one, or cannot be written, is an error (1)', () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-usage-'));
    const log = join(directory, 'audit.log');
    writeFileSync(log, '');
    expect(runCli(['watch', '--after', 'yesterday', log])).toMatchObject({ status: 2, stderr: expect.stringContaining('--after takes a record id') });
    expect(runCli(['watch', '--since', '13/45/99', log])).toMatchObject({ status: 2, stderr: expect.stringContaining('--since') });
    expect(runCli(['watch', '--poll', '0', log])).toMatchObject({ status: 2, stderr: expect.stringContaining('--poll') });
    const state = join(directory, 'bad.state');
    writeFileSync(state, '{"version": 7}');
    expect(runCli(['watch', '--state', state, log])).toMatchObject({ status: 1, stderr: expect.stringContaining('not a watch state file') });
    // A state that cannot be written (its directory is gone) ends the watch at its first save: exit 1, named.
    const gone = join(directory, 'no such directory', 'watch.state');
    expect(runCli(['watch', '--state', gone, log])).toMatchObject({ status: 1, stderr: expect.stringContaining('no such directory') });
  });

  it('auvirt --follow is refused with --compat, and with --format json', async () => {
    const { spawnSync } = await import('node:child_process');
    const auvirt = CLI.replace(/virt-audit\.js$/, 'auvirt.js');
    const compat = spawnSync(process.execPath, [auvirt, '--compat', '--follow'], { encoding: 'utf8' });
    expect(compat.status).toBe(1);
    expect(compat.stderr).toContain('"--follow" is not an auvirt 3.0.9 option');
    const json = spawnSync(process.execPath, [auvirt, '--follow', '--format', 'json', '--file', CAPTURES[0]!], { encoding: 'utf8' });
    expect(json.status).toBe(1);
    expect(json.stderr).toContain('text or ndjson');
  });
});
