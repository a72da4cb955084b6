// Hostile values in every field of every record kind, through every line sink, read back by the real
// libauparse and ausearch: one record per input with libvirt's fields and the input's values, or a typed
// refusal naming a field that was given a hostile value.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isEncodedField } from '../src/tables/field-types.js';
import { EmitError, Emitter, FieldError, MemorySink } from '../emitter/index.js';
import { CLI } from './support/cli.js';
import { differences, generatedRecord, type Defaults, type GeneratedRecord } from './support/hostile-records.js';
import { loadLibauparse } from './support/libauparse.js';

const libauparse = loadLibauparse();
const hasAusearch = spawnSync('ausearch', ['--version']).status === 0;

const defaults: Defaults = {
  header: { pid: 42, uid: 0, auid: 4294967295, ses: 4294967295 },
  exe: '/usr/sbin/libvirtd',
  time: { sec: 1700000000, ms: 5 },
};

/** Why a refusal is one the record earned: it names a field drawn hostile (or the message grew too long from one). */
function refusalProblem(error: unknown, generated: GeneratedRecord): string | null {
  if (!(error instanceof EmitError)) return `not an EmitError: ${String(error)}`;
  if (generated.hostile.size === 0) return `a record of valid values refused: ${error.message}`;
  if (error instanceof FieldError) {
    const named = generated.hostile.has(error.field) || (error.field.startsWith('enrichment.') && generated.hostile.has('enrichment'));
    return named ? null : `refused for ${error.field}, which was valid (hostile: ${[...generated.hostile].join(', ')}): ${error.message}`;
  }
  return error.kind === 'too-long' || error.kind === 'invalid-record' ? null : `unexpected kind ${error.kind}: ${error.message}`;
}

const show = (generated: GeneratedRecord): string => JSON.stringify(generated.input, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));

describe.skipIf(libauparse === null)('hostile records through the line sinks, read by libauparse', () => {
  const accepted: Array<{ generated: GeneratedRecord; line: string }> = [];

  it('every field of every layout: one record with its values, or a refusal naming a hostile field (property)', async () => {
    await fc.assert(
      fc.asyncProperty(generatedRecord(isEncodedField), async (generated) => {
        const sink = new MemorySink();
        const emitter = new Emitter({
          sink, clock: () => defaults.time, header: defaults.header, tail: { exe: defaults.exe, hostname: null, addr: null, terminal: null },
        });
        let outgoing;
        try {
          outgoing = emitter.prepare(generated.input as never);
        } catch (error) {
          const problem = refusalProblem(error, generated);
          if (problem !== null) throw new Error(`${problem}\n${show(generated)}`);
          return;
        }
        if (outgoing === null) {
          const [old, current] = generated.layout.notBothAbsent ?? [];
          expect(old !== undefined && (generated.input[old] ?? null) === null && (generated.input[current!] ?? null) === null).toBe(true);
          return;
        }
        const { line } = await sink.deliver(outgoing);
        const events = libauparse!.parse(`${line!}\n`);
        const records = events.flatMap((event) => event.records);
        if (records.length !== 1) throw new Error(`${records.length} records read back from ${JSON.stringify(line)}\n${show(generated)}`);
        const problems = differences(records[0]!, generated, defaults);
        if (problems.length > 0) throw new Error(`${problems.join('; ')}\nline: ${JSON.stringify(line)}\n${show(generated)}`);
        accepted.push({ generated, line: line! });
      }),
      { numRuns: Number(process.env.HOSTILE_RUNS ?? 4000) },
    );
    // Both outcomes were exercised: the property is not met by refusing everything.
    expect(accepted.length).toBeGreaterThan(100);
  });

  it.skipIf(!hasAusearch)('ausearch --raw and -i read the accepted lines back as written, one record each', () => {
    expect(accepted.length).toBeGreaterThan(100);
    const directory = mkdtempSync(join(tmpdir(), 'hostile-emit-'));
    try {
      const log = join(directory, 'audit.log');
      writeFileSync(log, accepted.map(({ line }) => `${line}\n`).join(''), 'latin1');
      const raw = execFileSync('ausearch', ['--raw', '-if', log], { maxBuffer: 64 * 1024 * 1024 }).toString('latin1');
      expect(raw.split('\n').filter((line) => line !== '').sort()).toEqual(accepted.map(({ line }) => line).sort());
      const interpreted = execFileSync('ausearch', ['-i', '-if', log], { maxBuffer: 64 * 1024 * 1024 }).toString('latin1');
      expect(interpreted.split('\n').filter((line) => /^(?:node=\S+ )?type=VIRT_/.test(line))).toHaveLength(accepted.length);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe.skipIf(libauparse === null)('virt-audit emit --sink stdout and --sink file: on hostile NDJSON', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hostile-cli-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  // JSON cannot hold a bigint or NaN; JSON.stringify writes a lone surrogate as \udXXX, which JSON.parse restores.
  const samples = fc
    .sample(generatedRecord(isEncodedField), { numRuns: 300, seed: 19 })
    .map((generated) => ({ ...generated, input: JSON.parse(JSON.stringify(generated.input)) as Record<string, unknown> }));
  const ndjson = samples.map((generated) => JSON.stringify(generated.input)).join('\n');

  it.each(['stdout', 'file'])('%s: each input line is one record read back with its values, or refused at <stdin>:N', (sinkName) => {
    const file = join(directory, `${sinkName}.log`);
    const result = spawnSync(process.execPath, [CLI, 'emit', '--sink', sinkName === 'stdout' ? 'stdout' : `file:${file}`], {
      input: ndjson, maxBuffer: 64 * 1024 * 1024, timeout: 60_000,
    });
    const output = sinkName === 'stdout' ? result.stdout.toString('latin1') : readFileSync(file, 'latin1');
    const refused = new Set(
      result.stderr.toString('utf8').split('\n').flatMap((line) => {
        const match = /^<stdin>:(\d+): /.exec(line);
        return match ? [Number(match[1]) - 1] : [];
      }),
    );
    const expected = samples.filter((_generated, index) => !refused.has(index));
    for (const index of refused) {
      const emitter = new Emitter({ sink: new MemorySink() });
      let error: unknown = null;
      try {
        emitter.prepare(samples[index]!.input as never);
      } catch (caught) {
        error = caught;
      }
      expect(refusalProblem(error, samples[index]!), show(samples[index]!)).toBeNull();
    }
    const skipped = expected.filter(({ layout, input }) => layout.notBothAbsent !== undefined && layout.notBothAbsent.every((name) => (input[name] ?? null) === null));
    const written = expected.filter((generated) => !skipped.includes(generated));
    const lines = output.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(written.length);
    const records = libauparse!.parse(output).flatMap((event) => event.records);
    expect(records).toHaveLength(written.length);
    // auparse groups records by stamp; match each line to its record by its own parse.
    lines.forEach((line, index) => {
      const [record] = libauparse!.parse(`${line}\n`).flatMap((event) => event.records);
      expect(differences(record!, written[index]!, null), `${line}\n${show(written[index]!)}`).toEqual([]);
    });
    expect(refused.size).toBeGreaterThan(0);
    expect(written.length).toBeGreaterThan(50);
  });
});
