// auvirt --format csv: the JSON report's sessions (or, with --all-events, their events; with --summary,
// the summary's counts) as CSV.
import type { SessionJson } from '../verifier/correlator/session-json.js';
import { sessionEventsCsv, sessionsCsv, summaryCsv } from '../verifier/report-csv-sessions.js';

/** The CSV of the JSON report `json` (reportJson's document). */
export function auvirtCsv(json: string, options: { readonly allEvents: boolean; readonly summary: boolean }): string {
  const document = JSON.parse(json) as { sessions: SessionJson[]; unmatched: Record<string, number>; summary?: Record<string, unknown> };
  if (options.summary && document.summary !== undefined) return summaryCsv(document.summary);
  return options.allEvents ? sessionEventsCsv(document.sessions) : sessionsCsv(document.sessions);
}
