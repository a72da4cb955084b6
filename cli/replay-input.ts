// What --replay must not hide or round when it turns a logged record into the JSON form: a value whose
// bytes were not UTF-8 (the JSON form holds U+FFFD in its place, so a line built from it would not be the
// log's), and a serial past 2^53 (the JSON form's number has lost its last digits).
import type { AuditRecord } from '../src/index.js';

/** The JSON form's mark of the fields whose logged bytes were not UTF-8 (the builders refuse the record). */
export const INVALID_UTF8_KEY = 'invalidUtf8';

/** The names of the record's fields (header, payload, ENRICHED block) whose bytes are not UTF-8. */
export function invalidUtf8Fields(record: AuditRecord): string[] {
  const fields = [...record.header, ...(record.payload ?? []), ...record.enrichment.map((field) => ({ ...field, name: `enrichment.${field.name}` }))];
  return fields.filter((field) => field.invalidUtf8).map((field) => field.name);
}

const STAMP_SERIAL = /audit\(\d+\.\d+:(\d+)\)/;

/** The record in the JSON form as the builders take it for --replay: the serial exact, bad bytes marked. */
export function replayInput(record: AuditRecord, json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...json };
  if (typeof input.serial === 'number' && !Number.isSafeInteger(input.serial)) {
    const exact = STAMP_SERIAL.exec(record.text)?.[1];
    if (exact !== undefined) input.serial = exact;
  }
  const invalid = invalidUtf8Fields(record);
  if (invalid.length > 0) input[INVALID_UTF8_KEY] = invalid;
  return input;
}
