import type { RecordForm } from '../model/audit-record.js';
import { EventGrouper, type AuditEvent, type GroupingOptions } from './event-grouper.js';
import type { AuditInput } from './input-set.js';
import { parseLine } from './parse-line.js';
import { readInputs } from './read-inputs.js';

export interface ReadEventsOptions extends GroupingOptions {
  /** Line forms to take records from; others are passed over (the C tools read only auditd's own lines). */
  readonly forms: ReadonlySet<RecordForm>;
  readonly onProgress?: (bytesRead: number) => void;
}

export const AUDITD_LINES: ReadonlySet<RecordForm> = new Set(['raw']);
export const ALL_BUT_INTERPRETED: ReadonlySet<RecordForm> = new Set(['raw', 'printk', 'journald']);

/** Reads the inputs (event state carried across files) and hands every complete event to `onEvent`. */
export async function readAuditEvents(inputs: readonly AuditInput[], onEvent: (event: AuditEvent) => void, options: ReadEventsOptions): Promise<void> {
  const grouper = new EventGrouper(onEvent, options);
  await readInputs(
    inputs,
    (file, line) => {
      const parsed = parseLine(line.text, { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated });
      if (parsed.kind === 'record' && options.forms.has(parsed.record.form)) grouper.push(parsed.record);
    },
    options.onProgress === undefined ? {} : { onProgress: options.onProgress },
  );
  grouper.flush();
}
