import type { AuditRecord, RecordForm } from '../model/audit-record.js';
import { EventGrouper, type AuditEvent, type GroupedEvent, type GroupingOptions } from './event-grouper.js';
import { AuparseGrouper } from './auparse-grouper.js';
import { NOT_PLAIN, plainLineSeparator, ScannedLine, type LineBytes } from './scanned-line.js';
import type { AuditInput } from './input-set.js';
import { parseLine } from './parse-line.js';
import { readInputs } from './read-inputs.js';
import { RawHeaderScanner, type RecordTypeName } from './raw-header.js';
import { UnreadTally, type UnreadLines } from './unread-lines.js';

/** How {@link readAuditEvents} reads. */
export interface ReadEventsOptions extends GroupingOptions {
  /** Line forms to take records from; others are passed over (the C tools read only auditd's own lines). */
  readonly forms: ReadonlySet<RecordForm>;
  /** Called after each chunk with the bytes read so far (for a progress line). */
  readonly onProgress?: (bytesRead: number) => void;
  /** Awaited after each chunk (see ReadOptions.afterChunk). */
  readonly afterChunk?: () => Promise<void>;
  /**
   * Which events the consumer reads, by the type of their first record (auparse's event type). The
   * RAW lines of other events are passed over from their header bytes alone: they still count for
   * grouping and order, but are neither parsed nor checked, and such events are not delivered.
   */
  readonly keepEvent?: (firstRecordType: string) => boolean;
  /**
   * Read lines as auparse 3.0.9 reads them (auvirt --compat): a line of any length up to
   * AUPARSE_MAX_LINE_BYTES taken whole (getline), its text ending at a NUL (a C string), its stamp read
   * by str2event (see LineContext.auparse), events grouped and handed on by auparse's own list
   * (AuparseGrouper; the grouping options are then not used).
   */
  readonly auparse?: boolean;
}

/** The longest line read whole in auparse's way: auparse has no limit, memory here must have one. */
export const AUPARSE_MAX_LINE_BYTES = 16 << 20;

export { ALL_BUT_INTERPRETED, AUDITD_LINES } from './line-forms.js';

/**
 * Reads the inputs (event state carried across files) and hands every complete event to `onEvent`: its
 * records grouped by time stamp and serial as auparse groups them. Lines that are not records are passed
 * over, and counted.
 *
 * @param inputs - The logs, in reading order (see {@link resolveInputs}).
 * @param onEvent - Receives each event as it is complete.
 * @param options - Which line forms to read, grouping, progress.
 * @returns The lines passed over (how many, of which `ausearch -i` output, the first one), once every input is read and every event handed on.
 * @throws {@link InputError} when an input cannot be read.
 * @example
 * ```ts
 * import { AUDITD_LINES, readAuditEvents, resolveInputs } from 'virt-audit';
 *
 * await readAuditEvents(await resolveInputs(['/var/log/audit']), (event) => console.log(event.serial, event.records.length), { forms: AUDITD_LINES });
 * ```
 */
export async function readAuditEvents(inputs: readonly AuditInput[], onEvent: (event: AuditEvent) => void, options: ReadEventsOptions): Promise<UnreadLines> {
  return readGrouped<AuditRecord>(inputs, onEvent, options, false);
}

/**
 * readAuditEvents for a consumer on another thread: kept RAW lines of files that need no diagnostic are
 * not parsed but handed on as their bytes (ScannedLine); every other kept line as an AuditRecord.
 */
export async function readAuditEventLines(
  inputs: readonly AuditInput[],
  onEvent: (event: GroupedEvent<AuditRecord | ScannedLine>) => void,
  options: ReadEventsOptions & { readonly keepEvent: (firstRecordType: string) => boolean },
): Promise<UnreadLines> {
  return readGrouped<AuditRecord | ScannedLine>(inputs, onEvent, options, true);
}

async function readGrouped<R extends AuditRecord | ScannedLine>(
  inputs: readonly AuditInput[],
  onEvent: (event: GroupedEvent<R>) => void,
  options: ReadEventsOptions,
  linesAsBytes: boolean,
): Promise<UnreadLines> {
  const unread = new UnreadTally();
  const { keepEvent } = options;
  const auparse = options.auparse === true;
  const grouper = auparse ? new AuparseGrouper<R>(onEvent) : new EventGrouper<R>(onEvent, options);
  const header = new RawHeaderScanner();
  /** The line the splitter hands on next is the one whose header was just scanned. */
  let scanned = false;
  const kept = new Map<RecordTypeName, boolean>();
  const keeps = (type: RecordTypeName): boolean => {
    let answer = kept.get(type);
    if (answer !== undefined) return answer;
    answer = keepEvent!(type.name);
    if (kept.size < 4096) kept.set(type, answer);
    return answer;
  };
  const lineBytes: LineBytes = { ascii: false };
  const prefilterFor =
    keepEvent === undefined || !options.forms.has('raw')
      ? undefined
      : (file: string, input: AuditInput) => {
          // A file stream hands over a new buffer for every chunk, so a kept line may point into it; other
          // streams may reuse theirs, and their lines are parsed.
          const bytesKept = linesAsBytes && input.kind === 'file';
          return (bytes: Buffer, start: number, end: number, line: number, unterminated: boolean): boolean => {
            if (!header.scan(bytes, start, end)) return false;
            const { node, sec, ms, serial, recordType } = header;
            if (!grouper.keeps(node, sec, ms, serial, keeps(recordType))) {
              grouper.skip(node, sec, ms, serial, recordType.number);
              return true;
            }
            const typeNumber = recordType.number;
            const bodyStart = header.bodyStart;
            const separator = !bytesKept || unterminated || typeNumber === null ? NOT_PLAIN : plainLineSeparator(bytes, start, end, bodyStart, lineBytes);
            if (separator === NOT_PLAIN) {
              scanned = true;
              return false;
            }
            grouper.push(new ScannedLine(bytes, start, end, file, line, node, recordType.name, typeNumber!, { sec, ms }, serial, bodyStart, separator, lineBytes.ascii) as R);
            return true;
          };
        };
  await readInputs(
    inputs,
    (file, line) => {
      // No object spread here: it is slow, and gives every line's context a shape of its own.
      const context = { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated, header: scanned ? header : undefined, auparse };
      scanned = false;
      const parsed = parseLine(line.text, context);
      if (parsed.kind === 'record') {
        if (options.forms.has(parsed.record.form)) grouper.push(parsed.record as R);
        else unread.formNotRead(file, line.line, parsed.record.form);
      } else if (parsed.kind === 'rejected') {
        unread.rejected(file, line.line, parsed.reason);
      }
    },
    {
      onProgress: (bytesRead) => {
        unread.bytesRead = bytesRead;
        options.onProgress?.(bytesRead);
      },
      ...(options.afterChunk === undefined ? {} : { afterChunk: options.afterChunk }),
      ...(prefilterFor === undefined ? {} : { prefilter: prefilterFor }),
      ...(auparse ? { maxLineBytes: AUPARSE_MAX_LINE_BYTES } : {}),
    },
  );
  grouper.flush();
  return unread.result;
}
