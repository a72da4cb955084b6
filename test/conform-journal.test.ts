// virt-audit conform --journal: every journaled capture in examples/ (libvirt 9.0, 11.3, 12.9) conforms;
// 1,000 single mutations of those captures — a record dropped, duplicated, moved, a field altered, res
// flipped, a uuid swapped — are each reported by exactly one finding, of the kind the mutation makes, for
// the right guest (and step, field or line where the mutation fixes them).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conformJournal, type JournalFinding } from '../testing/journal-conformance.js';
import { expectedRecords, libvirtVersionOf, readJournal } from '../testing/journal-replay.js';
import type { HostValues } from '../emitter/index.js';
import type { Journal } from '../testing/journal.js';
import { EXAMPLES } from './support/examples.js';

const HOST_VALUES = `${EXAMPLES}libvirt-capture.host-values.json`;

interface Capture {
  readonly name: string;
  readonly journalFile: string;
  readonly log: string;
  readonly journal: Journal;
  /** For journals written before run-time values were recorded. */
  readonly fallback: HostValues | undefined;
}

function captures(directory: string): Capture[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    // A migration is one log written by two libvirtds (one journal each, the same guest in both): the
    // sides are told apart by pid= in test/lifecycle-migration.test.ts, not by conform --journal.
    if (statSync(path).isDirectory()) return name === 'migration' ? [] : captures(path);
    if (!name.endsWith('.journal.json')) return [];
    const journal = readJournal(path);
    const fallback = journal.libvirt === undefined ? (JSON.parse(readFileSync(HOST_VALUES, 'utf8')) as HostValues) : undefined;
    return [{ name: path.slice(EXAMPLES.length), journalFile: path, log: path.replace(/\.journal\.json$/, '.log'), journal, fallback }];
  });
}

const all = captures(EXAMPLES);
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-conform-journal-'));

async function findingsOf(capture: Capture, lines: readonly string[]): Promise<JournalFinding[]> {
  const path = join(directory, 'mutated.log');
  writeFileSync(path, Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
  const findings: JournalFinding[] = [];
  await conformJournal(capture.journal, [{ kind: 'file', path }], { ...(capture.fallback ? { fallbackHostValues: capture.fallback } : {}), onFinding: (finding) => findings.push(finding) });
  return findings;
}

describe('conform --journal on the captures', () => {
  it('finds journaled captures of every libvirt version', () => {
    expect(new Set(all.map((capture) => capture.journal.libvirt ?? '9.0.0'))).toEqual(new Set(['9.0.0', '11.3.0', '12.9.0']));
  });

  it.each(all.map((capture) => [capture.name, capture]))('%s conforms: every expected record written, in order, nothing else', async (_name, capture) => {
    const findings: JournalFinding[] = [];
    const summary = await conformJournal(capture.journal, [{ kind: 'file', path: capture.log }], {
      ...(capture.fallback ? { fallbackHostValues: capture.fallback } : {}), onFinding: (finding) => findings.push(finding),
    });
    expect(findings).toEqual([]);
    expect(summary.expected).toBeGreaterThan(100);
    expect([summary.written, summary.equal]).toEqual([summary.expected, summary.expected]);
  });
});

/** A journaled guest's record in a capture: its line, its payload, and the step that must write it. */
interface GuestLine {
  readonly index: number;
  readonly uuid: string;
  readonly payload: string;
  readonly step: number;
  /** Whether no other record of the guest has this payload (then the finding's step and line are certain). */
  readonly unique: boolean;
}

function guestLines(capture: Capture, lines: readonly string[]): GuestLine[] {
  const version = libvirtVersionOf(capture.journal);
  return capture.journal.guests.flatMap((guest) => {
    const expected = expectedRecords(guest, version, capture.fallback);
    const indexes = lines.flatMap((line, index) => (line.includes('type=VIRT_') && line.includes(`uuid=${guest.uuid} `) ? [index] : []));
    expect(indexes.length, guest.role).toBe(expected.length);
    return indexes.map((index, at) => ({
      index, uuid: guest.uuid, payload: expected[at]!.payload, step: expected[at]!.step,
      unique: expected.filter((record) => record.payload === expected[at]!.payload).length === 1,
    }));
  });
}

/** The payload part of a line: between msg=' and libaudit's exe=. */
function payloadSpan(line: string): [number, number] {
  const start = line.indexOf(" msg='") + 6;
  return [start, line.indexOf(' exe=', start)];
}

type Mutation = { kind: JournalFinding['kind']; lines: string[]; target: GuestLine; check: (finding: JournalFinding) => void };

function mutate(capture: Capture, lines: readonly string[], records: readonly GuestLine[], how: string, pick: number, other: number, fieldPick: number): Mutation | null {
  const target = records[pick % records.length]!;
  const line = lines[target.index]!;
  const copy = [...lines];
  switch (how) {
    case 'drop':
      copy.splice(target.index, 1);
      return { kind: 'missing', lines: copy, target, check: (finding) => {
        expect(finding.expected).toBe(target.payload);
        if (target.unique) expect(finding.step?.index).toBe(target.step);
      } };
    case 'duplicate':
      copy.splice(target.index + 1, 0, line);
      return { kind: 'extra', lines: copy, target, check: (finding) => {
        expect(finding.written).toBe(target.payload);
        // Beside records of the same payload, any one of them may be the one left over.
        if (target.unique) expect([target.index + 1, target.index + 2]).toContain(finding.line);
      } };
    case 'move': {
      if (!target.unique) return null;
      const same = records.filter((record) => record.uuid === target.uuid);
      const at = same.indexOf(target);
      const choices = same.filter((_record, index) => Math.abs(index - at) >= 2);
      if (choices.length === 0) return null;
      const destination = choices[other % choices.length]!;
      copy.splice(target.index, 1);
      const insertAt = destination.index > target.index ? destination.index : destination.index; // before the destination record
      copy.splice(insertAt, 0, line);
      return { kind: 'out-of-order', lines: copy, target, check: (finding) => {
        expect(finding.written).toBe(target.payload);
        expect(finding.step?.index).toBe(target.step);
        expect(finding.line).toBe(insertAt + 1);
      } };
    }
    case 'alter': {
      const [start, end] = payloadSpan(line);
      const tokens = line.slice(start, end).split(' ');
      const fields = tokens.map((token, index) => [index, token.slice(0, token.indexOf('='))] as const).filter(([, name]) => name !== 'uuid');
      const [tokenIndex, name] = fields[fieldPick % fields.length]!;
      tokens[tokenIndex] = `${name}="virt-audit-altered"`;
      copy[target.index] = line.slice(0, start) + tokens.join(' ') + line.slice(end);
      return { kind: 'differing', lines: copy, target, check: (finding) => {
        expect(finding.fields.map((field) => [field.name, field.written])).toEqual([[name, '"virt-audit-altered"']]);
        expect(finding.line).toBe(target.index + 1);
        if (target.unique) expect(finding.step?.index).toBe(target.step);
      } };
    }
    case 'flip-res': {
      const flipped = line.includes(" res=success'") ? line.replace(" res=success'", " res=failed'") : line.replace(" res=failed'", " res=success'");
      copy[target.index] = flipped;
      const flippedPayload = target.payload.endsWith(' res=success') ? target.payload.replace(/ res=success$/, ' res=failed') : target.payload.replace(/ res=failed$/, ' res=success');
      const flippedUnique = target.unique && !records.some((record) => record.uuid === target.uuid && record.payload === flippedPayload);
      return { kind: 'differing', lines: copy, target, check: (finding) => {
        expect(finding.fields.map((field) => field.name)).toEqual(['res']);
        if (flippedUnique) expect(finding.line).toBe(target.index + 1);
      } };
    }
    default: {
      const others = capture.journal.guests.filter((guest) => guest.uuid !== target.uuid);
      const swapped = others[other % others.length]!;
      copy[target.index] = line.replace(`uuid=${target.uuid}`, `uuid=${swapped.uuid}`);
      return { kind: 'wrong-guest', lines: copy, target, check: (finding) => expect(finding.fields.map((field) => field.name)).toEqual(['uuid']) };
    }
  }
}

describe('conform --journal on 1,000 mutations of the captures', () => {
  const matrices = all.filter((capture) => capture.journal.guests.length > 1);
  const lineSets = matrices.map((capture) => readFileSync(capture.log, 'latin1').split('\n').filter((line) => line !== ''));
  const records = matrices.map((capture, index) => guestLines(capture, lineSets[index]!));

  it('reports each mutation by exactly one finding of its kind, for its guest', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: matrices.length - 1 }), fc.constantFrom('drop', 'duplicate', 'move', 'alter', 'flip-res', 'swap-uuid'), fc.nat(), fc.nat(), fc.nat(),
        async (which, how, pick, other, fieldPick) => {
          const capture = matrices[which]!;
          const mutation = mutate(capture, lineSets[which]!, records[which]!, how, pick, other, fieldPick);
          if (mutation === null) return;
          seen.set(how, (seen.get(how) ?? 0) + 1);
          const findings = await findingsOf(capture, mutation.lines);
          expect(findings.map((finding) => [finding.kind, finding.guest.uuid]), `${how} of ${capture.name} line ${mutation.target.index + 1}`).toEqual([[mutation.kind, mutation.target.uuid]]);
          mutation.check(findings[0]!);
        },
      ),
      { numRuns: 1000 },
    );
    for (const how of ['drop', 'duplicate', 'move', 'alter', 'flip-res', 'swap-uuid']) expect(seen.get(how) ?? 0, how).toBeGreaterThan(50);
  }, 600_000);
});

describe('virt-audit conform --journal (the installed command)', () => {
  const cli = join(import.meta.dirname, '../dist/cli/virt-audit.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'conform', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const matrix = all.find((capture) => capture.name.startsWith('matrix/libvirt-9.0'))!;

  it('exits 0 on a conforming capture, with --rules too', () => {
    const result = run('--journal', matrix.journalFile, '--rules', matrix.log);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/: 0 findings\n.*: 0 findings\n$/);
  });

  it('exits 1 naming file:line, the step and the expected line, in text, JSON and JUnit', async () => {
    const lines = readFileSync(matrix.log, 'latin1').split('\n').filter(Boolean);
    const target = guestLines(matrix, lines).find((record) => record.unique && record.payload.includes('op=stop'))!;
    const mutated = [...lines];
    mutated[target.index] = mutated[target.index]!.replace(/reason=\S+/, 'reason=crashed');
    const path = join(directory, 'cli.log');
    writeFileSync(path, Buffer.from(`${mutated.join('\n')}\n`, 'latin1'));
    const text = run('--journal', matrix.journalFile, path);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`${path}:${target.index + 1}: differing — `);
    expect(text.stdout).toContain(`step ${target.step + 1} (stop): reason=crashed where`);
    expect(text.stdout).toContain(`expected ${target.payload}`);
    const json = JSON.parse(run('--journal', matrix.journalFile, '--format', 'json', path).stdout) as { journal: { summary: { total: number }; findings: JournalFinding[] } };
    expect(json.journal.summary.total).toBe(1);
    expect(json.journal.findings[0]).toMatchObject({ kind: 'differing', line: target.index + 1, step: { index: target.step, kind: 'stop' } });
    expect(run('--journal', matrix.journalFile, '--format', 'junit', path).stdout).toContain('<failure type="differing" message="1 finding">');
  });

  it('--libvirt picks another version\'s rules; a bad journal or option is a usage error (exit 2)', () => {
    const other = run('--journal', matrix.journalFile, '--libvirt', '12.9', matrix.log);
    expect(other.status).toBe(1);
    expect(run('--journal', join(directory, 'missing.json'), matrix.log).status).toBe(2);
    expect(run('--libvirt', '12.9', '--rules', matrix.log).status).toBe(2);
    expect(run('--journal', matrix.journalFile, '--libvirt', '10.0', matrix.log).status).toBe(2);
  });
});

describe('conform --journal with step windows', () => {
  const matrix = all.find((capture) => capture.name.startsWith('matrix/libvirt-9.0'))!;
  const lines = readFileSync(matrix.log, 'latin1').split('\n').filter(Boolean);
  const records = guestLines(matrix, lines);
  const stampOf = (line: string) => Number(/audit\((\d+\.\d+):/.exec(line)![1]);
  /** The journal with each step's window: from its first record's stamp to its last's, as a test harness would record around it. */
  const windowed: Journal = {
    ...matrix.journal,
    guests: matrix.journal.guests.map((guest) => ({
      ...guest,
      steps: guest.steps.map((step, index) => {
        const stamps = records.filter((record) => record.uuid === guest.uuid && record.step === index).map((record) => stampOf(lines[record.index]!));
        return stamps.length === 0 ? step : { ...step, window: { from: Math.min(...stamps), to: Math.max(...stamps) } };
      }),
    })),
  };
  const windowedCapture: Capture = { ...matrix, journal: windowed };

  it('a journal with windows validates and the capture conforms to it', async () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../schemas/journal.schema.json'), 'utf8')) as object;
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const validate = new Ajv2020({ strict: true }).compile(schema);
    expect(validate(windowed), JSON.stringify(validate.errors?.slice(0, 2))).toBe(true);
    expect(windowed.guests.flatMap((guest) => guest.steps).filter((step) => step.window !== undefined).length).toBeGreaterThan(50);
    expect(await findingsOf(windowedCapture, lines)).toEqual([]);
  });

  it('a record stamped outside its step\'s window is reported, at its line and step', async () => {
    const target = records.find((record) => record.unique && matrix.journal.guests.some((guest) => guest.uuid === record.uuid && guest.steps[record.step]!.kind === 'attach'))!;
    const mutated = [...lines];
    mutated[target.index] = mutated[target.index]!.replace(/audit\(\d+\.\d+:/, 'audit(1000000000.000:');
    const findings = await findingsOf(windowedCapture, mutated);
    expect(findings.map((finding) => [finding.kind, finding.line, finding.step?.index])).toEqual([['out-of-window', target.index + 1, target.step]]);
    expect(findings[0]!.fields[0]!.written).toBe('stamped 1000000000.000');
  });
});
