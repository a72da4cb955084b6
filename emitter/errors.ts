export type EmitErrorKind =
  /** The record does not fit any layout libvirt 9.0 writes, or a value is not of its field's class. */
  | 'invalid-record'
  /** A value holds a NUL byte: libaudit reads strings up to NUL, so the rest would be lost. */
  | 'nul-byte'
  /** A field libvirt prints unencoded holds bytes that would forge fields (space, quote, control…). */
  | 'unsafe-value'
  /** The message would be cut by libaudit (8970-byte buffer) or by the kernel (8560 bytes in msg='…'). */
  | 'too-long'
  /** libaudit returned 0: the kernel or libaudit dropped the record without an error. */
  | 'not-delivered'
  /** libaudit returned < 0. */
  | 'send-failed'
  /** libaudit did not return within the timeout (it waits up to ~40 s for the kernel's ACK). */
  | 'timeout'
  /** Auditing is disabled in the kernel: user messages are accepted and dropped. */
  | 'audit-disabled';

/** Why a record was not, or could not be, emitted. Never thrown silently: see EmitPolicy. */
export class EmitError extends Error {
  override readonly name: string = 'EmitError';

  constructor(
    readonly kind: EmitErrorKind,
    message: string,
    readonly errno?: number,
  ) {
    super(message);
  }
}

/**
 * The record left this process but will not reach the log: libaudit returned 0 (no CAP_AUDIT_WRITE, a
 * user namespace, a kernel without audit) or auditing is disabled in the kernel.
 */
export class NotDelivered extends EmitError {
  constructor(kind: 'not-delivered' | 'audit-disabled', message: string, errno?: number) {
    super(kind, message, errno);
  }
}

export function isNotDelivered(error: unknown): error is NotDelivered {
  return error instanceof NotDelivered;
}
