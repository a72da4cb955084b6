import { Command, Option } from 'commander';
import type { Profile } from '../src/index.js';
import { JsonReport, JunitReport, TextReport, formatDiagnostic, formatSummary, isProblem, verify, type Diagnostic, type VerifyOptions } from '../verifier/index.js';
import { PieceWriter } from '../verifier/report-output.js';
import { writeBlocking } from './blocking-write.js';
import { describeSkipped, resolveAuditInputs, type SkippedFile } from './input-discovery.js';
import { progressReporter, totalBytes } from './progress.js';
import { UsageError, inputsOrStdin } from './usage.js';
import { packageVersion } from './package-version.js';

interface VerifyFlags {
  format: 'text' | 'json' | 'junit' | 'ndjson';
  records?: boolean;
  profile: Profile;
  eoeTimeout: string;
  maxLineBytes: string;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .exitOverride()
    .version(`virt-audit ${packageVersion()}`, '-V, --version', 'print the version')
    .description('check every VIRT_* record of audit logs against libvirt\'s formats and the JSON Schemas')
    .argument('[inputs...]', 'log files, directories (rotated sets read oldest first) or - for stdin')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit', 'ndjson']).default('text'))
    .option('--records', 'also output the JSON form of every VIRT record (one per line with --format ndjson)')
    .addOption(new Option('--profile <profile>', 'formats to accept').choices(['libvirt', 'legacy']).default('libvirt'))
    .option('--eoe-timeout <seconds>', 'stream time after which an incomplete event is closed', '2')
    .option('--max-line-bytes <bytes>', 'longest line accepted as a record', '65536')
    .action(async (args: string[], flags: VerifyFlags) => {
      process.exitCode = await runVerify(args, flags);
    });
}

const toStderr = (text: string): void => writeBlocking(2, text);

type RecordSink = NonNullable<VerifyOptions['onVirtRecord']>;

/** Where findings and records go as they are found, for each format; `end` writes what follows them. */
interface ReportSinks {
  readonly onFinding: (diagnostic: Diagnostic) => void;
  readonly onVirtRecord?: RecordSink;
  end(result: Awaited<ReturnType<typeof verify>>): void;
}

function reportSinks(flags: VerifyFlags, toStdout: (piece: string | Uint8Array) => void, skipped: readonly SkippedFile[]): ReportSinks {
  switch (flags.format) {
    case 'text': {
      const report = new TextReport(toStdout);
      return { onFinding: report.finding, end: (result) => report.end(result) };
    }
    case 'json': {
      const report = new JsonReport(toStdout, flags.records === true, skipped);
      return { onFinding: () => {}, ...(flags.records === true ? { onVirtRecord: (json) => report.record(json) } : {}), end: (result) => report.end(result) };
    }
    case 'junit': {
      const report = new JunitReport(toStdout);
      return {
        onFinding: report.finding,
        onVirtRecord: (json, failures) => report.record({ file: String(json.file), line: Number(json.line), type: json.type, serial: json.serial, failures }),
        end: (result) => report.end(result),
      };
    }
    case 'ndjson': {
      const stdout = new PieceWriter(toStdout);
      const stderr = new PieceWriter(toStderr);
      // With --records, stdout holds the records and the problems go to stderr as text.
      return flags.records === true
        ? {
            onFinding: (diagnostic) => isProblem(diagnostic) && stderr.write(`${formatDiagnostic(diagnostic)}\n`),
            onVirtRecord: (json) => stdout.write(`${JSON.stringify(json)}\n`),
            end: (result) => endNdjson(stdout, stderr, result.summary),
          }
        : { onFinding: (diagnostic) => isProblem(diagnostic) && stdout.write(`${JSON.stringify(diagnostic)}\n`), end: (result) => endNdjson(stdout, stderr, result.summary) };
    }
  }
}

function endNdjson(stdout: PieceWriter, stderr: PieceWriter, summary: Parameters<typeof formatSummary>[0]): void {
  stdout.flush();
  stderr.write(`${formatSummary(summary)}\n`);
  stderr.flush();
}

async function runVerify(args: string[], flags: VerifyFlags): Promise<number> {
  const { inputs, skipped } = await resolveAuditInputs(inputsOrStdin(args));
  // What a directory held besides audit logs: named on stderr (and in the JSON report), not read.
  if (skipped.length > 0) toStderr(describeSkipped('verify', skipped));
  if (inputs.length === 0) throw new UsageError(`no audit log to read in ${args.join(', ')}`);
  const eoeTimeout = Number(flags.eoeTimeout);
  const maxLineBytes = Number(flags.maxLineBytes);
  if (!(eoeTimeout >= 0)) throw new UsageError(`--eoe-timeout must be a number of seconds, got ${flags.eoeTimeout}`);
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 256) throw new UsageError(`--max-line-bytes must be an integer ≥ 256, got ${flags.maxLineBytes}`);
  const progress = progressReporter(totalBytes(inputs));
  // The progress line (on a terminal) is cleared before each piece of the report.
  const sinks = reportSinks(flags, (text) => {
    progress.done();
    writeBlocking(1, text);
  }, skipped);
  const result = await verify(inputs, {
    profile: flags.profile,
    eoeTimeoutMs: eoeTimeout * 1000,
    maxLineBytes,
    onProgress: progress.update,
    onFinding: sinks.onFinding,
    // Only when the output shows every record: without it, records can be checked on the reading thread too.
    ...(sinks.onVirtRecord === undefined ? {} : { onVirtRecord: sinks.onVirtRecord }),
  });
  progress.done();
  sinks.end(result);
  return result.summary.invalid > 0 || result.summary.rejected > 0 ? 1 : 0;
}
