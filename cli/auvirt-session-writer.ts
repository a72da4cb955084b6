// Which of virt-audit/sessions' writers an auvirt --format json|ndjson|csv run writes with.
import type { AuvirtOptions } from '../verifier/auvirt/auvirt-options.js';
import { SessionCsvWriter } from '../verifier/report-csv-sessions.js';
import { SessionJsonWriter, SessionNdjsonWriter } from '../verifier/report-json-sessions.js';
import type { SessionSink, SessionWriter } from '../verifier/session-sink.js';

export function sessionWriterFor(options: Pick<AuvirtOptions, 'format' | 'allEvents'>, sink: SessionSink): SessionWriter {
  switch (options.format) {
    case 'json':
      return new SessionJsonWriter(sink);
    case 'ndjson':
      return new SessionNdjsonWriter(sink);
    case 'csv':
      return new SessionCsvWriter(sink, { events: options.allEvents });
    default:
      throw new Error(`auvirt has no session writer for --format ${options.format}`);
  }
}
