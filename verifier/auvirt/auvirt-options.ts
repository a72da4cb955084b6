import { isRelativeTime, resolveTimeBound } from '../time-bounds.js';
import { TimeError, type Bound } from './time-keywords.js';

// auvirt 3.0.9's hand-written argv loop (auvirt-behaviour.md §1.1–1.2): exact option strings, no
// bundling, a value only when the next argument does not start with '-', last one wins.

export const AUVIRT_USAGE =
  'usage: auvirt [--stdin] [--all-events] [--summary] [--start start-date [start-time]] [--end end-date [end-time]] [--file file-name] [--show-uuid] [--proof] [--debug] [--uuid uuid] [--vm vm-name]';

/** `auvirt --help` outside --compat: every option, this package's own included. */
export const AUVIRT_HELP = `${AUVIRT_USAGE}
       [--since date] [--until date] [--compat] [--format text|json|ndjson|csv] [--follow] [--version]

Guest sessions, their resources, AVC denials and anomalies, from the audit log (auvirt, dropped from
audit-userspace 4.0, with its known bugs fixed; --compat prints exactly what auvirt 3.0.9 prints).

  -a, --all-events            every event: resources, stops, AVCs, anomalies, host shutdowns
  -s, --summary               counts instead of rows
  -f, --file FILE             read FILE (default: auditd.conf's log_file and its rotated files, oldest first)
      --stdin                 read standard input
  -ts, --start DATE [TIME]    from DATE (MM/DD/YY as the C locale's %x, or now, recent, today, yesterday,
                              this-week, week-ago, this-month, this-year, boot; not with --compat also
                              YYYY-MM-DD[THH:MM[:SS]] with an optional zone (Z, +02:00), and -30m, -2h, -7d)
  -te, --end DATE [TIME]      up to DATE (a date alone: its 00:00:00)
      --since, --until DATE   as --start and --end (not with --compat)
  -u, --uuid UUID             one guest, by UUID
  -v, --vm NAME               one guest, by name
      --show-uuid             add the UUID column
      --proof                 add the ids (node:seconds.millis:serial) of the records behind each row
      --debug                 print the parsed options on stderr
      --compat                byte for byte auvirt 3.0.9's output, its bugs included
      --format text|json|ndjson|csv  text rows (default), sessions as one JSON document or one per line
                              (written as sessions end), or CSV: a session per row (with --all-events a
                              report row per row); not with --compat
      --follow                follow the log as auditd writes it: one line per change (virt-audit watch,
                              which can also keep a state file; not with --compat)
      --version               print the version
  -h, --help                  this text (with --compat: auvirt 3.0.9's usage line)

Exit status: 0 done (with --follow: ended by SIGTERM or SIGINT), 1 an error.`;

export interface AuvirtOptions {
  help: boolean;
  version: boolean;
  stdin: boolean;
  allEvents: boolean;
  summary: boolean;
  showUuid: boolean;
  proof: boolean;
  debug: boolean;
  compat: boolean;
  format: 'text' | 'json' | 'ndjson' | 'csv';
  /** Follow the log (virt-audit watch) instead of reporting it. */
  follow: boolean;
  file?: string;
  uuid?: string;
  vm?: string;
  /** Seconds since the epoch, resolved while parsing, as auvirt does. */
  start?: number;
  end?: number;
}

export class AuvirtUsageError extends Error {}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function parseAuvirtArgs(args: readonly string[], now = new Date()): AuvirtOptions {
  const options: AuvirtOptions = { help: false, version: false, stdin: false, allEvents: false, summary: false, showUuid: false, proof: false, debug: false, compat: false, format: 'text', follow: false };
  const compat = args.includes('--compat');
  const hasValue = (index: number): boolean => index + 1 < args.length && !args[index + 1]!.startsWith('-');
  // Outside --compat a date may be a time ago (-2h), which starts with '-'.
  const hasDate = (index: number): boolean => hasValue(index) || (!compat && index + 1 < args.length && isRelativeTime(args[index + 1]!));
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = (): string => {
      if (!hasValue(index)) throw new AuvirtUsageError(`"${arg}" option requires an argument.`);
      return args[++index]!;
    };
    const dateTime = (bound: Bound): number => {
      if (!hasDate(index)) throw new AuvirtUsageError(`"${arg}" option requires at least one argument.`);
      const date = args[++index]!;
      const time = hasValue(index) ? args[++index]! : undefined;
      try {
        return resolveTimeBound(bound, time === undefined ? { date } : { date, time }, { compat, now });
      } catch (error) {
        if (error instanceof TimeError) throw new AuvirtUsageError(error.message);
        throw error;
      }
    };
    switch (arg) {
      case '-h':
      case '--help':
        options.help = true;
        options.compat = args.includes('--compat');
        return options;
      case '--version':
        // auvirt 3.0.9 knows no --version: under --compat it is the unknown option it was.
        if (args.includes('--compat')) throw new AuvirtUsageError(`Unknown option "${arg}".`);
        options.version = true;
        return options;
      case '-a':
      case '--all-events':
        options.allEvents = true;
        break;
      case '-s':
      case '--summary':
        options.summary = true;
        break;
      case '--stdin':
        options.stdin = true;
        break;
      case '--show-uuid':
        options.showUuid = true;
        break;
      case '--proof':
        options.proof = true;
        break;
      case '--debug':
        options.debug = true;
        break;
      case '--compat':
        options.compat = true;
        break;
      case '--format': {
        const format = value();
        if (format !== 'text' && format !== 'json' && format !== 'ndjson' && format !== 'csv') throw new AuvirtUsageError(`"--format" is text, json, ndjson or csv, not ${format}.`);
        options.format = format;
        break;
      }
      case '--follow':
        options.follow = true;
        break;
      case '-f':
      case '--file':
        options.file = value();
        break;
      case '-u':
      case '--uuid': {
        const uuid = value();
        if (!UUID.test(uuid)) throw new AuvirtUsageError(`Invalid uuid: ${uuid}`);
        options.uuid = uuid;
        break;
      }
      case '-v':
      case '--vm':
        options.vm = value();
        break;
      case '--since':
      case '--until':
        // Not auvirt 3.0.9's: under --compat the unknown options they were.
        if (compat) throw new AuvirtUsageError(`Unknown option "${arg}".`);
        options[arg === '--since' ? 'start' : 'end'] = dateTime(arg === '--since' ? 'start' : 'end');
        break;
      case '-ts':
      case '--start':
        options.start = dateTime('start');
        break;
      case '-te':
      case '--end':
        options.end = dateTime('end');
        break;
      default:
        throw new AuvirtUsageError(arg.startsWith('-') ? `Unknown option "${arg}".` : `Argument not expected: ${arg}`);
    }
  }
  if (options.compat && options.format !== 'text') throw new AuvirtUsageError(`"--format ${options.format}" is not an auvirt 3.0.9 output; drop --compat.`);
  if (options.compat && options.follow) throw new AuvirtUsageError('"--follow" is not an auvirt 3.0.9 option (it read finished logs only); drop --compat.');
  if (options.stdin && options.file !== undefined) {
    throw new AuvirtUsageError('"--sdtin" and "--file" options must not be specified together.');
  }
  return options;
}
