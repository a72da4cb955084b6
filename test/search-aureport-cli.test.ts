// virt-audit search and aureport through the built CLI, against the real ausearch and aureport: their
// option syntax (-if, -ts/-te DATE [TIME]), where they read with no input named, what they do with
// `ausearch -i` output (--compat: the real tools' silence; default: say so, exit 1), and the structured
// formats (json, ndjson, csv) holding exactly what the text holds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { RAW_CAPTURE, captureLines } from './support/examples.js';

const present = existsSync('/usr/sbin/ausearch') && existsSync('/usr/sbin/aureport');
const env = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-views-cli-'));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
const run = (command: string, args: readonly string[], input?: string): Run => {
  const result = spawnSync(command, args, { env, input, timeout: 60_000, maxBuffer: 1 << 26 });
  return { status: result.status, stdout: result.stdout.toString('latin1'), stderr: result.stderr.toString('latin1') };
};
const ours = (args: readonly string[], input?: string): Run => run(process.execPath, [CLI, ...args], input);
/** A shell line, for what only a shell gives: a real pipe (FIFO), a file redirected in. */
const shell = (line: string): Run => run('bash', ['-c', line]);
const quote = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;
const OURS = `${quote(process.execPath)} ${quote(CLI)}`;

/** The capture's stamps, seconds. */
const seconds = captureLines(RAW_CAPTURE).map((line) => Number(/msg=audit\((\d+)\./.exec(line)![1]));
const first = Math.min(...seconds);
const last = Math.max(...seconds);
const two = (value: number): string => String(value).padStart(2, '0');
const usDate = (date: Date): string => `${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${two(date.getUTCFullYear() % 100)}`;
const clock = (date: Date): string => `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;

/** A bound in the real tools' syntax and the same instant in ISO 8601, from the capture's time range. */
const bound = fc.integer({ min: first - 90, max: last + 90 }).map((at) => {
  const date = new Date(at * 1000);
  return { audit: [usDate(date), clock(date)], iso: [date.toISOString().slice(0, 19)], utc: [`${date.toISOString().slice(0, 19)}Z`] };
});

describe.skipIf(!present)('search and aureport: the real tools\' option syntax, the same bytes', () => {
  it('-ts/-te DATE TIME (generated in the capture\'s range): the same output and exit as ausearch --raw and aureport --virt; ISO 8601 of the same instants too', () => {
    const cases = fc.sample(fc.tuple(bound, bound, fc.constantFrom('ts', 'te', 'both')), { numRuns: 6, seed: 17 });
    for (const [from, to, which] of cases) {
      const bounds = (form: 'audit' | 'iso' | 'utc'): string[] => [...(which === 'te' ? [] : ['-ts', ...from[form]]), ...(which === 'ts' ? [] : ['-te', ...to[form]])];
      const search = run('/usr/sbin/ausearch', ['--raw', '-vm', 'vacap', '-if', RAW_CAPTURE, ...bounds('audit')]);
      const report = run('/usr/sbin/aureport', ['--virt', '-if', RAW_CAPTURE, ...bounds('audit')]);
      for (const form of ['audit', 'iso', 'utc'] as const) {
        for (const compat of form === 'audit' ? [[], ['--compat']] : [[]]) {
          const label = `${form} ${bounds(form).join(' ')} ${compat.join('')}`;
          const ourSearch = ours(['search', ...compat, '-vm', 'vacap', '-if', RAW_CAPTURE, ...bounds(form)]);
          expect([ourSearch.status, ourSearch.stdout], `search ${label}`).toEqual([search.status, search.stdout]);
          const ourReport = ours(['aureport', ...compat, '--virt', '-if', RAW_CAPTURE, ...bounds(form)]);
          expect([ourReport.status, ourReport.stdout], `aureport ${label}`).toEqual([report.status, report.stdout]);
        }
      }
    }
  }, 300_000);

  it('a lone time is today\'s, a lone end date is at the current time of day (as ausearch_time_end), keywords', () => {
    const day = new Date(first * 1000);
    const before = usDate(new Date((first - 86_400) * 1000));
    const after = usDate(new Date((last + 86_400) * 1000));
    for (const bounds of [['-ts', clock(day)], ['-te', before], ['-te', after], ['-ts', before], ['-ts', 'this-year'], ['-te', 'week-ago'], ['-ts', 'today']]) {
      const real = run('/usr/sbin/aureport', ['--virt', '-if', RAW_CAPTURE, ...bounds]);
      const ourReport = ours(['aureport', '--compat', '-if', RAW_CAPTURE, ...bounds]);
      expect([ourReport.status, ourReport.stdout], bounds.join(' ')).toEqual([real.status, real.stdout]);
      const search = run('/usr/sbin/ausearch', ['--raw', '-uu', '7b2d4c10', '-if', RAW_CAPTURE, ...bounds]);
      const ourSearch = ours(['search', '--compat', '-uu', '7b2d4c10', '-if', RAW_CAPTURE, ...bounds]);
      expect([ourSearch.status, ourSearch.stdout], bounds.join(' ')).toEqual([search.status, search.stdout]);
    }
  });

  it('with --compat, an ISO date is refused as the real tool refuses it; without, a bad date names the formats', () => {
    const real = run('/usr/sbin/ausearch', ['--raw', '-vm', 'x', '-if', RAW_CAPTURE, '-ts', '2026-11-22']);
    expect(real.stderr).toContain('Invalid start date (2026-11-22). Month, Day, and Year are required.');
    const compat = ours(['search', '--compat', '-vm', 'x', '-if', RAW_CAPTURE, '-ts', '2026-11-22']);
    expect(compat.stderr).toContain('Invalid start date (2026-11-22). Month, Day, and Year are required.');
    expect(ours(['search', '--compat', '-vm', 'x', '--since', '-2h']).stderr).toMatch(/--since is not an option of the real tool/);
    const bad = ours(['aureport', '-if', RAW_CAPTURE, '--since', 'last tuesday']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/YYYY-MM-DD.*-2h.*MM\/DD\/YY.*today/);
  });

  it('no input named: stdin when it is a pipe, else the system\'s logs; the same bytes, messages and exit as the real tools', () => {
    const cases: Array<[string, string]> = [
      [`cat ${quote(RAW_CAPTURE)} | `, ''],
      ['', ` < ${quote(RAW_CAPTURE)}`],
      ['', ' < /dev/null'],
      ['true | ', ''],
      [`cat ${quote(RAW_CAPTURE)} | `, ' --input-logs'],
    ];
    for (const [before, after] of cases) {
      for (const [tool, ourArgs, realArgs] of [['aureport', 'aureport --compat --virt', 'aureport --virt'], ['search', 'search --compat -vm vacap', 'ausearch --raw -vm vacap']] as const) {
        const real = shell(`${before}/usr/sbin/${realArgs}${after}`);
        const mine = shell(`${before}${OURS} ${ourArgs}${after}`);
        expect([mine.status, mine.stdout, mine.stderr], `${tool}: ${before}…${after}`).toEqual([real.status, real.stdout, real.stderr]);
      }
    }
  });

  it('a missing -if file: exit 1 and the real tools\' message, in both modes', () => {
    for (const mode of [[], ['--compat']]) {
      const missing = join(directory, 'missing.log');
      const real = run('/usr/sbin/aureport', ['--virt', '-if', missing]);
      const mine = ours(['aureport', ...mode, '--virt', '-if', missing]);
      expect([mine.status, mine.stdout, mine.stderr]).toEqual([real.status, real.stdout, real.stderr]);
      expect(mine.status).toBe(1);
      const realSearch = run('/usr/sbin/ausearch', ['--raw', '-vm', 'x', '-if', missing]);
      const mySearch = ours(['search', ...mode, '-vm', 'x', '-if', missing]);
      expect([mySearch.status, mySearch.stderr]).toEqual([realSearch.status, realSearch.stderr]);
    }
  });
});

describe.skipIf(!present)('ausearch -i output given to search and aureport', () => {
  const interpreted = join(directory, 'interpreted.log');
  const lines = run('/usr/sbin/ausearch', ['-i', '-if', RAW_CAPTURE, '-m', 'VIRT_CONTROL,VIRT_MACHINE_ID']).stdout;
  writeFileSync(interpreted, lines, 'latin1');
  const recordLines = lines.split('\n').map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line !== '' && line !== '----');

  it('--compat: what the real tools print and exit, from the file and from a pipe', () => {
    for (const [ourArgs, realArgs] of [['aureport --compat --virt', 'aureport --virt'], ['aureport --compat --virt --summary', 'aureport --virt --summary'], ['search --compat -vm vacap', 'ausearch --raw -vm vacap']]) {
      for (const [before, file] of [['', ` -if ${quote(interpreted)}`], [`cat ${quote(interpreted)} | `, '']]) {
        const real = shell(`${before}/usr/sbin/${realArgs}${file}`);
        const mine = shell(`${before}${OURS} ${ourArgs}${file}`);
        expect([mine.status, mine.stdout, mine.stderr], `${ourArgs} ${before}${file}`).toEqual([real.status, real.stdout, real.stderr]);
      }
    }
  });

  it('default mode: the same output, then how many lines could not be read and the first one\'s place, exit 1', () => {
    expect(recordLines.length).toBeGreaterThan(10);
    for (const args of [['aureport', '--virt'], ['aureport', '--virt', '--summary'], ['search', '-vm', 'vacap']]) {
      for (const [input, name] of [[undefined, interpreted], [lines, '<stdin>']] as const) {
        const mine = input === undefined ? ours([...args, '-if', interpreted]) : shell(`cat ${quote(interpreted)} | ${OURS} ${args.join(' ')}`);
        expect(mine.status, args.join(' ')).toBe(1);
        expect(mine.stderr).toBe(
          `${args[0]}: ${recordLines.length} lines could not be read (${recordLines.length} of them ausearch -i output); the first at ${name}:${recordLines[0]!.number}: ausearch -i (interpreted) output: its values were rewritten; give ausearch --raw output\n`,
        );
      }
    }
  });

  it('interpreted and foreign lines inside a raw log (file: read on a thread; pipe: on the main one): counted, the first named, the output still the real tool\'s', () => {
    const raw = captureLines(RAW_CAPTURE);
    const foreign = [...recordLines.map(({ line }) => line), 'not an audit line', 'type=VIRT_CONTROL msg=audit(broken'];
    const insertions = fc.sample(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: raw.length }), fc.constantFrom(...foreign)), { minLength: 1, maxLength: 25, selector: ([at]) => at }), { numRuns: 4, seed: 4 });
    for (const [index, inserted] of insertions.entries()) {
      const mixed = [...raw];
      const sorted = [...inserted].sort((a, b) => b[0] - a[0]);
      for (const [at, line] of sorted) mixed.splice(at, 0, line);
      const file = join(directory, `mixed-${index}.log`);
      writeFileSync(file, `${mixed.join('\n')}\n`, 'latin1');
      const firstAt = Math.min(...inserted.map(([at]) => at));
      // The line number of the first inserted line: those inserted before it shift nothing.
      const firstLine = firstAt + 1;
      const interpretedCount = inserted.filter(([, line]) => recordLines.some((record) => record.line === line)).length;
      for (const [ourArgs, realArgs] of [[['aureport', '--virt'], ['/usr/sbin/aureport', '--virt']], [['search', '-vm', 'vacap'], ['/usr/sbin/ausearch', '--raw', '-vm', 'vacap']]] as const) {
        const real = run(realArgs[0], [...realArgs.slice(1), '-if', file]);
        for (const [mine, name] of [[ours([...ourArgs, '-if', file]), file], [shell(`cat ${quote(file)} | ${OURS} ${ourArgs.join(' ')}`), '<stdin>']] as const) {
          expect(mine.stdout, `${ourArgs[0]} ${name}`).toBe(real.stdout);
          expect(mine.status).toBe(1);
          const told = new RegExp(`^${ourArgs[0]}: (\\d+) lines? could not be read(?: \\((\\d+) of them ausearch -i output\\))?; the first at (.+):(\\d+): `).exec(mine.stderr);
          expect(told, mine.stderr).not.toBeNull();
          expect(Number(told![1])).toBe(inserted.length);
          expect(Number(told![2] ?? 0)).toBe(interpretedCount);
          expect([told![3], Number(told![4])]).toEqual([name, firstLine]);
        }
      }
    }
  }, 200_000);

  it('an empty pipe: default mode says nothing was read and exits 1; --compat prints and exits as the real tools', () => {
    const mine = shell(`true | ${OURS} aureport --virt --summary`);
    expect(mine.status).toBe(1);
    expect(mine.stderr).toBe('aureport: the input was empty: nothing was read\n');
    const real = shell('true | /usr/sbin/aureport --virt --summary');
    expect(real.status).toBe(0);
    const compat = shell(`true | ${OURS} aureport --compat --virt --summary`);
    expect([compat.status, compat.stdout, compat.stderr]).toEqual([real.status, real.stdout, real.stderr]);
  });
});

/** RFC 4180 read back by Python's csv module (an implementation that is not ours). */
function parseCsv(text: string): string[][] {
  const result = spawnSync('python3', ['-c', 'import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.buffer.read().decode("utf-8"), newline="")))))'], { input: text, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as string[][];
}

describe('search and aureport --format json, ndjson, csv: what the text holds', () => {
  it('search: each event of the text, its records\' lines and stamps, in every structured form', () => {
    const text = ours(['search', '-vm', 'vacap', '-if', RAW_CAPTURE]);
    const textLines = text.stdout.split('\n').filter(Boolean);
    const ndjson = ours(['search', '-vm', 'vacap', '-if', RAW_CAPTURE, '--format', 'ndjson']).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { serial: string; time: string; records: Array<{ text: string; type: string; fields: Record<string, string | null> }> });
    expect(ndjson.flatMap((event) => event.records.map((record) => record.text))).toEqual(textLines.map((line) => Buffer.from(line, 'latin1').toString('utf8')));
    for (const event of ndjson) {
      const stamp = /msg=audit\((\d+)\.(\d+):(\d+)\)/.exec(event.records[0]!.text)!;
      expect(event.serial).toBe(stamp[3]);
      expect(Date.parse(event.time)).toBe(Number(stamp[1]) * 1000 + Number(stamp[2]));
      for (const record of event.records) expect(record.fields.vm === undefined || record.fields.vm!.includes('vacap')).toBe(true);
    }
    const json = JSON.parse(ours(['search', '-vm', 'vacap', '-if', RAW_CAPTURE, '--format', 'json']).stdout) as unknown[];
    expect(json).toEqual(ndjson);
    const [head, ...rows] = parseCsv(ours(['search', '-vm', 'vacap', '-if', RAW_CAPTURE, '--format', 'csv']).stdout);
    expect(rows.map((row) => row[head!.indexOf('text')])).toEqual(ndjson.flatMap((event) => event.records.map((record) => record.text)));
    expect(rows.map((row) => row[head!.indexOf('vm')])).toEqual(ndjson.flatMap((event) => event.records.map((record) => record.fields.vm ?? '')));
  });

  it('aureport: the rows of the text report, and the summary\'s counts', () => {
    const textRows = ours(['aureport', '-if', RAW_CAPTURE]).stdout.split('\n').filter((line) => /^\d+\. /.test(line)).map((line) => line.split(' '));
    const ndjson = ours(['aureport', '-if', RAW_CAPTURE, '--format', 'ndjson']).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, string | number>);
    expect(ndjson.map((row) => [`${row.number}.`, ...String(row.localTime).split(' '), row.type, row.success, row.event])).toEqual(textRows);
    expect((JSON.parse(ours(['aureport', '-if', RAW_CAPTURE, '--format', 'json']).stdout) as { rows: unknown[] }).rows).toEqual(ndjson);
    const [head, ...rows] = parseCsv(ours(['aureport', '-if', RAW_CAPTURE, '--format', 'csv']).stdout);
    expect(rows.map((row) => Object.fromEntries(head!.map((name, index) => [name, row[index]])))).toEqual(ndjson.map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, String(value)]))));
    const summaryText = ours(['aureport', '-if', RAW_CAPTURE, '--summary', '-i']).stdout.split('\n').filter((line) => /^\d+ {2}\S/.test(line)).map((line) => line.split('  '));
    const summary = JSON.parse(ours(['aureport', '-if', RAW_CAPTURE, '--summary', '--format', 'json']).stdout) as { summary: Array<{ total: number; type: string }> };
    expect(summary.summary.map((line) => [String(line.total), line.type])).toEqual(summaryText);
  });

  it('--format is refused with --compat (not the real tool\'s output)', () => {
    const refused = ours(['aureport', '--compat', '-if', RAW_CAPTURE, '--format', 'json']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not the real tool's output/);
    expect(readFileSync(RAW_CAPTURE).length).toBeGreaterThan(0);
  });
});

describe('the bounds as ausearch-time.c sets them (fixed now)', () => {
  it('a lone time is today at that time, for the end too (00:00:00 is midnight, not now); a lone end date takes the current time of day', async () => {
    const { parseAureportArgs } = await import('../cli/aureport-command.js');
    const now = new Date(2026, 11, 5, 7, 30, 15);
    const midnight = new Date(2026, 11, 5).getTime() / 1000;
    expect(parseAureportArgs(['-te', '00:00:00'], now).end).toBe(midnight);
    expect(parseAureportArgs(['-ts', '08:15'], now).start).toBe(midnight + 8 * 3600 + 15 * 60);
    expect(parseAureportArgs(['-te', '12/01/26'], now).end).toBe(new Date(2026, 11, 1, 7, 30, 15).getTime() / 1000);
    expect(parseAureportArgs(['-ts', '12/01/26'], now).start).toBe(new Date(2026, 11, 1).getTime() / 1000);
    expect(parseAureportArgs(['-te', 'today'], now).end).toBe(now.getTime() / 1000);
    expect(parseAureportArgs(['-te', '2026-12-01'], now).end).toBe(new Date(2026, 11, 1).getTime() / 1000);
    expect(parseAureportArgs(['--until=-2h'], now).end).toBe(now.getTime() / 1000 - 7200);
  });
});
