// What verify reports about a line or record.

export type Severity = 'error' | 'rejected' | 'warning' | 'notice';

export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly type: string | null;
  /** The record's serial; as a decimal string where it is beyond 2^53 (a number would not hold it exactly). */
  readonly serial: number | string | null;
  readonly rule: string;
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
