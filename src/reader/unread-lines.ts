// The lines a reading passed over: not audit records at all, or records in a form the reader was told
// not to read (ausearch -i output above all, whose values were rewritten). Counted on the reading thread
// and handed to the consumer with the end of the reading, so a command can say what it could not read.
import type { RecordForm } from '../model/audit-record.js';
import { REJECT_REASONS, type RejectReason } from './parse-line.js';

/** A line a reading passed over: where, and why. */
export interface UnreadLine {
  /** The input's path (`<stdin>` for standard input). */
  readonly file: string;
  /** Its line number, from 1. */
  readonly line: number;
  /** Why it was not read, in words. */
  readonly why: string;
}

/** What a reading passed over: how many lines, of which `ausearch -i` output, and the first. */
export interface UnreadLines {
  /** Every line passed over (blank lines and ausearch's `----` separators are not counted). */
  readonly count: number;
  /** Of them, `ausearch -i` (interpreted) lines. */
  readonly interpreted: number;
  /** The first line passed over, or null when there was none. */
  readonly first: UnreadLine | null;
  /** The bytes the reading read in all (0: the inputs were empty). */
  readonly bytesRead: number;
}

export const NOTHING_UNREAD: UnreadLines = { count: 0, interpreted: 0, first: null, bytesRead: 0 };

const FORM_NOT_READ: Readonly<Record<RecordForm, string>> = {
  raw: 'an auditd line',
  interpreted: 'ausearch -i (interpreted) output: its values were rewritten; give ausearch --raw output',
  journald: 'a journald line: no audit stamp or serial of its own',
  printk: 'a kernel log line',
};

export class UnreadTally {
  private count = 0;
  private interpreted = 0;
  private first: UnreadLine | null = null;
  bytesRead = 0;

  rejected(file: string, line: number, reason: RejectReason): void {
    this.note(file, line, REJECT_REASONS[reason]);
  }

  formNotRead(file: string, line: number, form: RecordForm): void {
    if (form === 'interpreted') this.interpreted++;
    this.note(file, line, FORM_NOT_READ[form]);
  }

  private note(file: string, line: number, why: string): void {
    this.count++;
    this.first ??= { file, line, why };
  }

  get result(): UnreadLines {
    return { count: this.count, interpreted: this.interpreted, first: this.first, bytesRead: this.bytesRead };
  }
}

/** One line for stderr: how many lines were passed over, of which interpreted, and the first one. */
export function describeUnread(unread: UnreadLines): string {
  const lines = (count: number): string => `${count} line${count === 1 ? '' : 's'}`;
  const interpreted = unread.interpreted === 0 ? '' : ` (${unread.interpreted} of them ausearch -i output)`;
  const first = unread.first === null ? '' : `; the first at ${unread.first.file}:${unread.first.line}: ${unread.first.why}`;
  return `${lines(unread.count)} could not be read${interpreted}${first}`;
}
