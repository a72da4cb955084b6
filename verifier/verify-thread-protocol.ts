// What a threaded verify's reading thread and checking thread say to each other.
import type { Profile } from '../src/libvirt/layouts.js';
import type { EventBatch } from '../src/reader/event-batch.js';
import type { AuditInput } from '../src/reader/input-set.js';
import type { ThreadFailure } from '../src/reader/thread-failure.js';
import type { Diagnostic } from './verify-diagnostics.js';
import type { LineCounts } from './verify-lines.js';

export interface VerifyWorkerData {
  readonly inputs: readonly AuditInput[];
  readonly maxLineBytes?: number;
  readonly eoeTimeoutMs?: number;
  readonly maxBatchesInFlight: number;
  /**
   * The reading thread checks a VIRT record itself, instead of posting it, while the checking thread has
   * this many batches or more still to handle (null: it never does: the checking thread needs every record).
   */
  readonly checkHereFrom: number | null;
  readonly profile?: Profile;
}

/** The counts of the records the reading thread checked itself. */
export interface CheckCounts {
  virtRecords: number;
  valid: number;
  invalid: number;
  foreign: number;
}

/** A problem or warning found by the reading thread, to be reported before the batch's record number `before`. */
export interface PlacedDiagnostic {
  readonly before: number;
  readonly kind: 'problem' | 'warning';
  readonly diagnostic: Diagnostic;
}

export type VerifyWorkerMessage =
  | { readonly kind: 'batch'; readonly batch: EventBatch; readonly diagnostics: readonly PlacedDiagnostic[]; readonly bytesRead: number }
  /** The end: the reading half's counts, and per rule the warnings counted but not posted. */
  | { readonly kind: 'done'; readonly counts: LineCounts; readonly checked: CheckCounts; readonly unpostedWarnings: ReadonlyArray<readonly [string, number]> }
  | ThreadFailure;
