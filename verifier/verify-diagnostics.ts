// What verify reports about a line or record.

export type Severity = 'error' | 'rejected' | 'warning' | 'notice';

export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly type: string | null;
  readonly serial: number | null;
  readonly rule: string;
  readonly message: string;
}

/** Warnings of one rule kept per file; the rest are only counted. */
export const WARNINGS_KEPT_PER_RULE = 20;
