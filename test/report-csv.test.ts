// CSV as RFC 4180 writes it, read back by Python's csv module (not ours): any text survives, a value that
// a spreadsheet would run as a formula gets its leading apostrophe. auvirt --format csv holds what its
// JSON holds; ausearch -i output given to auvirt is told (default mode) or passed over silently (--compat,
// as the real auvirt).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRow } from '../verifier/report-csv.js';
import type { SessionJson } from '../verifier/correlator/session-json.js';
import { RAW_CAPTURE, ENRICHED_CAPTURE } from './support/examples.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const env = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-csv-'));
const auvirt = (args: readonly string[], input?: string) => {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { env, input, timeout: 60_000, maxBuffer: 1 << 26 });
  return { status: result.status, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') };
};

/** Several CSV texts read back by one Python. */
function parseCsvs(texts: readonly string[]): string[][][] {
  const script = 'import csv, io, json, sys; print(json.dumps([list(csv.reader(io.StringIO(text, newline=""))) for text in json.loads(sys.stdin.read())]))';
  const result = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as string[][][];
}

function parseCsv(text: string): string[][] {
  const result = spawnSync('python3', ['-c', 'import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.buffer.read().decode("utf-8"), newline="")))))'], { input: text, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as string[][];
}

describe('RFC 4180 with a formula guard', () => {
  it('any text, commas, quotes, CR, LF and all, reads back the same; =, +, -, @, TAB, CR at the start get an apostrophe', () => {
    const cell = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('=SUM(A1)', '+1', '-2h', '@cmd', '\tx', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ''));
    const tables = fc.sample(fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 20 }), { numRuns: 60, seed: 4180 });
    let guarded = 0;
    const padded = tables.map((table) => {
      const width = Math.max(...table.map((row) => row.length));
      return table.map((row) => [...row, ...Array<string>(width - row.length).fill('')]);
    });
    const parsedTables = parseCsvs(padded.map((rows) => rows.map((row) => csvRow(row)).join('')));
    for (const [index, rows] of padded.entries()) {
      const parsed = parsedTables[index];
      const expected = rows.map((row) => row.map((value) => {
        if (/^[=+\-@\t\r]/.test(value)) {
          guarded++;
          return `'${value}`;
        }
        return value;
      }));
      // Python's reader returns a row of one empty field for an empty line: a row of one empty cell.
      expect(parsed).toEqual(expected.map((row) => (row.length === 1 && row[0] === '' ? [] : row)));
    }
    expect(guarded).toBeGreaterThan(0);
  });

  it('numbers and booleans as they are, absent values empty, records ended by CRLF', () => {
    expect(csvRow([1, true, null, undefined, -3, 'x'])).toBe('1,true,,,-3,x\r\n');
  });
});

describe('auvirt --format csv', () => {
  it('a session per row with the JSON\'s scalar fields, on the captures and generated logs', async () => {
    const generated = join(directory, 'generated.log');
    writeFileSync(generated, await renderScenario(fc.sample(scenario, { numRuns: 1, seed: 1705 })[0]!), 'latin1');
    for (const file of [RAW_CAPTURE, ENRICHED_CAPTURE, generated]) {
      const json = JSON.parse(auvirt(['--file', file, '--format', 'json']).stdout) as { sessions: SessionJson[] };
      const [head, ...rows] = parseCsv(auvirt(['--file', file, '--format', 'csv']).stdout);
      expect(rows).toHaveLength(json.sessions.length);
      const text = (value: unknown): string => (value === null || value === undefined ? '' : /^[=+\-@\t\r]/.test(String(value)) ? `'${String(value)}` : String(value));
      rows.forEach((row, index) => {
        const session = json.sessions[index]!;
        const cell = (name: string): string => row[head!.indexOf(name)]!;
        for (const name of ['node', 'uuid', 'name', 'virt', 'running', 'durationMs'] as const) expect(cell(name), `${file} ${name}`).toBe(text(session[name]));
        for (const name of ['time', 'reason', 'success', 'vmPid', 'user', 'proof'] as const) expect(cell(`start.${name}`)).toBe(text(session.start?.[name]));
        for (const name of ['time', 'how', 'proof'] as const) expect(cell(`end.${name}`)).toBe(text(session.end?.[name]));
        for (const name of ['gaps', 'stops', 'labels', 'resources', 'avcs', 'anomalies'] as const) expect(cell(name)).toBe(String(session[name].length));
      });
    }
  });

  it('--all-events: a row per start, stop, assignment, AVC and anomaly of the sessions, each session\'s in time order, sessions in the JSON\'s order', () => {
    const json = JSON.parse(auvirt(['--file', RAW_CAPTURE, '--format', 'json']).stdout) as { sessions: SessionJson[] };
    const [head, ...rows] = parseCsv(auvirt(['--file', RAW_CAPTURE, '--format', 'csv', '--all-events']).stdout);
    const count = (event: string) => rows.filter((row) => row[head!.indexOf('event')] === event).length;
    expect(count('start')).toBe(json.sessions.filter((session) => session.start !== null).length);
    expect(count('stop')).toBe(json.sessions.reduce((sum, session) => sum + session.stops.length, 0));
    expect(count('resrc')).toBe(json.sessions.reduce((sum, session) => sum + session.resources.length, 0));
    let at = 0;
    for (const session of json.sessions) {
      const own = (session.start === null ? 0 : 1) + session.stops.length + session.resources.length + session.avcs.length + session.anomalies.length;
      const block = rows.slice(at, at + own);
      at += own;
      expect(block.map((row) => row[head!.indexOf('uuid')])).toEqual(block.map(() => session.uuid));
      const times = block.map((row) => row[head!.indexOf('time')]!);
      expect(times).toEqual([...times].sort());
    }
    expect(at).toBe(rows.length);
  });

  it('a guest named like a formula stays text in the spreadsheet', () => {
    const uuid = '11111111-2222-3333-4444-555555555551';
    const hex = Buffer.from('=HYPERLINK("x")').toString('hex').toUpperCase();
    const log = [
      `type=VIRT_CONTROL msg=audit(1710064800.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=start reason=booted vm=${hex} uuid=${uuid} vm-pid=42 exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'`,
      '',
    ].join('\n');
    const file = join(directory, 'formula.log');
    writeFileSync(file, log, 'latin1');
    const [head, row] = parseCsv(auvirt(['--file', file, '--format', 'csv']).stdout);
    expect(row![head!.indexOf('name')]).toBe('\'=HYPERLINK("x")');
  });

  it('--compat refuses it: not an auvirt 3.0.9 output', () => {
    const refused = auvirt(['--compat', '--file', RAW_CAPTURE, '--format', 'csv']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('"--format csv" is not an auvirt 3.0.9 output; drop --compat.\n');
  });
});

describe.skipIf(!existsSync('/usr/bin/auvirt') || !existsSync('/usr/sbin/ausearch'))('ausearch -i output piped to auvirt --stdin', () => {
  const interpreted = spawnSync('/usr/sbin/ausearch', ['-i', '-if', RAW_CAPTURE], { env, encoding: 'latin1' }).stdout;
  const recordLines = interpreted.split('\n').map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line !== '' && line !== '----');

  it('--compat: what the real auvirt prints (nothing) and its exit (0)', () => {
    for (const mode of [[], ['--all-events'], ['--summary']]) {
      const real = spawnSync('/usr/bin/auvirt', ['--stdin', ...mode], { env, input: interpreted, encoding: 'latin1' });
      const ours = auvirt(['--compat', '--stdin', ...mode], interpreted);
      expect([ours.status, ours.stdout, ours.stderr], mode.join(' ')).toEqual([real.status, real.stdout, real.stderr]);
    }
  });

  it('default mode: how many lines could not be read, the first one\'s place, exit 1', () => {
    expect(recordLines.length).toBeGreaterThan(100);
    for (const mode of [[], ['--all-events'], ['--summary'], ['--format', 'json']]) {
      const ours = auvirt(['--stdin', ...mode], interpreted);
      expect(ours.status, mode.join(' ')).toBe(1);
      expect(ours.stderr).toBe(`auvirt: ${recordLines.length} lines could not be read (${recordLines.length} of them ausearch -i output); the first at <stdin>:${recordLines[0]!.number}: ausearch -i (interpreted) output: its values were rewritten; give ausearch --raw output\n`);
    }
  });
});
