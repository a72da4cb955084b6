import { Command } from 'commander';
import { InputError, resolveInputs } from '../src/reader/input-set.js';
import { reportHead, virtReport, type VirtReportOptions } from '../verifier/search/virt-report.js';
import { resolveBound, TimeError, type Bound } from '../verifier/auvirt/time-keywords.js';
import { writeBlocking } from './blocking-write.js';
import { UsageError, inputsOrStdin } from './usage.js';
import { droppedLinesMessage } from '../src/reader/dropped-lines.js';
import { DEFAULT_MAX_LINE_BYTES } from '../src/reader/line-splitter.js';

const TIME = /^\d{1,2}:\d{2}(:\d{2})?$/;

/** aureport's own option syntax: `-ts DATE [TIME]`, `-if FILE`, plain flags; files may also come last. */
export function parseAureportArgs(args: readonly string[], now = new Date()): { options: VirtReportOptions; files: string[] } {
  const options: { summary: boolean; interpret: boolean; only?: 'failed' | 'success'; start?: number; end?: number } = { summary: false, interpret: false };
  const files: string[] = [];
  const bound = (which: Bound, index: number): number => {
    const date = args[index + 1];
    if (date === undefined || date.startsWith('-')) throw new UsageError(`${which === 'start' ? '--start' : '--end'} needs a date`);
    const time = args[index + 2] !== undefined && TIME.test(args[index + 2]!) ? args[index + 2]! : undefined;
    try {
      return resolveBound(which, date, time ?? '00:00:00', now);
    } catch (error) {
      throw error instanceof TimeError ? new UsageError(error.message) : error;
    }
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    switch (arg) {
      case '--virt':
        break;
      case '--summary':
        options.summary = true;
        break;
      case '-i':
      case '--interpret':
        options.interpret = true;
        break;
      case '--failed':
        options.only = 'failed';
        break;
      case '--success':
        options.only = 'success';
        break;
      case '-ts':
      case '--start':
      case '-te':
      case '--end': {
        const which: Bound = arg === '-ts' || arg === '--start' ? 'start' : 'end';
        options[which] = bound(which, index);
        index += args[index + 2] !== undefined && TIME.test(args[index + 2]!) ? 2 : 1;
        break;
      }
      case '-if':
      case '--input': {
        const file = args[++index];
        if (file === undefined) throw new UsageError(`${arg} needs a file`);
        files.push(file);
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown aureport option ${arg}`);
        files.push(arg);
    }
  }
  return { options, files };
}

export function aureportCommand(): Command {
  return new Command('aureport')
    .exitOverride()
    .description('aureport --virt: one line per VIRT event, or --summary per type; -i, --failed, --success, -ts/-te DATE [TIME]')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption('--help')
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { options, files } = parseAureportArgs(args);
      const inputs = await resolveInputs(inputsOrStdin(files)).catch((error: unknown) => {
        // aureport 3.0.9 on a missing -if file: the report's head, `stat: …` on stderr, exit 1.
        if (!(error instanceof InputError) || error.code !== 'ENOENT') throw error;
        // stderr first, as the C tool's unbuffered stderr comes before its stdout flushed at exit.
        process.stderr.write('stat: No such file or directory\n');
        process.stdout.write(reportHead(options));
        return null;
      });
      if (inputs === null) {
        process.exitCode = 1;
        return;
      }
      // Rows are written as they come, waiting for a slow reader (process.stdout would queue them).
      const report = await virtReport(
        inputs,
        { ...options, onUnreadableStamp: (stamp) => process.stderr.write(`Error extracting time stamp (${stamp})\n`) },
        (piece) => writeBlocking(1, piece),
      );
      const dropped = droppedLinesMessage('aureport', DEFAULT_MAX_LINE_BYTES);
      if (dropped !== null) writeBlocking(2, `${dropped}\n`);
      process.exitCode = report.status;
    });
}
