// auvirt, as audit-userspace 3.0.9 shipped it before 4.0 dropped it: same options and messages. With
// --compat its output is 3.0.9's byte for byte; without, its known bugs are fixed (README, "auvirt").
import { existsSync } from 'node:fs';
import type { AuditInput } from '../src/reader/input-set.js';
import { AUVIRT_HELP, AUVIRT_USAGE, AuvirtUsageError, parseAuvirtArgs, type AuvirtOptions } from '../verifier/auvirt/auvirt-options.js';
import type { CompatFilter } from '../verifier/auvirt/compat-correlator.js';
import type { FormatFlags } from '../verifier/auvirt/compat-format.js';
import type { SessionCorrelator } from '../verifier/correlator/session-correlator.js';
import { writeBlocking } from './blocking-write.js';
import { packageVersion } from './package-version.js';
import { progressReporter, totalBytes } from './progress.js';
import { reportUnread } from './reading-outcome.js';
import { configuredLogFile, defaultLogs } from './system-logs.js';
import { keepingUnread } from './unread-reading.js';

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
    // Unreadable input (a directory, a permission denied), or --compat's temporary file not written (a
    // full disk): named, not a stack trace.
    if (!(error instanceof Error) || (error.name !== 'InputError' && error.name !== 'SpoolError')) throw error;
    process.stderr.write(`Error: ${error.message}\n`);
    return 1;
  }
}

async function report(inputs: readonly AuditInput[], options: AuvirtOptions, filter: CompatFilter, flags: FormatFlags): Promise<number> {
  if (options.compat) {
    const request = { inputs, options: { correlateAvcAndAnomalies: options.allEvents || options.summary, filter }, flags, summary: options.summary };
    // The report is written once reading is over: the progress line goes before the first piece.
    const progress = progressReporter(totalBytes(inputs));
    let first = true;
    // Loaded only here, as the default report's modules only on its path: the reading thread of either starts sooner.
    const { writeCompatReport } = await import('../verifier/auvirt/compat-report.js');
    await writeCompatReport(request, (piece) => {
      if (first) progress.done();
      first = false;
      writeOut(piece);
    }, progress.update);
    progress.done();
    return 0;
  }
  return defaultReport(inputs, options, filter, flags);
}

/** Chars the session writers' text is gathered to before it is written. */
const GATHERED_CHARS = 1 << 16;

/**
 * The report with auvirt's bugs fixed: written as it settles, what is written forgotten (flat memory). The
 * JSON forms and CSV are virt-audit/sessions' writers, given each session once it is final.
 */
async function defaultReport(inputs: readonly AuditInput[], options: AuvirtOptions, filter: CompatFilter, flags: FormatFlags): Promise<number> {
  const progress = progressReporter(totalBytes(inputs));
  // Reading starts first, its thread booting while the correlator loads (loaded only here: the compat
  // path starts faster without it).
  const { startSessionReading, loadBeside } = await import('../verifier/correlator/session-reading.js');
  const { reading, unread } = keepingUnread(startSessionReading(inputs, progress.update));
  const [{ correlateReading }, { ReportWriter, SummaryCounter, formatReportSummary, sessionSelected, summaryJson }, { sessionJson, unmatchedJson }, { sessionWriterFor }] = await loadBeside(reading, () =>
    Promise.all([
      import('../verifier/correlator/run-sessions.js'), import('../verifier/correlator/report-default.js'), import('../verifier/correlator/session-json.js'),
      import('./auvirt-session-writer.js'),
    ]),
  );
  // The writers hand on a session at a time: gathered here into writes of a few dozen KiB.
  let gathered = '';
  const flush = (): void => {
    if (gathered !== '') writeOut(Buffer.from(gathered, 'utf8'));
    gathered = '';
  };
  const sink = { write: (text: string) => ((gathered += text).length >= GATHERED_CHARS ? flush() : undefined) };
  const sessionWriter = options.format === 'text' || (options.format === 'csv' && options.summary) ? undefined : sessionWriterFor(options, sink);
  const textReport = options.format === 'text' && !options.summary;
  let writer: InstanceType<typeof ReportWriter> | undefined;
  let counter: InstanceType<typeof SummaryCounter> | undefined;
  const writeFinal = (correlator: SessionCorrelator): void => {
    for (const session of correlator.takeFinalSessions()) if (sessionSelected(session, filter)) sessionWriter!.write(sessionJson(session));
    flush();
  };
  // What is settled is written (and forgotten) while the log is still read, unless the progress line
  // shares the terminal with it.
  const meanwhile = !(progress.active && process.stdout.isTTY)
    ? (correlator: SessionCorrelator) => {
        let rowsDone = correlator.rowTable.length;
        if (textReport) {
          writer ??= new ReportWriter(correlator, flags, filter);
          for (const piece of writer.writeSettled()) writeOut(piece);
          rowsDone = writer.rowsWritten;
        } else if (options.summary) {
          counter ??= new SummaryCounter(correlator, filter);
          counter.countSettled();
          rowsDone = counter.rowsCounted;
        }
        if (sessionWriter) writeFinal(correlator);
        const dropped = correlator.forget(rowsDone);
        writer?.forgotten(dropped);
        counter?.forgotten(dropped);
      }
    : undefined;
  // The text report and the summary show only some of an assignment's fields; the JSON forms and CSV all.
  const correlator = await correlateReading(reading, { allDetails: options.format !== 'text', handOn: sessionWriter !== undefined }, meanwhile);
  progress.done();
  const summary = options.summary ? (counter ??= new SummaryCounter(correlator, filter)).summary() : undefined;
  if (sessionWriter) {
    writeFinal(correlator);
    sessionWriter.end({ unmatched: unmatchedJson(correlator.unmatched), ...(summary === undefined ? {} : { summary: summaryJson(summary) }) });
    flush();
  } else if (summary !== undefined && options.format === 'csv') {
    const { summaryCsv } = await import('../verifier/report-csv-sessions.js');
    writeOut(Buffer.from(summaryCsv(summaryJson(summary)), 'utf8'));
  } else if (summary !== undefined) {
    writeOut(formatReportSummary(correlator, filter, summary));
  } else {
    writer ??= new ReportWriter(correlator, flags, filter);
    while (writer.writeMore()) for (const piece of writer.takeFull()) writeOut(piece);
    for (const piece of writer.takeAll()) writeOut(piece);
  }
  return reportUnread('auvirt', unread(), false, 0);
}

/**
 * Writes one char per byte to stdout before it returns, waiting while the pipe is full (writeBlocking):
 * process.stdout leaves a pipe non-blocking and would queue in memory what a slower reader has not taken,
 * and the compat report fills a written piece's memory again.
 */
function writeOut(text: string | Buffer): void {
  writeBlocking(1, typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
}

/** `auvirt --follow`: virt-audit watch on --file (or auditd.conf's log_file), from its end, --vm/--uuid kept. */
async function follow(options: AuvirtOptions): Promise<number> {
  if (options.stdin) {
    process.stderr.write('"--follow" reads a file; "--stdin" ends.\n');
    return 1;
  }
  if (options.format === 'json' || options.format === 'csv') {
    process.stderr.write(`"--follow" writes text or ndjson (one change per line), not ${options.format === 'csv' ? 'CSV' : 'one json document'}.\n`);
    return 1;
  }
  const { followLog } = await import('./watch-command.js');
  const uuid = options.uuid?.toLowerCase();
  return followLog({
    path: options.file ?? configuredLogFile(),
    format: options.format,
    proof: options.proof,
    ...(options.start === undefined ? {} : { since: options.start }),
    keep: (event) => (options.vm === undefined || event.name === options.vm) && (uuid === undefined || event.uuid?.toLowerCase() === uuid),
  });
}
