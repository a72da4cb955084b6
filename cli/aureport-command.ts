// `virt-audit aureport`: aureport --virt, in aureport's own option syntax (parsed by hand: -ts, -te, -if
// are one dash and two letters). Text is aureport's output byte for byte.
import { Command } from 'commander';
import { InputError } from '../src/reader/input-set.js';
import { csvRow } from '../verifier/report-csv.js';
import { reportHead, virtReport, type VirtReportOptions, type VirtReportRow } from '../verifier/search/virt-report.js';
import { answeredHelpOrVersion, parseAuditToolArgs, type AuditToolArgs } from './audit-tool-args.js';
import { writeBlocking } from './blocking-write.js';
import { chooseInputs } from './input-choice.js';
import { describeSkipped } from './input-discovery.js';
import { packageVersion } from './package-version.js';
import { progressReporter, totalBytes } from './progress.js';
import { reportUnread } from './reading-outcome.js';

/** aureport's options, for --help, the man page and completion (parsed by runAureport). */
export function aureportCommand(): Command {
  return new Command('aureport')
    .description('aureport --virt: one line per VIRT event, or --summary per type (exit 0, 1 an empty report or lines unread)')
    .usage('[--virt] [options] [-if FILE | inputs...]')
    .option('--virt', 'the virtualization report (the only one; may be left out)')
    .option('--summary', 'events per type instead of rows')
    .option('-i, --interpret', 'type names instead of numbers in the summary')
    .option('--failed', 'only failed events')
    .option('--success', 'only successful events')
    .option('--input <file>', '-if: read FILE (default: stdin when it is a pipe, else auditd.conf\'s log_file and its rotated files)')
    .option('--input-logs', 'read the system\'s logs even when stdin is a pipe')
    .option('--start <date>', '-ts DATE [TIME]: from then: MM/DD/YY or a keyword as aureport; without --compat also YYYY-MM-DD[THH:MM[:SS]][zone] and -2h, -30m, -7d')
    .option('--end <date>', '-te DATE [TIME]: up to then (a date alone: at the current time of day, as aureport)')
    .option('--since <when>', 'as --start, also relative (-2h); not with --compat')
    .option('--until <when>', 'as --end, also relative; not with --compat')
    .option('--format <format>', 'text (aureport\'s), json (one document), ndjson (a row per line), csv (a row per line)')
    .option('--compat', 'exactly aureport 3.0.9: its dates only, nothing said about lines it cannot read')
    .option('-V, --version', 'print the version (-v as in the real tool)')
    .argument('[inputs...]', 'log files, directories or - for stdin');
}

interface AureportArgs extends AuditToolArgs {
  summary: boolean;
  only?: 'failed' | 'success';
}

/** aureport's own option syntax: `-ts DATE [TIME]`, `-if FILE`, plain flags; files may also come last. */
export function parseAureportArgs(args: readonly string[], now = new Date()): AureportArgs {
  const own: { summary: boolean; only?: 'failed' | 'success' } = { summary: false };
  const parsed = parseAuditToolArgs(
    args,
    (arg) => {
      switch (arg) {
        case '--virt':
          return 0;
        case '--summary':
          own.summary = true;
          return 0;
        case '--failed':
          own.only = 'failed';
          return 0;
        case '--success':
          own.only = 'success';
          return 0;
        default:
          return null;
      }
    },
    now,
  );
  return { ...parsed, ...own };
}

const reportOptions = (flags: AureportArgs): VirtReportOptions => ({
  summary: flags.summary,
  interpret: flags.interpret,
  ...(flags.only === undefined ? {} : { only: flags.only }),
  ...(flags.start === undefined ? {} : { start: flags.start }),
  ...(flags.end === undefined ? {} : { end: flags.end }),
});

const ROW_CSV_HEAD = csvRow(['number', 'localTime', 'time', 'type', 'success', 'event']);
const rowCsv = (row: VirtReportRow): string => csvRow([row.number, row.localTime, row.time, row.type, row.success, row.event]);

/** `virt-audit aureport ARGS`: the exit status. */
export async function runAureport(args: readonly string[]): Promise<number> {
  const flags = parseAureportArgs(args);
  if (answeredHelpOrVersion(flags, () => aureportCommand().helpInformation(), packageVersion())) return 0;
  const options = reportOptions(flags);
  const text = flags.format === 'text';
  let choice;
  try {
    choice = await chooseInputs(flags.files, flags);
  } catch (error) {
    // aureport 3.0.9 on a missing -if file: the report's head, `stat: …` on stderr, exit 1.
    if (!(error instanceof InputError) || error.code !== 'ENOENT') throw error;
    // stderr first, as the C tool's unbuffered stderr comes before its stdout flushed at exit.
    process.stderr.write('stat: No such file or directory\n');
    if (text) process.stdout.write(reportHead(options));
    return 1;
  }
  if (choice.kind === 'no-system-log') {
    process.stderr.write(`Error opening ${choice.path} (No such file or directory)\n`);
    if (text) process.stdout.write(reportHead(options));
    return 1;
  }
  if (!flags.compat && choice.skipped.length > 0) process.stderr.write(describeSkipped('aureport', choice.skipped));
  const progress = progressReporter(totalBytes(choice.inputs));
  const write = (piece: string | Uint8Array): void => {
    progress.done();
    writeBlocking(1, piece);
  };
  if (flags.format === 'csv' && !flags.summary) write(ROW_CSV_HEAD);
  let first = true;
  const onRow = (row: VirtReportRow): void => {
    if (flags.format === 'ndjson') write(`${JSON.stringify(row)}\n`);
    else if (flags.format === 'csv') write(rowCsv(row));
    else if (flags.format === 'json') write(`${first ? '{"rows":[\n' : ',\n'}${JSON.stringify(row)}`);
    first = false;
  };
  // Rows are written as they come, waiting for a slow reader (process.stdout would queue them).
  const report = await virtReport(
    choice.inputs,
    {
      ...options,
      onUnreadableStamp: (stamp) => process.stderr.write(`Error extracting time stamp (${stamp})\n`),
      onProgress: progress.update,
      ...(text || flags.summary ? {} : { onRow }),
    },
    text ? write : () => {},
  );
  progress.done();
  if (!text && flags.summary) {
    if (flags.format === 'json') write(`${JSON.stringify({ summary: report.summary })}\n`);
    else if (flags.format === 'ndjson') for (const line of report.summary) write(`${JSON.stringify(line)}\n`);
    else write(csvRow(['total', 'type', 'number']) + report.summary.map((line) => csvRow([line.total, line.type, line.typeNumber])).join(''));
  } else if (flags.format === 'json') {
    write(first ? '{"rows":[]}\n' : '\n]}\n');
  }
  return reportUnread('aureport', report.unread, flags.compat, report.status);
}
