// What verify reports about a line or record.

/** How bad a finding is: an invalid VIRT record (`error`), a line that is no record (`rejected`), or less. */
export type Severity = 'error' | 'rejected' | 'warning' | 'notice';

/** A finding of verify, at a line of a file. */
export interface Diagnostic {
  /** How bad it is. */
  readonly severity: Severity;
  /** The input it was found in. */
  readonly file: string;
  /** The line, from 1. */
  readonly line: number;
  /** The record's type; null for a rejected line. */
  readonly type: string | null;
  /** The record's serial; as a decimal string where it is beyond 2^53 (a number would not hold it exactly). */
  readonly serial: number | string | null;
  /** The rule it breaks (`field-order`, `unknown-layout`, `not-audit`…). */
  readonly rule: string;
  /** What is wrong, for a person. */
  readonly message: string;
}

/** Warnings of one rule kept per file; the rest are only counted. */
export const WARNINGS_KEPT_PER_RULE = 20;

/** Which warnings a report keeps: per file and rule, the first WARNINGS_KEPT_PER_RULE. */
export class KeptWarnings {
  private readonly seen = new Map<string, number>();

  /** Counts the warning; whether it is one of those kept. */
  keeps(diagnostic: Diagnostic): boolean {
    const key = `${diagnostic.file}\u0000${diagnostic.rule}`;
    const seen = this.seen.get(key) ?? 0;
    this.seen.set(key, seen + 1);
    return seen < WARNINGS_KEPT_PER_RULE;
  }
}
