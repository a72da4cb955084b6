import { Command, Option } from 'commander';
import { displayName, resolveInputs, type Profile, type VirtRecordJson } from '../src/index.js';
import { formatJson, formatJunit, formatSummary, formatText, verify, formatDiagnostic, type Diagnostic, type VerifiedRecord } from '../verifier/index.js';
import { progressReporter } from './progress.js';
import { UsageError, inputsOrStdin } from './usage.js';

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

async function runVerify(args: string[], flags: VerifyFlags): Promise<number> {
  const inputs = await resolveInputs(inputsOrStdin(args));
  const eoeTimeout = Number(flags.eoeTimeout);
  const maxLineBytes = Number(flags.maxLineBytes);
  if (!(eoeTimeout >= 0)) throw new UsageError(`--eoe-timeout must be a number of seconds, got ${flags.eoeTimeout}`);
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 256) throw new UsageError(`--max-line-bytes must be an integer ≥ 256, got ${flags.maxLineBytes}`);
  const records: VirtRecordJson[] = [];
  const verified: VerifiedRecord[] = [];
  const streamRecords = flags.format === 'ndjson' && flags.records === true;
  const progress = progressReporter();
  const result = await verify(inputs, {
    profile: flags.profile,
    eoeTimeoutMs: eoeTimeout * 1000,
    maxLineBytes,
    onProgress: progress.update,
    // Only when the output shows every record: without it, records can be checked on the reading thread too.
    ...(flags.records === true || flags.format === 'junit'
      ? {
          onVirtRecord: (json: VirtRecordJson, diagnostics: readonly Diagnostic[]) => {
            if (streamRecords) process.stdout.write(`${JSON.stringify(json)}\n`);
            else if (flags.records && flags.format === 'json') records.push(json);
            if (flags.format === 'junit') {
              verified.push({ file: String(json.file), line: Number(json.line), type: json.type, serial: json.serial, failures: diagnostics });
            }
          },
        }
      : {}),
  });
  progress.done();
  const files = inputs.map(displayName);
  switch (flags.format) {
    case 'text':
      process.stdout.write(formatText(result, files));
      break;
    case 'json':
      process.stdout.write(formatJson(result, flags.records ? records : undefined));
      break;
    case 'junit':
      process.stdout.write(formatJunit(result, verified));
      break;
    case 'ndjson':
      if (!streamRecords) for (const problem of result.problems) process.stdout.write(`${JSON.stringify(problem)}\n`);
      for (const problem of streamRecords ? result.problems : []) process.stderr.write(`${formatDiagnostic(problem)}\n`);
      process.stderr.write(`${formatSummary(result.summary)}\n`);
      break;
  }
  return result.summary.invalid > 0 || result.summary.rejected > 0 ? 1 : 0;
}
