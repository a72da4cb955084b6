import { Command, Option } from 'commander';
import { AuditRecord, parseLine, resolveInputs } from '../src/index.js';
import { isLibvirtRecordType } from '../src/tables/record-types.js';
import { classifyEmitter } from '../src/libvirt/emitter-kind.js';
import { toJsonForm } from '../src/libvirt/json-form.js';
import { isNumericClass } from '../src/libvirt/value-classes.js';
import { readInputs } from '../src/reader/read-inputs.js';
import { Emitter, LibauditSink, LineSink, SinkFailed, type EmitInput, type EmitPolicy, type Sink } from '../emitter/index.js';
import { layoutForRecord } from '../emitter/payload.js';
import { BatchingEmitter, EmitTally } from './emit-tally.js';
import { readNdjson } from './ndjson-input.js';
import { replayInput } from './replay-input.js';
import { UsageError } from './usage.js';
import { packageVersion } from './package-version.js';

interface EmitFlags {
  sink: string;
  policy: EmitPolicy;
  replay?: string[];
  type?: string;
  set?: string[];
  timeout: string;
  maxLineBytes: string;
  fsync?: boolean;
  readBack?: boolean;
}

export function emitCommand(): Command {
  return new Command('emit')
    .exitOverride()
    .version(`virt-audit ${packageVersion()}`, '-V, --version', 'print the version')
    .description('emit VIRT_* records exactly as libvirt 9.0 does, through libaudit (or as audit.log lines)')
    .addOption(new Option('--sink <sink>', 'libaudit, stdout or file:PATH (the last two write the audit.log line auditd would)').default('libaudit'))
    .addOption(new Option('--policy <policy>', 'what an undelivered record does').choices(['off', 'best-effort', 'required']).default('required'))
    .option('--replay <files...>', 're-render every libvirt VIRT record of these logs through the builders')
    .option('--type <type>', 'emit one record given by flags: VIRT_CONTROL, VIRT_RESOURCE or VIRT_MACHINE_ID')
    .option('--set <name=value...>', 'a field of the --type record (? for absent)')
    .option('--timeout <ms>', 'longest wait for libaudit', '45000')
    .option('--max-line-bytes <bytes>', 'longest NDJSON line accepted as a record (longer ones are refused, not read)', '65536')
    .option('--fsync', 'file sink: fsync after every batch (it always fsyncs at close)')
    .option('--read-back', "libaudit sink: also read every record back from the kernel's audit multicast group (needs CAP_AUDIT_READ)")
    .addHelpText('after', '\nWithout --replay or --type, reads records in the JSON form as NDJSON on stdin (virt-audit verify --format ndjson --records).')
    .action(async (flags: EmitFlags) => {
      process.exitCode = await runEmit(flags);
    });
}

function sinkOf(spec: string, timeoutMs: number, fsync: boolean, readBack: boolean): Sink {
  if (spec === 'libaudit') return new LibauditSink({ timeoutMs, readBack });
  if (spec === 'stdout') return LineSink.stdout();
  if (spec.startsWith('file:') && spec.length > 5) return LineSink.file(spec.slice(5), { fsync });
  throw new UsageError(`--sink must be libaudit, stdout or file:PATH, got ${spec}`);
}

/** A record from --type and --set name=value flags; numeric fields become numbers. */
export function recordFromFlags(type: string, assignments: readonly string[]): EmitInput {
  if (!isLibvirtRecordType(type)) throw new UsageError(`--type must be VIRT_CONTROL, VIRT_RESOURCE or VIRT_MACHINE_ID, got ${type}`);
  const record: Record<string, unknown> & { type: string } = { type };
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes name=value, got ${assignment}`);
    const value = assignment.slice(eq + 1);
    record[assignment.slice(0, eq)] = value === '?' ? null : value;
  }
  const layout = layoutForRecord(record);
  for (const spec of layout.fields) {
    const value = record[spec.name];
    if (isNumericClass(spec.value) && typeof value === 'string' && /^-?\d+$/.test(value)) record[spec.name] = Number(value);
  }
  return record;
}

async function runEmit(flags: EmitFlags): Promise<number> {
  const timeoutMs = Number(flags.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, got ${flags.timeout}`);
  const report = (line: string): void => void process.stderr.write(`${line}\n`);
  const emitter = new Emitter({
    sink: sinkOf(flags.sink, timeoutMs, flags.fsync === true, flags.readBack === true),
    policy: flags.policy,
    onWarning: (error) => report(`virt-audit emit: warning: ${error.kind} — ${error.message} (warned once; the tally counts every record)`),
  });
  const tally = new EmitTally();
  const batching = new BatchingEmitter(emitter, tally, report);
  try {
    if (flags.type !== undefined) await batching.add(recordFromFlags(flags.type, flags.set ?? []), '--type');
    else if (flags.replay !== undefined) await replay(batching, flags.replay);
    else await emitNdjson(batching, maxLineBytesOf(flags.maxLineBytes));
    await batching.flush();
  } finally {
    try {
      await emitter.close();
    } catch (error) {
      if (!(error instanceof SinkFailed)) throw error;
      tally.sinkFailed = true;
      report(`virt-audit emit: ${error.kind} — ${error.message}`);
    }
    report(tally.line());
  }
  return tally.exitCode();
}

function maxLineBytesOf(text: string): number {
  const bytes = Number(text);
  if (!Number.isInteger(bytes) || bytes < 256) throw new UsageError(`--max-line-bytes must be an integer ≥ 256, got ${text}`);
  return bytes;
}

async function emitNdjson(emitter: BatchingEmitter, maxLineBytes: number): Promise<void> {
  if (process.stdin.isTTY) throw new UsageError('no records: pipe NDJSON on stdin, or use --replay or --type');
  for await (const item of readNdjson(process.stdin, { maxLineBytes })) {
    if (item.kind === 'record') await emitter.add(item.record, `<stdin>:${item.line}`);
    else emitter.reject(`<stdin>:${item.line}`, item.reason);
  }
}

async function replay(emitter: BatchingEmitter, files: readonly string[]): Promise<void> {
  const records: AuditRecord[] = [];
  let foreign = 0;
  const flushRecords = async (): Promise<void> => {
    for (const record of records.splice(0)) {
      await emitter.add(replayInput(record, toJsonForm(record, layoutForRecordSafe(record))) as EmitInput, `${record.file}:${record.line}`);
    }
  };
  await readInputs(await resolveInputs(files), (file, line) => {
    const parsed = parseLine(line.text, { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated });
    if (parsed.kind !== 'record' || !isLibvirtRecordType(parsed.record.type) || parsed.record.form === 'interpreted') return;
    if (classifyEmitter(parsed.record).kind === 'foreign') {
      foreign++;
      return;
    }
    records.push(parsed.record);
  }, { afterChunk: flushRecords });
  if (foreign > 0) process.stderr.write(`virt-audit emit: ${foreign} records of other writers (dockerd…) left out\n`);
}

/** The layout to read the record's numbers with; none when no libvirt layout fits (emit then says why). */
function layoutForRecordSafe(record: AuditRecord): ReturnType<typeof layoutForRecord> | undefined {
  try {
    return layoutForRecord(toJsonForm(record) as EmitInput);
  } catch {
    return undefined;
  }
}
