// What --replay must not hide when it turns a logged record into the JSON form: a value whose bytes were
// not UTF-8. The JSON form holds U+FFFD in its place, so a line built from it would not be the log's.
import type { AuditRecord } from '../src/index.js';

/** The JSON form's mark of the fields whose logged bytes were not UTF-8 (the builders refuse the record). */
export const INVALID_UTF8_KEY = 'invalidUtf8';

/** The names of the record's fields (header, payload, ENRICHED block) whose bytes are not UTF-8. */
export function invalidUtf8Fields(record: AuditRecord): string[] {
  const fields = [...record.header, ...(record.payload ?? []), ...record.enrichment.map((field) => ({ ...field, name: `enrichment.${field.name}` }))];
  return fields.filter((field) => field.invalidUtf8).map((field) => field.name);
}
