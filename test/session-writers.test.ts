// virt-audit/sessions' report writers, fed by readSessions, write byte for byte what the built `auvirt`
// prints in default mode — text (with --show-uuid and --proof), --format json, ndjson and csv (with
// --all-events) — on every stored capture and on logs generated for neither (gen-log's and fast-check's
// lifecycle scenarios). readSessions yields sessions while the log is still read.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { readSessions, SessionCsvWriter, SessionJsonWriter, SessionNdjsonWriter, SessionTextWriter, type Session, type SessionWriter } from '../verifier/sessions.js';
import { CLI } from './support/cli.js';
import { U1, U2, start, stop } from './support/edge-logs.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';

const AUVIRT = CLI.replace(/virt-audit\.js$/, 'auvirt.js');
const EXAMPLES = join(import.meta.dirname, '..', 'examples');
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-session-writers-'));

function captures(from = EXAMPLES): string[] {
  return readdirSync(from).flatMap((name) => {
    const path = join(from, name);
    return statSync(path).isDirectory() ? captures(path) : name.endsWith('.log') ? [path] : [];
  });
}

/** What the built auvirt prints (the test's own time zone, as the writers use it). */
function auvirt(args: readonly string[]): string {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { timeout: 120_000, maxBuffer: 1 << 30 });
  expect(result.status, result.stderr.toString()).toBe(0);
  return result.stdout.toString('utf8');
}

interface Run {
  readonly args: readonly string[];
  readonly writer: (sink: { write(text: string): unknown }) => SessionWriter;
}

const RUNS: readonly Run[] = [
  { args: [], writer: (sink) => new SessionTextWriter(sink) },
  { args: ['--show-uuid', '--proof'], writer: (sink) => new SessionTextWriter(sink, { showUuid: true, proof: true }) },
  { args: ['--format', 'json'], writer: (sink) => new SessionJsonWriter(sink) },
  { args: ['--format', 'ndjson'], writer: (sink) => new SessionNdjsonWriter(sink) },
  { args: ['--format', 'csv'], writer: (sink) => new SessionCsvWriter(sink) },
  { args: ['--format', 'csv', '--all-events'], writer: (sink) => new SessionCsvWriter(sink, { events: true }) },
];

/** Every run's report of the log, the writers fed by one readSessions. */
async function written(path: string): Promise<string[]> {
  const texts = RUNS.map(() => '');
  const writers = RUNS.map((run, index) => run.writer({ write: (text: string) => (texts[index] += text) }));
  const sessions = readSessions([path]);
  for await (const session of sessions) for (const writer of writers) writer.write(session);
  for (const writer of writers) writer.end({ unmatched: sessions.unmatched });
  return texts;
}

async function expectSameAsAuvirt(path: string): Promise<void> {
  const texts = await written(path);
  RUNS.forEach((run, index) => {
    expect(texts[index], `${path} ${run.args.join(' ')}`).toBe(auvirt(['--file', path, ...run.args]));
  });
}

describe('the session writers fed by readSessions = auvirt (default mode)', () => {
  it.each(captures().map((path) => [path.slice(EXAMPLES.length + 1), path]))('%s: text, --show-uuid --proof, json, ndjson, csv, csv --all-events', async (_, path) => {
    await expectSameAsAuvirt(path);
  });

  it('generated lifecycle scenarios (failed starts, orphan stops, hot-plugs, restarts, host ends, audit gaps)', async () => {
    const logs = fc.sample(scenario, { numRuns: 6, seed: 1717 });
    for (const [index, log] of logs.entries()) {
      const path = join(directory, `scenario-${index}.log`);
      writeFileSync(path, await renderScenario(log), 'latin1');
      await expectSameAsAuvirt(path);
    }
  }, 240_000);

  it('a generated log of 60,000 lines over two nodes, sessions yielded while it is read', async () => {
    const path = join(directory, 'gen.log');
    writeFileSync(path, `${[...generateLog({ lines: 60_000, seed: 17, nodes: 2, guests: 24 })].join('\n')}\n`, 'latin1');
    await expectSameAsAuvirt(path);
    // Sessions come out before the reading ends: the first one is yielded while bytes are still to be read.
    let bytesRead = 0;
    let readWhenFirst = -1;
    let count = 0;
    for await (const session of readSessions([path], { onProgress: (bytes) => (bytesRead = bytes) })) {
      if (count++ === 0) readWhenFirst = bytesRead;
      expect(session.uuid).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(count).toBeGreaterThan(500);
    expect(readWhenFirst).toBeLessThan(statSync(path).size);
  }, 240_000);

  it('a loop left early ends the reading (the process is not kept alive) and a new loop reads again', async () => {
    const path = captures()[0]!;
    const first: Session[] = [];
    for await (const session of readSessions([path])) {
      first.push(session);
      break;
    }
    const all: Session[] = [];
    for await (const session of readSessions([path])) all.push(session);
    expect(first).toEqual(all.slice(0, 1));
  });

  it('the one difference (docs/api.md): a guest running before the log with a failed stop, then a stop, has both rows together', async () => {
    const path = join(directory, 'orphan-stops.log');
    writeFileSync(path, `${[stop(0, 1, 'a', U1, 'failed'), start(1, 2, 'b', U2, 7002), stop(2, 3, 'a', U1)].join('\n')}\n`);
    const [text] = await written(path);
    const command = auvirt(['--file', path]);
    const names = (report: string) => report.split('\n').filter(Boolean).map((row) => row.split(/\s+/)[0]);
    expect(names(command)).toEqual(['a', 'b', 'a']);
    expect(names(text!)).toEqual(['a', 'a', 'b']);
    expect(text!.split('\n').sort()).toEqual(command.split('\n').sort());
  });

  it('the JSON writer refuses to end without the unmatched counts (a document with made-up counts)', () => {
    const writer = new SessionJsonWriter({ write: () => true });
    expect(() => writer.end()).toThrow(/unmatched counts/);
  });
});
