import type { RecordForm } from '../model/audit-record.js';

/** auditd's own lines only (the C tools read nothing else). */
export const AUDITD_LINES: ReadonlySet<RecordForm> = new Set(['raw']);
/** Every form but `ausearch -i` output, whose values were rewritten. */
export const ALL_BUT_INTERPRETED: ReadonlySet<RecordForm> = new Set(['raw', 'printk', 'journald']);
