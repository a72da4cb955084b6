// auvirt, as audit-userspace 3.0.9 shipped it before 4.0 dropped it: same options and messages. With
// --compat its output is 3.0.9's byte for byte; without, its known bugs are fixed (README, "auvirt").
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { orderRotatedSets, type AuditInput } from '../src/reader/input-set.js';
import { AUVIRT_HELP, AUVIRT_USAGE, AuvirtUsageError, parseAuvirtArgs, type AuvirtOptions } from '../verifier/auvirt/auvirt-options.js';
import type { CompatFilter } from '../verifier/auvirt/compat-correlator.js';
import type { FormatFlags } from '../verifier/auvirt/compat-format.js';
import type { SessionCorrelator } from '../verifier/correlator/session-correlator.js';
import { packageVersion } from './package-version.js';
import { progressReporter } from './progress.js';

/** auditd.conf's log_file and its rotated files, oldest first (auparse's AUSOURCE_LOGS). */
export function defaultLogs(): string[] {
  let logFile = '/var/log/audit/audit.log';
  try {
    const match = /^\s*log_file\s*=\s*(\S+)/m.exec(readFileSync('/etc/audit/auditd.conf', 'utf8'));
    if (match) logFile = match[1]!;
  } catch {
    // no auditd.conf: auparse's default
  }
  if (!existsSync(logFile)) return [];
  const directory = dirname(logFile);
  const rotated = readdirSync(directory).filter((name) => new RegExp(`^${basename(logFile).replace(/\./g, '\\.')}\\.\\d+$`).test(name)).map((name) => join(directory, name));
  return orderRotatedSets([logFile, ...rotated]);
}

async function debugDump(options: AuvirtOptions): Promise<string> {
  const { ctime } = await import('../verifier/auvirt/compat-format.js');
  const quote = (value: string | undefined): string => (value === undefined ? "'(null)'" : `'${value}'`);
  const time = (value: number | undefined): string => (value === undefined ? "''" : `'${ctime(value).slice(0, 16)}'`);
  return [
    `help_flag='${options.help ? 1 : 0}'`, `stdin_flag='${options.stdin ? 1 : 0}'`, `all_events_flag='${options.allEvents ? 1 : 0}'`,
    `summary_flag='${options.summary ? 1 : 0}'`, `uuid=${quote(options.uuid)}`, `vm=${quote(options.vm)}`, `file=${quote(options.file)}`,
    `start_time=${time(options.start)}`, `end_time=${time(options.end)}`, '',
  ].join('\n');
}

export async function auvirtMain(args: readonly string[]): Promise<number> {
  let options: AuvirtOptions;
  try {
    options = parseAuvirtArgs(args);
  } catch (error) {
    if (error instanceof AuvirtUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${options.compat ? AUVIRT_USAGE : AUVIRT_HELP}\n`);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`auvirt (virt-audit) ${packageVersion()}\n`);
    return 0;
  }
  if (options.debug) process.stderr.write(await debugDump(options));
  if (options.follow) return follow(options);
  let inputs: AuditInput[];
  if (options.stdin) inputs = [{ kind: 'stdin', path: '-' }];
  else if (options.file !== undefined) {
    if (!existsSync(options.file)) {
      process.stderr.write('Error: No such file or directory\n');
      return 1;
    }
    inputs = [{ kind: 'file', path: options.file }];
  } else {
    const logs = defaultLogs();
    if (logs.length === 0) {
      process.stderr.write('No log file\nError: No such file or directory\n');
      return 1;
    }
    inputs = logs.map((path) => ({ kind: 'file', path }));
  }
  const filter = {
    ...(options.start === undefined ? {} : { start: options.start }),
    ...(options.end === undefined ? {} : { end: options.end }),
    ...(options.vm === undefined ? {} : { vm: options.vm }),
    ...(options.uuid === undefined ? {} : { uuid: options.uuid }),
  };
  const flags = { allEvents: options.allEvents, showUuid: options.showUuid, proof: options.proof };
  try {
    return await report(inputs, options, filter, flags);
  } catch (error) {
    // Unreadable input (a directory, a permission denied): named, not a stack trace.
    if (!(error instanceof Error) || error.name !== 'InputError') throw error;
    process.stderr.write(`Error: ${error.message}\n`);
    return 1;
  }
}

async function report(inputs: readonly AuditInput[], options: AuvirtOptions, filter: CompatFilter, flags: FormatFlags): Promise<number> {
  if (options.compat) {
    const request = { inputs, options: { correlateAvcAndAnomalies: options.allEvents || options.summary, filter }, flags, summary: options.summary };
    // The report is written once reading is over: the progress line goes before the first piece.
    const progress = progressReporter();
    let first = true;
    // Loaded only here, as the default report's modules only on its path: the reading thread of either starts sooner.
    const { writeCompatReport } = await import('../verifier/auvirt/compat-report.js');
    await writeCompatReport(request, async (piece) => {
      if (first) progress.done();
      first = false;
      await writeOut(piece);
    }, progress.update);
    progress.done();
    return 0;
  }
  return defaultReport(inputs, options, filter, flags);
}

/** The report with auvirt's bugs fixed: written as it settles, what is written forgotten (flat memory). */
async function defaultReport(inputs: readonly AuditInput[], options: AuvirtOptions, filter: CompatFilter, flags: FormatFlags): Promise<number> {
  const progress = progressReporter();
  // Reading starts first, its thread booting while the correlator loads (loaded only here: the compat
  // path starts faster without it).
  const { startSessionReading, loadBeside } = await import('../verifier/correlator/session-reading.js');
  const reading = startSessionReading(inputs, progress.update);
  const [{ correlateReading }, { ReportWriter, SummaryCounter, formatReportSummary }, { SessionStreamWriter }] = await loadBeside(reading, () =>
    Promise.all([import('../verifier/correlator/run-sessions.js'), import('../verifier/correlator/report-default.js'), import('../verifier/correlator/session-stream.js')]),
  );
  const sessionsFormat = options.format === 'text' ? undefined : options.format;
  const textReport = sessionsFormat === undefined && !options.summary;
  let writer: InstanceType<typeof ReportWriter> | undefined;
  let counter: InstanceType<typeof SummaryCounter> | undefined;
  const sessionWriter = sessionsFormat === undefined ? undefined : new SessionStreamWriter(sessionsFormat, filter);
  // What is settled is written (and forgotten) while the log is still read, unless the progress line
  // shares the terminal with it. stdout is synchronous on Linux (files, pipes, terminals): nothing piles up.
  const meanwhile = !(progress.active && process.stdout.isTTY)
    ? (correlator: SessionCorrelator) => {
        let rowsDone = correlator.rowTable.length;
        if (textReport) {
          writer ??= new ReportWriter(correlator, flags, filter);
          for (const piece of writer.writeSettled()) process.stdout.write(piece);
          rowsDone = writer.rowsWritten;
        } else if (options.summary) {
          counter ??= new SummaryCounter(correlator, filter);
          counter.countSettled();
          rowsDone = counter.rowsCounted;
        }
        if (sessionWriter) process.stdout.write(Buffer.from(sessionWriter.sessions(correlator.takeFinalSessions()), 'utf8'));
        const dropped = correlator.forget(rowsDone);
        writer?.forgotten(dropped);
        counter?.forgotten(dropped);
      }
    : undefined;
  // The text report and the summary show only some of an assignment's fields; the JSON forms all.
  const correlator = await correlateReading(reading, { allDetails: sessionsFormat !== undefined, handOn: sessionWriter !== undefined }, meanwhile);
  progress.done();
  if (sessionWriter) {
    const rest = sessionWriter.sessions(correlator.takeFinalSessions());
    const summary = options.summary ? (counter ??= new SummaryCounter(correlator, filter)).summary() : undefined;
    await writeOut(Buffer.from(rest + sessionWriter.end(correlator.unmatched, summary), 'utf8'));
    return 0;
  }
  if (options.summary) {
    counter ??= new SummaryCounter(correlator, filter);
    await writeOut(formatReportSummary(correlator, filter, counter.summary()));
    return 0;
  }
  writer ??= new ReportWriter(correlator, flags, filter);
  while (writer.writeMore()) for (const piece of writer.takeFull()) await writeOut(piece);
  for (const piece of writer.takeAll()) await writeOut(piece);
  return 0;
}


/** Writes one char per byte to stdout, waiting while the pipe is full. */
async function writeOut(text: string | Buffer): Promise<void> {
  if (process.stdout.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done).off('close', done);
      resolve();
    };
    process.stdout.once('drain', done).once('close', done);
  });
}

/** `auvirt --follow`: virt-audit watch on --file (or auditd.conf's log_file), from its end, --vm/--uuid kept. */
async function follow(options: AuvirtOptions): Promise<number> {
  if (options.stdin) {
    process.stderr.write('"--follow" reads a file; "--stdin" ends.\n');
    return 1;
  }
  if (options.format === 'json') {
    process.stderr.write('"--follow" writes text or ndjson (one change per line), not one json document.\n');
    return 1;
  }
  const { auditdLogFile, followLog } = await import('./watch-command.js');
  const uuid = options.uuid?.toLowerCase();
  return followLog({
    path: options.file ?? (await auditdLogFile()),
    format: options.format,
    proof: options.proof,
    ...(options.start === undefined ? {} : { since: options.start }),
    keep: (event) => (options.vm === undefined || event.name === options.vm) && (uuid === undefined || event.uuid?.toLowerCase() === uuid),
  });
}
