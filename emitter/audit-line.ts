// The line auditd (log_format RAW, or ENRICHED when the record carries its block) writes for a record.
import { encodeValue, type AuditTime } from '../src/index.js';
import type { LibauditTail, RecordHeader } from './process-identity.js';
import { renderEnrichment, type AuditSerial } from './record-envelope.js';

export interface LineParts {
  readonly type: string;
  readonly node?: string | null;
  readonly time: AuditTime;
  readonly serial: AuditSerial;
  readonly header: RecordHeader;
  readonly payload: string;
  readonly tail: LibauditTail;
  readonly result: 'success' | 'failed';
  readonly enrichment?: Readonly<Record<string, string | null>>;
}

/** ` exe=… hostname=… addr=… terminal=… res=…` as audit_log_user_message appends it. */
export function renderTail(tail: LibauditTail, result: 'success' | 'failed'): string {
  const exe = tail.exe === null ? '"?"' : encodeValue(tail.exe);
  return ` exe=${exe} hostname=${tail.hostname ?? '?'} addr=${tail.addr ?? '?'} terminal=${tail.terminal ?? '?'} res=${result}`;
}

/** The complete message text libaudit sends: the payload and its tail. */
export function renderMessage(payload: string, tail: LibauditTail, result: 'success' | 'failed'): string {
  return `${payload}${renderTail(tail, result)}`;
}

export function renderAuditLine(parts: LineParts): string {
  const { header } = parts;
  const stamp = `${parts.time.sec}.${String(parts.time.ms).padStart(3, '0')}:${parts.serial}`;
  // null is the kernel's `subj=?` (no single LSM context); undefined, a host without an LSM.
  const subj = header.subj === undefined ? '' : ` subj=${header.subj ?? '?'}`;
  const node = parts.node === undefined || parts.node === null ? '' : `node=${parts.node} `;
  const line =
    `${node}type=${parts.type} msg=audit(${stamp}): pid=${header.pid} uid=${header.uid} auid=${header.auid} ses=${header.ses}${subj} ` +
    `msg='${renderMessage(parts.payload, parts.tail, parts.result)}'`;
  if (!parts.enrichment || Object.keys(parts.enrichment).length === 0) return line;
  return `${line}\x1d${renderEnrichment(parts.enrichment)}`;
}
