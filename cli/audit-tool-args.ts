// The options search and aureport share, in ausearch's and aureport's own syntax (one dash and two
// letters, `-ts DATE [TIME]`), with this package's --since/--until, --format and --compat beside them.
import { isOwnDateForm, isRelativeTime, resolveTimeBound, TimeError, type Bound } from '../verifier/time-bounds.js';
import { UsageError } from './usage.js';

export type OutputFormat = 'text' | 'json' | 'ndjson' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'ndjson', 'csv'];

export interface AuditToolArgs {
  /** Files and directories to read (`-if FILE` and the arguments that are no option). */
  readonly files: string[];
  /** --input-logs: the system's logs even when stdin is a pipe. */
  inputLogs: boolean;
  interpret: boolean;
  compat: boolean;
  format: OutputFormat;
  help: boolean;
  version: boolean;
  /** Seconds since the epoch, inclusive. */
  start?: number;
  end?: number;
}

const two = (value: number): string => String(value).padStart(2, '0');
/** Today as MM/DD/YY: ausearch's date when only a time is given (not the keyword: `-te today` is now). */
const todaysDate = (at: Date): string => `${two(at.getMonth() + 1)}/${two(at.getDate())}/${two(at.getFullYear() % 100)}`;
const timeOfDay = (at: Date): string => `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;

/** A time of day as ausearch tells it from a date: it holds a colon. */
const looksLikeTime = (text: string | undefined): text is string => text !== undefined && /^\d{1,2}:\d{2}(:\d{2})?$/.test(text);

/**
 * Reads `args`; options of the command itself go to `own(arg, next)`, which returns how many arguments
 * after `arg` it took (0 or more), or null when `arg` is not its option either.
 */
export function parseAuditToolArgs(
  args: readonly string[],
  own: (arg: string, next: () => string | undefined) => number | null,
  now = new Date(),
): AuditToolArgs {
  const compat = args.includes('--compat');
  const parsed: AuditToolArgs = { files: [], inputLogs: false, interpret: false, compat, format: 'text', help: false, version: false };
  const bound = (which: Bound, option: string, index: number, relativeAllowed: boolean): { seconds: number; used: number } => {
    const first = args[index + 1];
    const takes = (text: string | undefined): text is string => text !== undefined && (!text.startsWith('-') || (relativeAllowed && isRelativeTime(text)));
    if (!takes(first)) throw new UsageError(`${option} requires either date and/or time`);
    // ausearch: a lone time of day is today's; a date may be followed by a time.
    const second = args[index + 2];
    const [date, given, used] = looksLikeTime(first) ? [todaysDate(now), first, 1] : looksLikeTime(second) ? [first, second, 2] : [first, undefined, 1];
    // ausearch_time_end: an end date without a time is at the current time of day (auvirt alone passes 00:00:00).
    const time = given === undefined && which === 'end' && !isOwnDateForm(date) ? timeOfDay(now) : given;
    try {
      return { seconds: resolveTimeBound(which, time === undefined ? { date } : { date, time }, { compat, now }), used };
    } catch (error) {
      throw error instanceof TimeError ? new UsageError(error.message) : error;
    }
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (name) {
      case '--compat':
        continue;
      case '-h':
      case '--help':
        parsed.help = true;
        return parsed;
      case '-v':
      case '--version':
        parsed.version = true;
        return parsed;
      case '-i':
      case '--interpret':
        parsed.interpret = true;
        continue;
      case '--input-logs':
        parsed.inputLogs = true;
        continue;
      case '-if':
      case '--input': {
        const file = args[index + 1];
        if (file === undefined || file.startsWith('-')) throw new UsageError(`Argument is required for ${arg}`);
        parsed.files.push(file);
        index++;
        continue;
      }
      case '--format': {
        const format = inline ?? args[++index];
        if (!OUTPUT_FORMATS.includes(format as OutputFormat)) throw new UsageError(`--format is one of ${OUTPUT_FORMATS.join(', ')}, not ${format ?? 'nothing'}`);
        if (compat && format !== 'text') throw new UsageError(`--format ${format} is not the real tool's output; drop --compat`);
        parsed.format = format as OutputFormat;
        continue;
      }
      case '-ts':
      case '--start':
      case '-te':
      case '--end': {
        const which: Bound = name === '-ts' || name === '--start' ? 'start' : 'end';
        const { seconds, used } = bound(which, arg, index, !compat);
        parsed[which] = seconds;
        index += used;
        continue;
      }
      case '--since':
      case '--until': {
        if (compat) throw new UsageError(`${name} is not an option of the real tool; use ${name === '--since' ? '-ts' : '-te'} with --compat`);
        const which: Bound = name === '--since' ? 'start' : 'end';
        if (inline !== undefined) {
          parsed[which] = resolveInline(which, inline, now);
          continue;
        }
        const { seconds, used } = bound(which, name, index, true);
        parsed[which] = seconds;
        index += used;
        continue;
      }
    }
    const took = own(arg, () => args[index + 1]);
    if (took !== null) {
      index += took;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') throw new UsageError(`${arg} is an unsupported option`);
    parsed.files.push(arg);
  }
  return parsed;

  function resolveInline(which: Bound, text: string, at: Date): number {
    const [date, time] = text.split(' ') as [string, string | undefined];
    try {
      return resolveTimeBound(which, time === undefined ? { date } : { date, time }, { compat: false, now: at });
    } catch (error) {
      throw error instanceof TimeError ? new UsageError(error.message) : error;
    }
  }
}

/** `--help` or `--version` answered on stdout: true when one was (the command then exits 0). */
export function answeredHelpOrVersion(flags: Pick<AuditToolArgs, 'help' | 'version'>, help: () => string, version: string): boolean {
  if (flags.help) process.stdout.write(help());
  else if (flags.version) process.stdout.write(`virt-audit ${version}\n`);
  return flags.help || flags.version;
}
