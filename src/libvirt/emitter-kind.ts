import type { AuditRecord } from '../model/audit-record.js';
import { findField } from '../model/audit-field.js';
import { isLibvirtRecordType } from '../tables/record-types.js';

export type EmitterKind =
  | { readonly kind: 'libvirt' }
  | { readonly kind: 'foreign'; readonly emitter: string; readonly why: string };

const DOCKER_OPS = new Set(['create', 'exec', 'resize', '_ping', 'attach', 'commit', 'kill', 'pause', 'unpause']);

/**
 * Tells libvirt's VIRT_* records from other writers of the same types: the projectatomic dockerd fork
 * (no `virt=`, `reason=api`, `user=`), and the 2503–2507 types libvirt never emits.
 */
export function classifyEmitter(record: AuditRecord): EmitterKind {
  if (!isLibvirtRecordType(record.type)) {
    return { kind: 'foreign', emitter: 'unknown', why: `${record.type} is not a record type libvirt emits` };
  }
  const payload = record.payload ?? [];
  const hasVirt = findField(payload, 'virt') !== undefined;
  const exe = payload.filter((field) => field.name === 'exe').at(-1)?.value ?? '';
  const reason = findField(payload, 'reason')?.value;
  const op = findField(payload, 'op')?.value ?? '';
  if (!hasVirt && (reason === 'api' || findField(payload, 'user') !== undefined || /docker|container/.test(exe))) {
    return { kind: 'foreign', emitter: 'dockerd', why: `dockerd-style record (op=${op || '?'}, no virt=)` };
  }
  if (!hasVirt && DOCKER_OPS.has(op)) {
    return { kind: 'foreign', emitter: 'dockerd', why: `op=${op} is a container runtime operation` };
  }
  return { kind: 'libvirt' };
}
