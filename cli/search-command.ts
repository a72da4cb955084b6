// `virt-audit search`: ausearch --raw (or -i) -uu/-vm/-m for guests, in ausearch's own option syntax (parsed
// by hand: -ts, -te, -if, -uu, -vm are one dash and two letters). Text is ausearch's output byte for byte.
import { Command } from 'commander';
import { InputError } from '../src/reader/input-set.js';
import { recordTypeNumber } from '../src/tables/record-types.js';
import { InterpretationUnavailable, loadAuparseInterpretation } from '../verifier/search/auparse-interpretation.js';
import { strtoul } from '../verifier/search/aureport-record.js';
import { InterpretedEventWriter } from '../verifier/search/interpreted-output.js';
import { searchEventCsv, searchEventJson, SEARCH_CSV_HEAD } from '../verifier/search/search-output.js';
import { isUserMessageType, rawLineOf, searchVirtEvents } from '../verifier/search/virt-search.js';
import { answeredHelpOrVersion, parseAuditToolArgs, type AuditToolArgs } from './audit-tool-args.js';
import { writeBlocking } from './blocking-write.js';
import { chooseInputs } from './input-choice.js';
import { describeSkipped } from './input-discovery.js';
import { packageVersion } from './package-version.js';
import { progressReporter, totalBytes } from './progress.js';
import { reportUnread } from './reading-outcome.js';
import { UsageError } from './usage.js';

/** search's options, for --help, the man page and completion (parsed by runSearch). */
export function searchCommand(): Command {
  return new Command('search')
    .description('the events of a guest, as ausearch --raw (or -i) -uu/-vm/-m prints them (exit 0 found, 1 none or lines unread)')
    .usage('(-uu UUID | -vm NAME | -m TYPE[,TYPE...]) [options] [-if FILE | inputs...]')
    .option('--uuid <uuid>', '-uu: guest UUID (a substring unless -w)')
    .option('--vm-name <name>', '-vm, --vm: guest name (a substring unless -w)')
    .option('-w, --word', 'match the whole value')
    .option('-m, --message <types>', 'events with a record of one of these user-message types (VIRT_CONTROL,VIRT_RESOURCE,... or numbers), as ausearch -m')
    .option('--input <file>', '-if: read FILE (default: stdin when it is a pipe, else auditd.conf\'s log_file and its rotated files)')
    .option('--input-logs', 'read the system\'s logs even when stdin is a pipe')
    .option('--start <date>', '-ts DATE [TIME]: from then: MM/DD/YY or a keyword as ausearch; without --compat also YYYY-MM-DD[THH:MM[:SS]][zone] and -2h, -30m, -7d')
    .option('--end <date>', '-te DATE [TIME]: up to then (a date alone: at the current time of day, as ausearch)')
    .option('--since <when>', 'as --start, also relative (-2h); not with --compat')
    .option('--until <when>', 'as --end, also relative; not with --compat')
    .option('-r, --raw', 'the raw lines (the text output without -i)')
    .option('-i, --interpret', 'as ausearch -i: numbers and encoded values interpreted by libauparse (needs libauparse.so.0)')
    .option('--format <format>', 'text (ausearch --raw), json (one array of events), ndjson (an event per line), csv (a record per row)')
    .option('--compat', 'exactly ausearch 3.0.9: its dates only, nothing said about lines it cannot read')
    .option('-V, --version', 'print the version (-v as in the real tool)')
    .argument('[inputs...]', 'log files, directories or - for stdin');
}

interface SearchArgs extends AuditToolArgs {
  uuid?: string;
  vm?: string;
  word: boolean;
  /** -m: type numbers; undefined for none (or ALL). */
  types?: Set<number>;
}

/** ausearch's convert_str_to_msg: a number (a leading digit) or a type name, any case. */
function messageType(word: string): number {
  if (/^[0-9]/.test(word)) {
    const { value, overflow } = strtoul(word, 0);
    if (overflow) throw new UsageError(`Numeric message type conversion error (Numerical result out of range) for ${word}`);
    return Number(BigInt.asIntN(32, value));
  }
  const number = recordTypeNumber(word.toUpperCase());
  if (number === null) throw new UsageError(`-m: ${word} is not a message type ausearch knows`);
  return number;
}

/** -m TYPE[,TYPE...]: the user-message types asked for (search reads no other events); undefined for ALL. */
function messageTypes(list: string): Set<number> | undefined {
  if (list.toUpperCase() === 'ALL') return undefined;
  const types = new Set<number>();
  for (const word of list.split(',').filter((part) => part !== '')) {
    const type = messageType(word);
    if (!isUserMessageType(type)) throw new UsageError(`-m: ${word} is not a user-message type; search reads the events of user-space messages only (VIRT_CONTROL, VIRT_RESOURCE, VIRT_MACHINE_ID, USER_*...)`);
    types.add(type);
  }
  if (types.size === 0) throw new UsageError(`-m: no message type in "${list}"`);
  return types;
}

/** ausearch refuses -i after -r (and -r after -i), naming the later one. */
function refuseConflictingFormats(args: readonly string[]): void {
  const interpretAt = args.findIndex((arg) => arg === '-i' || arg === '--interpret');
  const rawAt = args.findIndex((arg) => arg === '-r' || arg === '--raw');
  if (interpretAt !== -1 && rawAt !== -1) throw new UsageError(`Conflicting output format ${args[Math.max(interpretAt, rawAt)]}`);
  const second = args.findIndex((arg, index) => index > interpretAt && (arg === '-i' || arg === '--interpret'));
  if (interpretAt !== -1 && second !== -1) throw new UsageError(`Conflicting output format ${args[second]}`);
}

function parseSearchArgs(args: readonly string[]): SearchArgs {
  refuseConflictingFormats(args);
  const own: { uuid?: string; vm?: string; word: boolean; types?: Set<number> } = { word: false };
  const parsed = parseAuditToolArgs(args, (arg, next) => {
    switch (arg) {
      case '-w':
      case '--word':
        own.word = true;
        return 0;
      case '-r':
      case '--raw':
        return 0;
      case '-m':
      case '--message': {
        const value = next();
        if (value === undefined || value.startsWith('-')) throw new UsageError(`Argument is required for ${arg}`);
        // Each -m adds to the list, as ausearch's; ALL adds nothing.
        for (const type of messageTypes(value) ?? []) (own.types ??= new Set()).add(type);
        return 1;
      }
      case '-uu':
      case '--uuid':
      case '-vm':
      case '--vm':
      case '--vm-name': {
        const value = next();
        // ausearch: a value cannot start with '-'.
        if (value === undefined || value.startsWith('-')) throw new UsageError(`Argument is required for ${arg}`);
        if (arg === '-uu' || arg === '--uuid') own.uuid = value;
        else own.vm = value;
        return 1;
      }
      default:
        return null;
    }
  });
  return { ...parsed, ...own };
}

/** `virt-audit search ARGS`: the exit status. */
export async function runSearch(args: readonly string[]): Promise<number> {
  const flags = parseSearchArgs(args);
  if (answeredHelpOrVersion(flags, () => searchCommand().helpInformation(), packageVersion())) return 0;
  if (flags.uuid === undefined && flags.vm === undefined && flags.types === undefined) throw new UsageError('search needs -uu UUID, -vm NAME or -m TYPE');
  if (flags.interpret && flags.format !== 'text') throw new UsageError(`-i is ausearch's interpreted text; --format ${flags.format} gives each value decoded beside the raw line`);
  let interpreted: InterpretedEventWriter | undefined;
  if (flags.interpret) {
    try {
      interpreted = new InterpretedEventWriter(loadAuparseInterpretation());
    } catch (error) {
      if (!(error instanceof InterpretationUnavailable)) throw error;
      process.stderr.write(`search -i: ${error.message}\n`);
      return 2;
    }
  }
  let choice;
  try {
    choice = await chooseInputs(flags.files, flags);
  } catch (error) {
    // ausearch 3.0.9 on a missing -if file: `stat: …` on stderr, exit 1.
    if (!(error instanceof InputError) || error.code !== 'ENOENT') throw error;
    process.stderr.write('stat: No such file or directory\n');
    return 1;
  }
  if (choice.kind === 'no-system-log') {
    process.stderr.write(`Error opening ${choice.path} (No such file or directory)\n`);
    return 1;
  }
  if (!flags.compat && choice.skipped.length > 0) process.stderr.write(describeSkipped('search', choice.skipped));
  const progress = progressReporter(totalBytes(choice.inputs));
  const out = new OutputPieces(progress.done);
  if (flags.format === 'json') out.add('[');
  if (flags.format === 'csv') out.add(SEARCH_CSV_HEAD);
  let first = true;
  const { matched, unread } = await searchVirtEvents(
    choice.inputs,
    { ...flags, word: flags.word, interpreted: flags.interpret },
    (event) => {
      switch (flags.format) {
        case 'text':
          if (interpreted !== undefined) out.addBytes(interpreted.event(event));
          else for (const record of event.records) out.addLatin1(`${rawLineOf(record)}\n`);
          break;
        case 'json':
          out.add(`${first ? '\n' : ',\n'}${JSON.stringify(searchEventJson(event))}`);
          break;
        case 'ndjson':
          out.add(`${JSON.stringify(searchEventJson(event))}\n`);
          break;
        case 'csv':
          out.add(searchEventCsv(event));
      }
      first = false;
    },
    (stamp) => process.stderr.write(`Error extracting time stamp (${stamp})\n`),
    progress.update,
  );
  if (flags.format === 'json') out.add(first ? ']\n' : '\n]\n');
  out.flush();
  progress.done();
  // ausearch says so in every output format but --raw.
  if (interpreted !== undefined && matched === 0) process.stderr.write('<no matches>\n');
  return reportUnread('search', unread, flags.compat, matched === 0 ? 1 : 0);
}

/** Output gathered in 64 KiB pieces and written waiting for a slow reader: memory stays flat on an endless input. */
class OutputPieces {
  private chunks: Buffer[] = [];
  private pending = 0;

  constructor(private readonly beforeWrite: () => void) {}

  add(text: string): void {
    this.push(Buffer.from(text, 'utf8'));
  }

  addBytes(bytes: Buffer): void {
    this.push(bytes);
  }

  /** Text of one char per byte (the log's own bytes). */
  addLatin1(text: string): void {
    this.push(Buffer.from(text, 'latin1'));
  }

  private push(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.pending += bytes.length;
    if (this.pending >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.pending === 0) return;
    this.beforeWrite();
    writeBlocking(1, Buffer.concat(this.chunks));
    this.chunks = [];
    this.pending = 0;
  }
}
