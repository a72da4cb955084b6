// verify's reading half: every line counted, parsed or read from its header alone, grouped and
// sequence-checked, rejected lines and record issues reported. VIRT_* records are handed on, in line
// order, to be checked against libvirt's formats (on this thread, or on another: see verify-threaded).
import { AuditRecord, type RecordIssue } from '../src/model/audit-record.js';
import { EventGrouper } from '../src/reader/event-grouper.js';
import type { AuditInput } from '../src/reader/input-set.js';
import type { LinePrefilter, SourceLine } from '../src/reader/line-splitter.js';
import { parseLine, REJECT_REASONS, type RejectReason } from '../src/reader/parse-line.js';
import { RawHeaderScanner } from '../src/reader/raw-header.js';
import { NOT_PLAIN, plainLineSeparator } from '../src/reader/scanned-line.js';
import { isVirtRecordType } from '../src/tables/record-types.js';
import { exactSerial } from '../src/libvirt/json-form.js';
import { SequenceChecker } from './sequence-check.js';
import type { Diagnostic, Severity } from './verify-diagnostics.js';

/** What the reading half counts. */
export interface LineCounts {
  lines: number;
  blank: number;
  separators: number;
  records: number;
  events: number;
  lossy: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
}

export interface LineSinks {
  /** A VIRT_* record, in line order. */
  virtRecord(record: AuditRecord): void;
  problem(diagnostic: Diagnostic): void;
  warning(diagnostic: Diagnostic): void;
}

/** Record issues that make a VIRT record invalid rather than only noteworthy (reported by its check). */
export const VIRT_RECORD_ERRORS: ReadonlySet<string> = new Set(['msg-unterminated', 'text-after-msg', 'enrichment-separator', 'enrichment-form']);

/** No diagnostic's message is longer: what a rule quotes of the input is cut to an excerpt well before. */
export const MAX_MESSAGE_CHARS = 1000;

export function diagnosticOf(record: AuditRecord, issue: { readonly rule: string; readonly message: string }, severity: Severity): Diagnostic {
  const serial = exactSerial(record);
  const message = issue.message.length > MAX_MESSAGE_CHARS ? `${issue.message.slice(0, MAX_MESSAGE_CHARS)}… (${issue.message.length} chars)` : issue.message;
  return { severity, file: record.file, line: record.line, type: record.type, serial, rule: issue.rule, message };
}

const severityOf = (issue: RecordIssue): Severity => (issue.rule === 'interpreted' || issue.rule === 'journald' ? 'notice' : 'warning');

type HeaderOnlyLine = { readonly bytes: Buffer; readonly start: number; readonly end: number; readonly file: string; readonly line: number };

export class LineVerifier {
  readonly counts: LineCounts = { lines: 0, blank: 0, separators: 0, records: 0, events: 0, lossy: 0, rejected: 0, rejectedByReason: {} };
  // Events are counted as they begin (eventsBegun), passed-over ones included.
  private readonly grouper: EventGrouper;
  private readonly sequence: SequenceChecker;
  /** The last record, or where the last line read from its header alone lies (parsed only for a hint). */
  private previous: AuditRecord | HeaderOnlyLine | undefined;
  private readonly header = new RawHeaderScanner();
  /** The line handed on next is the one whose header was just scanned. */
  private scanned = false;

  constructor(private readonly sinks: LineSinks, eoeTimeoutMs?: number) {
    this.grouper = new EventGrouper(() => {}, eoeTimeoutMs === undefined ? {} : { eoeTimeoutMs });
    this.sequence = new SequenceChecker((warning) => sinks.warning({ severity: 'warning', ...warning }));
  }

  /**
   * A RAW line of a known type other than VIRT_*, with no byte the parser would remark on, is counted,
   * grouped and sequence-checked from its header bytes alone: nothing else of it is checked. Files only:
   * a file stream hands over a new buffer for every chunk, so `previous` may point into it.
   */
  readonly prefilter = (file: string, input: AuditInput): LinePrefilter | undefined =>
    input.kind !== 'file'
      ? undefined
      : (bytes, start, end, line, unterminated) => {
          const header = this.header;
          if (unterminated || !header.scan(bytes, start, end)) return false;
          const { recordType, node, sec, ms, serial } = header;
          if (recordType.number === null || isVirtRecordType(recordType.number) || plainLineSeparator(bytes, start, end, header.bodyStart) === NOT_PLAIN) {
            this.scanned = true;
            return false;
          }
          this.counts.lines++;
          this.counts.records++;
          this.grouper.skip(node, sec, ms, serial, recordType.number);
          this.sequence.checkStamp(file, line, recordType.name, node, sec, ms, serial);
          this.previous = { bytes, start, end, file, line };
          return true;
        };

  readonly onLine = (file: string, line: SourceLine): void => {
    const counts = this.counts;
    counts.lines++;
    const parsed = parseLine(line.text, { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated, header: this.scanned ? this.header : undefined });
    this.scanned = false;
    if (parsed.kind === 'blank') {
      counts.blank++;
      return;
    }
    if (parsed.kind === 'separator') {
      counts.separators++;
      return;
    }
    if (parsed.kind === 'rejected') {
      counts.rejected++;
      counts.rejectedByReason[parsed.reason] = (counts.rejectedByReason[parsed.reason] ?? 0) + 1;
      this.sinks.problem({
        severity: 'rejected',
        file,
        line: line.line,
        type: null,
        serial: null,
        rule: parsed.reason,
        message: `${REJECT_REASONS[parsed.reason]}: ${parsed.detail}${continuationHint(this.previousRecord(), file)}`,
      });
      return;
    }
    this.previous = parsed.record;
    this.onRecord(parsed.record);
  };

  /** The end of the input: events still open are complete, serials still missing are reported. */
  finish(): void {
    this.grouper.flush();
    this.counts.events = this.grouper.eventsBegun;
    this.sequence.finish();
  }

  private onRecord(record: AuditRecord): void {
    this.counts.records++;
    if (record.lossy) this.counts.lossy++;
    this.grouper.push(record);
    this.sequence.check(record);
    const isVirt = record.typeNumber !== null && isVirtRecordType(record.typeNumber);
    if (isVirt) this.sinks.virtRecord(record);
    for (const issue of record.issues) {
      // Found in a VIRT record's body by its check, and reported there as violations.
      if (isVirt && VIRT_RECORD_ERRORS.has(issue.rule)) continue;
      this.sinks.warning(diagnosticOf(record, issue, severityOf(issue)));
    }
  }

  private previousRecord(): AuditRecord | undefined {
    const previous = this.previous;
    if (previous === undefined || previous instanceof AuditRecord) return previous;
    const parsed = parseLine(previous.bytes.toString('latin1', previous.start, previous.end), { file: previous.file, line: previous.line });
    return parsed.kind === 'record' ? parsed.record : undefined;
  }
}

function continuationHint(previous: AuditRecord | undefined, file: string): string {
  // `previous` is the last record: every line since it was rejected too.
  if (previous === undefined || previous.file !== file) return '';
  if (previous.payload !== null && previous.issues.some((issue) => issue.rule === 'msg-unterminated')) {
    return ` (the record at line ${previous.line} has no closing quote: hard-wrapped?)`;
  }
  return '';
}
