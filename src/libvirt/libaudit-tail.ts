import type { AuditField } from '../model/audit-field.js';

/** What audit_log_user_message appends: ` exe=… hostname=… addr=… terminal=… res=…`. */
export const LIBAUDIT_TAIL_FIELDS = ['exe', 'hostname', 'addr', 'terminal', 'res'] as const;

export interface SplitPayload {
  /** The caller's part (what libvirt built). */
  readonly body: readonly AuditField[];
  /** The five libaudit fields, or null when the payload does not end with them. */
  readonly tail: readonly AuditField[] | null;
}

export function splitLibauditTail(payload: readonly AuditField[]): SplitPayload {
  const count = LIBAUDIT_TAIL_FIELDS.length;
  if (payload.length >= count) {
    const tail = payload.slice(payload.length - count);
    if (tail.every((field, index) => field.name === LIBAUDIT_TAIL_FIELDS[index])) {
      return { body: payload.slice(0, payload.length - count), tail };
    }
  }
  return { body: payload, tail: null };
}
