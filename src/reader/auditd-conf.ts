// auditd.conf's log_file, read the way auditd's nv_split reads a line: `key = value`, the value one word.
import { readFileSync } from 'node:fs';

/** Where auditd writes when auditd.conf names no log_file (and where auparse looks then). */
export const DEFAULT_AUDIT_LOG = '/var/log/audit/audit.log';

/** auditd.conf's log_file; {@link DEFAULT_AUDIT_LOG} when the file or the key is missing. */
export function configuredLogFile(conf = '/etc/audit/auditd.conf'): string {
  let text: string;
  try {
    text = readFileSync(conf, 'utf8');
  } catch {
    return DEFAULT_AUDIT_LOG;
  }
  return /^[ \t]*log_file[ \t]*=[ \t]*(\S+)[ \t]*$/m.exec(text)?.[1] ?? DEFAULT_AUDIT_LOG;
}
