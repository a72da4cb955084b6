// auvirt --format csv, json and ndjson are written as sessions become final and forget them: on a generated
// log whose sessions do not fit a 24 MB heap when held (the way the CSV was made before: every session kept
// to the end), each runs in that heap and writes what the writers fed by readSessions write.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { readSessions, SessionCsvWriter, SessionJsonWriter, SessionNdjsonWriter, type SessionSink, type SessionWriter } from '../verifier/sessions.js';
import { CLI } from './support/cli.js';

const DIST = join(CLI, '..', '..');
const AUVIRT = join(DIST, 'cli', 'auvirt.js');
const HEAP = '--max-old-space-size=24';

function writeLog(path: string): void {
  const file = openSync(path, 'w');
  let lines: string[] = [];
  for (const line of generateLog({ lines: 250_000, seed: 7, nodes: 2, guests: 32 })) {
    lines.push(line);
    if (lines.length === 10_000) {
      writeSync(file, `${lines.join('\n')}\n`, null, 'latin1');
      lines = [];
    }
  }
  writeSync(file, `${lines.join('\n')}\n`, null, 'latin1');
  closeSync(file);
}

/** Every session of the log held to the end, as published objects: what the CSV was made from before. */
const HELD = `
const { correlateSessions } = await import(${JSON.stringify(join(DIST, 'verifier/correlator/run-sessions.js'))});
const { sessionJson } = await import(${JSON.stringify(join(DIST, 'verifier/correlator/session-json.js'))});
const correlator = await correlateSessions([{ kind: 'file', path: process.argv[1] }], { allDetails: true });
console.log(correlator.sessions.map(sessionJson).length);
`;

const RUNS: ReadonlyArray<{ readonly args: readonly string[]; readonly writer: (sink: SessionSink) => SessionWriter; readonly rows: number }> = [
  { args: ['--format', 'csv'], writer: (sink) => new SessionCsvWriter(sink), rows: 2_000 },
  { args: ['--format', 'csv', '--all-events'], writer: (sink) => new SessionCsvWriter(sink, { events: true }), rows: 40_000 },
  { args: ['--format', 'json'], writer: (sink) => new SessionJsonWriter(sink), rows: 100_000 },
  { args: ['--format', 'ndjson'], writer: (sink) => new SessionNdjsonWriter(sink), rows: 2_000 },
];

describe('auvirt --format csv, json, ndjson in flat memory', () => {
  it('a 250,000-line log: held, its sessions overflow a 24 MB heap; auvirt --format csv (and --all-events), json and ndjson run in it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'virt-audit-report-memory-')), 'gen.log');
    writeLog(path);
    const held = spawnSync(process.execPath, [HEAP, '--input-type=module', '-e', HELD, path], { encoding: 'utf8', timeout: 180_000 });
    expect(held.status, held.stdout).not.toBe(0);
    expect(held.stderr).toContain('heap out of memory');
    for (const { args, writer, rows } of RUNS) {
      const run = spawnSync(process.execPath, [HEAP, AUVIRT, '--file', path, ...args], { timeout: 180_000, maxBuffer: 1 << 30 });
      expect(run.stderr.toString(), args.join(' ')).toBe('');
      expect(run.status, args.join(' ')).toBe(0);
      let expected = '';
      const sessions = readSessions([path]);
      const report = writer({ write: (text) => (expected += text) });
      for await (const session of sessions) report.write(session);
      report.end({ unmatched: sessions.unmatched });
      expect(run.stdout.toString('utf8') === expected, args.join(' ')).toBe(true);
      expect(expected.split('\n').length, args.join(' ')).toBeGreaterThan(rows);
    }
  }, 900_000);
});
