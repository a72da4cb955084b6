// CSV for spreadsheets, as RFC 4180 writes it: fields separated by commas, records ended by CRLF, a field
// quoted (its quotes doubled) when it holds a comma, a quote, CR or LF. A value that begins with = + - @
// (or TAB, CR) would be run as a formula by a spreadsheet: it is written with a leading apostrophe, as
// OWASP's CSV-injection advice has it, so `=cmd()` in a guest's name stays text.

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: neutralised against formulas, quoted where RFC 4180 asks. Numbers are written as they are. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-ended. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
