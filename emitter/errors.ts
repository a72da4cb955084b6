/** What kind of failure an {@link EmitError} is. */
export type EmitErrorKind =
  /** The record does not fit any layout libvirt 9.0 writes, or a value is not of its field's class. */
  | 'invalid-record'
  /** A value holds a NUL byte: libaudit reads strings up to NUL, so the rest would be lost. */
  | 'nul-byte'
  /** A field libvirt prints unencoded holds bytes that would forge fields (space, quote, control…). */
  | 'unsafe-value'
  /** The message would be cut by libaudit (8970-byte buffer) or by the kernel (8560 bytes in msg='…'). */
  | 'too-long'
  /** libaudit returned 0: the kernel or libaudit dropped the record without an error (EPERM, ECONNREFUSED). */
  | 'not-delivered'
  /** libaudit returned < 0. */
  | 'send-failed'
  /** libaudit did not return within the timeout (it waits up to ~40 s for the kernel's ACK). */
  | 'timeout'
  /** Auditing is disabled in the kernel: user messages are accepted and dropped. */
  | 'audit-disabled'
  /** The kernel accepted the record but no audit daemon was registered: it went to printk, not to a log. */
  | 'no-daemon'
  /** The kernel's lost counter rose during the record's batch: some of the batch may not reach the log. */
  | 'maybe-lost'
  /** The kernel's status could not be read (no CAP_AUDIT_CONTROL, a user namespace): nothing confirms it. */
  | 'unconfirmed'
  /** Not sent: the required policy stopped at an earlier record. */
  | 'unsent'
  /** A line sink (file, stdout) could not write: the path and errno say why. */
  | 'sink-failed';

/** What the kernel's accounting said about a record's batch (maybe-lost). */
export interface LossDetail {
  /** The batch, counted from 1 for each sink. */
  readonly batch: number;
  /** How much the kernel's lost counter rose during it. */
  readonly lost: number;
  /** Records of this emitter in the batch. */
  readonly records: number;
}

/** Why a record was not, or could not be, emitted. Never thrown silently: see EmitPolicy. */
export class EmitError extends Error {
  /** The error's class name. */
  override readonly name: string = 'EmitError';

  /**
   * An emit error.
   *
   * @param kind - What kind of failure.
   * @param message - What happened, for a person.
   * @param errno - The system's errno, where there is one.
   * @param loss - The kernel's accounting, for `maybe-lost`.
   */
  constructor(
    /** What kind of failure. */
    readonly kind: EmitErrorKind,
    message: string,
    /** The system's errno (EPERM 1, ECONNREFUSED 111…), where there is one. */
    readonly errno?: number,
    /** For `maybe-lost`: what the kernel's lost counter said of the batch. */
    readonly loss?: LossDetail,
  ) {
    super(message);
  }
}

/**
 * The record left this process but will not reach the log: libaudit returned 0 (no CAP_AUDIT_WRITE, a
 * user namespace, a kernel without audit) or auditing is disabled in the kernel.
 */
export class NotDelivered extends EmitError {
  /**
   * A record not delivered.
   *
   * @param kind - `not-delivered` (libaudit returned 0) or `audit-disabled`.
   * @param message - What happened.
   * @param errno - The errno the call left.
   */
  constructor(kind: 'not-delivered' | 'audit-disabled', message: string, errno?: number) {
    super(kind, message, errno);
  }
}

/**
 * Whether an error is a {@link NotDelivered}.
 *
 * @param error - Anything caught.
 * @returns true for a record that left this process but will not reach the log.
 */
export function isNotDelivered(error: unknown): error is NotDelivered {
  return error instanceof NotDelivered;
}

/** A line sink failed to write: the path (or stdout) and the errno code (ENOENT, ENOSPC, EPIPE…). */
export class SinkFailed extends EmitError {
  /**
   * A failed line sink.
   *
   * @param path - The file, or `stdout`.
   * @param code - The errno code (ENOENT, ENOSPC, EPIPE…).
   * @param message - What happened.
   * @param errno - The errno number.
   */
  constructor(
    /** The file the sink writes, or `stdout`. */
    readonly path: string,
    /** The errno code: ENOENT, ENOSPC, EPIPE… */
    readonly code: string,
    message: string,
    errno?: number,
  ) {
    super('sink-failed', message, errno);
  }
}
