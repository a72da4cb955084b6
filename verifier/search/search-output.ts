// search's structured forms of the events it finds: JSON (one array), NDJSON (an event per line) and CSV
// (a record per row). Serials as decimal strings (exact beyond 2^53), values decoded as auparse decodes
// them, the raw line beside them.
import type { AuditRecord } from '../../src/model/audit-record.js';
import type { AuditEvent } from '../../src/reader/event-grouper.js';
import { csvRow } from '../report-csv.js';
import { aureportStamp } from './aureport-record.js';
import { rawLineOf } from './virt-search.js';

export interface SearchRecordJson {
  readonly type: string;
  readonly file: string;
  readonly line: number;
  /** Each field's decoded value (first of a name, as auparse finds it); null where the log says `?`. */
  readonly fields: Readonly<Record<string, string | null>>;
  /** The line as written (bytes read as UTF-8). */
  readonly text: string;
}

export interface SearchEventJson {
  readonly node: string | null;
  /** ISO 8601, UTC; null where the stamp is beyond a date. */
  readonly time: string | null;
  readonly serial: string | null;
  readonly records: readonly SearchRecordJson[];
}

const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

function isoTimeOf(event: AuditEvent): string | null {
  if (event.time === null) return null;
  const date = new Date(event.time.sec * 1000 + event.time.ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function recordJson(record: AuditRecord): SearchRecordJson {
  const fields: Record<string, string | null> = {};
  for (const field of record.fields) if (!(field.name in fields)) fields[field.name] = field.value;
  return { type: record.type, file: record.file, line: record.line, fields, text: utf8(rawLineOf(record)) };
}

export function searchEventJson(event: AuditEvent): SearchEventJson {
  const stamp = event.records[0] === undefined ? null : aureportStamp(event.records[0].text);
  const serial = stamp !== null && 'serial' in stamp ? String(stamp.serial) : event.serial === null ? null : String(event.serial);
  return { node: event.node, time: isoTimeOf(event), serial, records: event.records.map(recordJson) };
}

export const SEARCH_CSV_HEAD = csvRow(['time', 'serial', 'node', 'type', 'vm', 'uuid', 'op', 'resrc', 'reason', 'res', 'file', 'line', 'text']);

/** The CSV rows of an event: one per record. */
export function searchEventCsv(event: AuditEvent): string {
  const json = searchEventJson(event);
  return json.records
    .map((record) => {
      const field = (name: string): string | null | undefined => (name in record.fields ? record.fields[name] : undefined);
      return csvRow([json.time, json.serial, json.node, record.type, field('vm'), field('uuid'), field('op'), field('resrc'), field('reason'), field('res'), record.file, record.line, record.text]);
    })
    .join('');
}
