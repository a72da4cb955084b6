// The JSON forms written as sessions become final: `json` is the very document reportJson makes (same
// bytes), `ndjson` one session per line. Neither holds more than the sessions not final yet.
import { sessionSelected, summaryJson, type ReportFilter, type ReportSummary } from './report-default.js';
import { sessionJson } from './session-json.js';
import type { GuestSession } from './session-model.js';

export type SessionFormat = 'json' | 'ndjson';

/** JSON.stringify's two-space layout, nested `depth` levels in (JSON strings hold no raw newline). */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

export class SessionStreamWriter {
  private written = 0;

  constructor(private readonly format: SessionFormat, private readonly filter: ReportFilter) {}

  /** The text of these sessions (the filter's choice of them), in order, after those written before. */
  sessions(sessions: readonly GuestSession[]): string {
    let text = '';
    for (const session of sessions) {
      if (!sessionSelected(session, this.filter)) continue;
      const json = sessionJson(session);
      if (this.format === 'ndjson') text += `${JSON.stringify(json)}\n`;
      else text += `${this.written === 0 ? '{\n  "sessions": [\n    ' : ',\n    '}${nested(json, 2)}`;
      this.written++;
    }
    return text;
  }

  /**
   * The end: for `json` the rest of the document (unmatched counts, the summary when asked); for `ndjson`
   * one last line with them only when the summary is asked.
   */
  end(unmatched: { readonly avcs: number; readonly anomalies: number }, summary?: ReportSummary): string {
    const tail = { unmatched, ...(summary === undefined ? {} : { summary: summaryJson(summary) }) };
    if (this.format === 'ndjson') return summary === undefined ? '' : `${JSON.stringify(tail)}\n`;
    const head = this.written === 0 ? '{\n  "sessions": [],\n' : '\n  ],\n';
    // The tail object's own braces are the document's: its fields follow the sessions.
    const rest = JSON.stringify(tail, null, 2).slice(2, -2);
    return `${head}${rest}\n}\n`;
  }
}
