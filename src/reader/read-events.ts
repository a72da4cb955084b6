import type { RecordForm } from '../model/audit-record.js';
import { EventGrouper, type AuditEvent, type GroupingOptions } from './event-grouper.js';
import type { AuditInput } from './input-set.js';
import { parseLine } from './parse-line.js';
import { readInputs } from './read-inputs.js';
import { RawHeaderScanner, type RecordTypeName } from './raw-header.js';

export interface ReadEventsOptions extends GroupingOptions {
  /** Line forms to take records from; others are passed over (the C tools read only auditd's own lines). */
  readonly forms: ReadonlySet<RecordForm>;
  readonly onProgress?: (bytesRead: number) => void;
  /** Awaited after each chunk (see ReadOptions.afterChunk). */
  readonly afterChunk?: () => Promise<void>;
  /**
   * Which events the consumer reads, by the type of their first record (auparse's event type). The
   * RAW lines of other events are passed over from their header bytes alone: they still count for
   * grouping and order, but are neither parsed nor checked, and such events are not delivered.
   */
  readonly keepEvent?: (firstRecordType: string) => boolean;
}

export const AUDITD_LINES: ReadonlySet<RecordForm> = new Set(['raw']);
export const ALL_BUT_INTERPRETED: ReadonlySet<RecordForm> = new Set(['raw', 'printk', 'journald']);

/** Reads the inputs (event state carried across files) and hands every complete event to `onEvent`. */
export async function readAuditEvents(inputs: readonly AuditInput[], onEvent: (event: AuditEvent) => void, options: ReadEventsOptions): Promise<void> {
  const grouper = new EventGrouper(onEvent, options);
  const { keepEvent } = options;
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
  const prefilter =
    keepEvent === undefined || !options.forms.has('raw')
      ? undefined
      : (bytes: Buffer, start: number, end: number): boolean => {
          if (!header.scan(bytes, start, end)) return false;
          const { node, sec, ms, serial, recordType } = header;
          if (grouper.keeps(node, sec, ms, serial, keeps(recordType))) {
            scanned = true;
            return false;
          }
          grouper.skip(node, sec, ms, serial, recordType.number);
          return true;
        };
  await readInputs(
    inputs,
    (file, line) => {
      const context = { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated, ...(scanned ? { header } : {}) };
      scanned = false;
      const parsed = parseLine(line.text, context);
      if (parsed.kind === 'record' && options.forms.has(parsed.record.form)) grouper.push(parsed.record);
    },
    {
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.afterChunk === undefined ? {} : { afterChunk: options.afterChunk }),
      ...(prefilter === undefined ? {} : { prefilter }),
    },
  );
  grouper.flush();
}
