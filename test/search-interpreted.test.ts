// search -i against the real ausearch -i 3.0.9: the same bytes on stdout and the same exit status, over every
// stored capture and corpus file, the captures' golden outputs, the selections (-uu, -vm, -w, -m, -ts/-te,
// stdin, --input-logs, node= prefixes, ENRICHED), cut logs, and generated logs with hostile values in every
// field kind auparse interprets; the interpreted-record writer alone over every event of each file,
// kernel records included; and what search -i says where libauparse cannot be loaded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/reader/event-grouper.js';
import { AUDITD_LINES, readAuditEvents } from '../src/reader/read-events.js';
import { loadAuparseInterpretation, type AuparseInterpretation } from '../verifier/search/auparse-interpretation.js';
import { InterpretedEventWriter } from '../verifier/search/interpreted-output.js';
import { rawLineOf, searchVirtEvents, ausearchPassesOver, type SearchCriteria } from '../verifier/search/virt-search.js';
import { recordTypeNumber } from '../src/tables/record-types.js';
import { CLI } from './support/cli.js';
import { cutOffset, cuts } from './support/damaged-logs.js';
import { ENRICHED_CAPTURE, EXAMPLES, RAW_CAPTURE, captureLines, storedLogs } from './support/examples.js';
import { generatedLog } from './support/interpreted-logs.js';

const AUSEARCH = '/usr/sbin/ausearch';
const VIRT_TYPES = 'VIRT_CONTROL,VIRT_RESOURCE,VIRT_MACHINE_ID';
const env = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
process.env.TZ = 'UTC';

const libraries = ((): AuparseInterpretation | null => {
  try {
    return loadAuparseInterpretation();
  } catch {
    return null;
  }
})();
const present = existsSync(AUSEARCH) && libraries !== null;
if (!present) console.warn('[skip] search -i comparisons: the real ausearch 3.0.9 and libauparse.so.0 are needed');

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-interpreted-'));
let counter = 0;
const written = (bytes: string | Buffer): string => {
  const path = join(directory, `log-${counter++}.log`);
  writeFileSync(path, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return path;
};

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
const run = (command: string, args: readonly string[], input?: Buffer): Run => {
  const result = spawnSync(command, args, { env, input, timeout: 120_000, maxBuffer: 1 << 28 });
  return { status: result.status, stdout: result.stdout.toString('latin1'), stderr: result.stderr.toString('latin1') };
};
const ausearch = (args: readonly string[], input?: Buffer): Run => run(AUSEARCH, args, input);
const ours = (args: readonly string[], input?: Buffer): Run => run(process.execPath, [CLI, 'search', ...args], input);
const shell = (line: string): Run => run('bash', ['-c', line]);
const quote = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;


/** The real tool and ours (--compat, or default mode where `plain`) on the same arguments: the same stdout, status and stderr. */
function expectSame(args: readonly string[], label: string, input?: Buffer, plain = false): void {
  const real = ausearch(['-i', ...args], input);
  const mine = ours([...(plain ? [] : ['--compat']), '-i', ...args], input);
  expect([mine.status, mine.stdout, mine.stderr], `${plain ? '' : '--compat '}${label}`).toEqual([real.status, real.stdout, real.stderr]);
}

/** What search -i prints for `criteria` through the library (the CLI's reading and writer), as ausearch's stdout, stderr and exit. */
async function searchInterpreted(path: string, criteria: SearchCriteria): Promise<string> {
  const writer = new InterpretedEventWriter(libraries!);
  const out: Buffer[] = [];
  const { matched } = await searchVirtEvents([{ kind: 'file', path }], { ...criteria, interpreted: true }, (event) => out.push(writer.event(event)));
  return `${Buffer.concat(out).toString('latin1')}${matched === 0 ? '<no matches>\n' : ''}exit ${matched === 0 ? 1 : 0}`;
}

const realText = (args: readonly string[]): string => {
  const real = ausearch(['-i', ...args]);
  return `${real.stdout}${real.stderr}exit ${real.status}`;
};

/** search --raw through the library: the lines, and the exit status (ausearch --raw says nothing on no match). */
async function searchRaw(path: string, criteria: SearchCriteria): Promise<string> {
  const lines: string[] = [];
  const { matched } = await searchVirtEvents([{ kind: 'file', path }], criteria, (event) => lines.push(...event.records.map((record) => `${rawLineOf(record)}\n`)));
  return `${lines.join('')}exit ${matched === 0 ? 1 : 0}`;
}

/** The number of each type ausearch -m names, as search's criteria. */
const typeSet = (list: string): Set<number> => new Set(list.split(',').map((name) => recordTypeNumber(name)!));

async function unreadCount(path: string): Promise<number> {
  return (await readAuditEvents([{ kind: 'file', path }], () => {}, { forms: AUDITD_LINES, order: 'stamp' })).count;
}

const eventBlocks = (text: string): string[] => text.split(/^(?=----\n)/m).filter((block) => block !== '');

async function eventsOf(path: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  await readAuditEvents([{ kind: 'file', path }], (event) => events.push(event), { forms: AUDITD_LINES, order: 'stamp' });
  return events;
}

describe.skipIf(!present)('search -i: the same bytes and exit status as ausearch -i', () => {
  const logs = storedLogs();

  it('every stored capture and corpus file, -m VIRT_*: the same bytes, but where this reader leaves lines unread (it says so, exit 1)', async () => {
    const differing: string[] = [];
    for (const log of logs) {
      const real = ausearch(['-i', '-m', VIRT_TYPES, '--input', log]);
      const mine = ours(['--compat', '-i', '-m', VIRT_TYPES, '--input', log]);
      if (mine.status === real.status && mine.stdout === real.stdout && mine.stderr === real.stderr) continue;
      differing.push(log);
      // Lines this reader does not take as records (interpreted copies whose stamp ausearch misreads as a few seconds).
      expect(await unreadCount(log), log).toBeGreaterThan(0);
      const plain = ours(['-i', '-m', VIRT_TYPES, '--input', log]);
      expect([plain.status, plain.stderr], log).toEqual([1, expect.stringMatching(/could not be read/)]);
    }
    expect(differing.filter((log) => log.startsWith(EXAMPLES))).toEqual([]);
    expect(logs.length - differing.length).toBeGreaterThanOrEqual(12);
  }, 600_000);

  it('the captures\' golden outputs (the real ausearch -i at capture time, TZ=UTC LANG=C.UTF-8)', () => {
    const goldens = logs.filter((log) => log.startsWith(EXAMPLES) && existsSync(join(dirname(log), 'outputs', `${basename(log, '.log')}.ausearch-virt-interpreted.txt`)));
    expect(goldens.length).toBeGreaterThanOrEqual(6);
    for (const log of goldens) {
      const golden = readFileSync(join(dirname(log), 'outputs', `${basename(log, '.log')}.ausearch-virt-interpreted.txt`)).toString('latin1');
      expect(ours(['-i', '--input', log, '-m', VIRT_TYPES]).stdout, log).toBe(golden);
    }
  }, 120_000);

  it('-uu (whole and part), -vm (ASCII, UTF-8, -w), -m by number, any case, repeated and ALL, no match (<no matches>, exit 1)', () => {
    const uuid = /uuid=([0-9a-f-]{36})/.exec(captureLines(RAW_CAPTURE).find((line) => line.includes('uuid='))!)![1]!;
    const utf8Name = 'vacap guest ü';
    const cases = [['-uu', uuid], ['-uu', uuid.slice(0, 8)], ['-vm', 'vacap'], ['-vm', 'vacap-basic', '-w'], ['-vm', 'vacap', '-w'], ['-vm', utf8Name], ['-m', '2501'], ['-m', 'virt_control'], ['-m', 'VIRT_CONTROL', '-vm', 'vacap-basic'], ['-m', 'VIRT_CONTROL', '-m', 'VIRT_MACHINE_ID'], ['-m', 'VIRT_CONTROL', '-m', 'ALL'], ['-uu', 'no-such-guest']];
    cases.forEach((args, index) => expectSame([...args, '-if', index % 2 === 0 ? RAW_CAPTURE : ENRICHED_CAPTURE], args.join(' '), undefined, index % 3 === 0));
    expect(ours(['-i', '-uu', 'no-such-guest', '-if', RAW_CAPTURE]).stderr).toBe('<no matches>\n');
  }, 120_000);

  it('-ts/-te DATE TIME generated in the capture\'s range', () => {
    const seconds = captureLines(RAW_CAPTURE).map((line) => Number(/msg=audit\((\d+)\./.exec(line)![1]));
    const [first, last] = [Math.min(...seconds), Math.max(...seconds)];
    const two = (value: number): string => String(value).padStart(2, '0');
    const bound = fc.integer({ min: first - 60, max: last + 60 }).map((at) => {
      const date = new Date(at * 1000);
      return [`${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${two(date.getUTCFullYear() % 100)}`, `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`];
    });
    for (const [from, to] of fc.sample(fc.tuple(bound, bound), { numRuns: 3, seed: 1717 })) {
      expectSame(['-m', VIRT_TYPES, '-if', ENRICHED_CAPTURE, '-ts', ...from, '-te', ...to], `-ts ${from.join(' ')} -te ${to.join(' ')}`);
    }
  }, 120_000);

  it('stdin (a pipe), --input-logs beside a pipe, and node= prefixes on every or some lines', () => {
    // A shell's pipe: a FIFO, which ausearch tells from the socket a spawned child's stdin is.
    for (const [label, line] of [
      ['pipe', `cat ${quote(RAW_CAPTURE)} | %s -i -m ${VIRT_TYPES}`],
      ['--input-logs', `cat ${quote(RAW_CAPTURE)} | %s -i -vm vacap --input-logs`],
    ] as const) {
      const real = shell(line.replace('%s', AUSEARCH));
      const mine = shell(line.replace('%s', `${quote(process.execPath)} ${quote(CLI)} search --compat`));
      expect([mine.status, mine.stdout, mine.stderr], label).toEqual([real.status, real.stdout, real.stderr]);
    }
    for (const source of [RAW_CAPTURE, ENRICHED_CAPTURE]) {
      const lines = captureLines(source);
      const every = written(lines.map((line) => `node=virt-host.example.com ${line}\n`).join(''));
      expectSame(['-m', VIRT_TYPES, '-if', every], `node= on every line of ${source}`);
      const some = written(lines.map((line, index) => `${index % 3 === 0 ? 'node=n1 ' : ''}${line}\n`).join(''));
      expectSame(['-vm', 'vacap', '-if', some], `node= on some lines of ${source}`, undefined, true);
    }
  }, 120_000);

  it('generated logs with hostile values in every field kind, RAW and ENRICHED, with and without node=, CR LF (and -m in --raw)', async () => {
    const logs = fc.sample(generatedLog, { numRuns: 60, seed: 4217 });
    // Through the CLI for a few, through the same reading and writer in this process for all.
    for (const log of logs.slice(0, 3)) expectSame(['-m', log.types, '-if', written(log.text)], 'generated log');
    for (const log of logs) {
      const path = written(log.text);
      expect(await searchInterpreted(path, { types: typeSet(log.types) }), path).toBe(realText(['-m', log.types, '-if', path]));
      const raw = ausearch(['--raw', '-m', log.types, '-if', path]);
      expect(await searchRaw(path, { types: typeSet(log.types) }), `${path} --raw`).toBe(`${raw.stdout}${raw.stderr}exit ${raw.status}`);
      expect(await searchInterpreted(path, { uuid: '0', word: false }), `${path} -uu`).toBe(realText(['-uu', '0', '-if', path]));
    }
  }, 600_000);

  it('-i with -r, a second -i, or a structured format: refused, naming the option', () => {
    expect(ausearch(['-r', '-i', '-vm', 'x', '-if', RAW_CAPTURE]).stderr).toContain('Conflicting output format -i');
    const both = ours(['-r', '-i', '-vm', 'x', '-if', RAW_CAPTURE]);
    expect([both.status, both.stderr]).toEqual([2, expect.stringContaining('Conflicting output format -i')]);
    expect(ours(['-i', '--raw', '-vm', 'x', '-if', RAW_CAPTURE]).stderr).toContain('Conflicting output format --raw');
    expect(ours(['-i', '-i', '-vm', 'x', '-if', RAW_CAPTURE]).stderr).toContain('Conflicting output format -i');
    const json = ours(['-i', '--format', 'json', '-vm', 'x', '-if', RAW_CAPTURE]);
    expect([json.status, json.stderr]).toEqual([2, expect.stringContaining('--format json')]);
    const kernel = ours(['-m', 'SYSCALL', '-if', RAW_CAPTURE]);
    expect([kernel.status, kernel.stderr]).toEqual([2, expect.stringContaining('SYSCALL is not a user-message type')]);
    expect(ours(['-m', 'NO_SUCH_TYPE', '-if', RAW_CAPTURE]).status).toBe(2);
  });
});

describe.skipIf(!present)('the interpreted-record writer, every event of a file, kernel records included', () => {
  /** Ours for every event ausearch would show, and ausearch -i over the lines of those events, as event blocks. */
  async function compareEvents(path: string, sameOrder: boolean): Promise<number> {
    const events = (await eventsOf(path)).filter((event) => !ausearchPassesOver(event, true));
    const writer = new InterpretedEventWriter(libraries!);
    const mine = events.map((event) => writer.event(event).toString('latin1'));
    const lines = written(events.flatMap((event) => event.records.map((record) => `${rawLineOf(record)}\n`)).join(''));
    const real = eventBlocks(ausearch(['-i', '-if', lines]).stdout);
    if (sameOrder) expect(mine, path).toEqual(real);
    else expect([...mine].sort(), path).toEqual([...real].sort());
    return events.length;
  }

  it('every stored capture and corpus file (SYSCALL, PATH, PROCTITLE, AVC, DAEMON records and all)', async () => {
    let total = 0;
    // ausearch prints an event when it is complete, which is not always the order of stamps.
    for (const log of storedLogs()) total += await compareEvents(log, false);
    expect(total).toBeGreaterThan(3000);
  }, 300_000);

  it('generated logs: hostile arch, syscall, a0/a1 (their context carried from event to event), SECCOMP, records after SYSCALL', async () => {
    for (const log of fc.sample(generatedLog, { numRuns: 60, seed: 917 })) await compareEvents(written(log.text), true);
  }, 300_000);

  it('cut captures (the damaged-log suite\'s cuts): what ausearch -i -vm prints, <no matches> and exit 1 when none', async () => {
    const offset = cutOffset();
    for (const [name, capture] of [['RAW capture', readFileSync(RAW_CAPTURE)], ['ENRICHED capture', readFileSync(ENRICHED_CAPTURE)]] as const) {
      // A quarter of the damaged-log suite's cuts of the day, each run another quarter.
      for (const log of cuts(name, capture, offset).filter((_log, index) => index % 4 === offset % 4)) {
        const path = written(log.bytes);
        expect(await searchInterpreted(path, { vm: 'vacap', word: false }), log.name).toBe(realText(['-vm', 'vacap', '-if', path]));
      }
    }
  }, 300_000);
});

const rootWithUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
const libauparsePath = spawnSync('bash', ['-c', "ldconfig -p | awk '/libauparse.so.0 /{print $NF; exit}'"]).stdout?.toString().trim() ?? '';

describe.skipIf(!rootWithUnshare || libauparsePath === '')('search -i where libauparse cannot be loaded (hidden in a mount namespace)', () => {
  it('says what it needs and exits 2; search without -i still works', () => {
    const hidden = (args: string): Run => shell(`unshare -m bash -c ${quote(`mount --bind /dev/null ${libauparsePath} && ${quote(process.execPath)} ${quote(CLI)} search ${args}`)}`);
    const interpreted = hidden(`-i -vm vacap -if ${quote(RAW_CAPTURE)}`);
    expect(interpreted.status).toBe(2);
    expect(interpreted.stdout).toBe('');
    expect(interpreted.stderr).toMatch(/^search -i: interpreting needs libauparse\.so\.0 \(Debian and Ubuntu: apt install libauparse0/);
    const raw = hidden(`-vm vacap -if ${quote(RAW_CAPTURE)}`);
    expect([raw.status, raw.stdout.length > 0]).toEqual([0, true]);
  });
});
