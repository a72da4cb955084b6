// Typed views of the non-VIRT records the correlator needs: AVC / USER_AVC (SELinux and AppArmor),
// SYSCALL, PATH, ANOM_*, SYSTEM_BOOT / SYSTEM_SHUTDOWN and auditd's DAEMON_* records.
import type { AuditField } from './audit-field.js';
import type { AuditRecord } from './audit-record.js';

function valueOf(fields: readonly AuditField[], name: string): string | null {
  for (const field of fields) if (field.name === name) return field.value;
  return null;
}

function integerOf(fields: readonly AuditField[], name: string): number | null {
  const value = valueOf(fields, name);
  return value !== null && /^-?\d+$/.test(value) ? Number(value) : null;
}

export interface AvcRecord {
  readonly record: AuditRecord;
  readonly kind: 'selinux' | 'apparmor';
  /** `denied` (SELinux `avc: denied`, AppArmor `apparmor="DENIED"`) or granted/audited. */
  readonly denied: boolean;
  readonly permissions: readonly string[];
  readonly pid: number | null;
  readonly comm: string | null;
  readonly path: string | null;
  readonly name: string | null;
  readonly scontext: string | null;
  readonly tcontext: string | null;
  readonly tclass: string | null;
  readonly permissive: boolean | null;
  /** AppArmor: the profile (libvirt's are `libvirt-<uuid>`) and operation. */
  readonly profile: string | null;
  readonly operation: string | null;
}

/** Reads an AVC or USER_AVC record (SELinux `avc: denied { … }` or AppArmor `apparmor="DENIED"`). */
export function readAvc(record: AuditRecord): AvcRecord | null {
  if (record.type !== 'AVC' && record.type !== 'USER_AVC') return null;
  // Fields looked up without parsing the body: a first field of the name, header then payload, as auparse flattens them.
  const value = (name: string): string | null => record.fieldValue(name) ?? null;
  const apparmor = value('apparmor');
  const words = record.words;
  const open = words.indexOf('{');
  const close = words.indexOf('}', open);
  const permissions = apparmor !== null
    ? (value('denied_mask') ?? value('requested_mask') ?? '').split('').filter(Boolean)
    : open === -1 || close === -1 ? [] : words.slice(open + 1, close);
  const permissive = value('permissive');
  return {
    record,
    kind: apparmor !== null ? 'apparmor' : 'selinux',
    denied: apparmor !== null ? apparmor === 'DENIED' : words.includes('denied'),
    permissions,
    // The pid of the message's own fields (the payload's, when there is one) before any other.
    pid: integerIn((record.hasPayload ? record.payloadValue('pid') : record.headerValue('pid')) ?? null) ?? integerIn(value('pid')),
    comm: value('comm'),
    path: value('path'),
    name: value('name'),
    scontext: value('scontext'),
    tcontext: value('tcontext'),
    tclass: value('tclass'),
    permissive: permissive === null ? null : permissive === '1',
    profile: value('profile'),
    operation: value('operation'),
  };
}

const integerIn = (value: string | null): number | null => (value !== null && /^-?\d+$/.test(value) ? Number(value) : null);

export interface SyscallRecord {
  readonly record: AuditRecord;
  readonly syscall: string | null;
  readonly success: boolean | null;
  readonly exit: number | null;
  readonly pid: number | null;
  readonly ppid: number | null;
  readonly uid: number | null;
  readonly auid: number | null;
  readonly comm: string | null;
  readonly exe: string | null;
  readonly subj: string | null;
  readonly key: string | null;
}

export function readSyscall(record: AuditRecord): SyscallRecord | null {
  if (record.type !== 'SYSCALL') return null;
  const fields = record.fields;
  const success = valueOf(fields, 'success');
  return {
    record,
    syscall: valueOf(fields, 'syscall'),
    success: success === null ? null : success === 'yes',
    exit: integerOf(fields, 'exit'),
    pid: integerOf(fields, 'pid'),
    ppid: integerOf(fields, 'ppid'),
    uid: integerOf(fields, 'uid'),
    auid: integerOf(fields, 'auid'),
    comm: valueOf(fields, 'comm'),
    exe: valueOf(fields, 'exe'),
    subj: valueOf(fields, 'subj'),
    key: valueOf(fields, 'key'),
  };
}

export interface PathRecord {
  readonly record: AuditRecord;
  readonly item: number | null;
  readonly name: string | null;
  readonly inode: number | null;
  readonly dev: string | null;
  readonly mode: string | null;
  readonly obj: string | null;
  readonly nametype: string | null;
}

export function readPath(record: AuditRecord): PathRecord | null {
  if (record.type !== 'PATH') return null;
  const fields = record.fields;
  return {
    record,
    item: integerOf(fields, 'item'),
    name: valueOf(fields, 'name'),
    inode: integerOf(fields, 'inode'),
    dev: valueOf(fields, 'dev'),
    mode: valueOf(fields, 'mode'),
    obj: valueOf(fields, 'obj'),
    nametype: valueOf(fields, 'nametype'),
  };
}

export interface AnomalyRecord {
  readonly record: AuditRecord;
  /** ANOM_ABEND, ANOM_PROMISCUOUS, ANOM_LOGIN_FAILURES … */
  readonly kind: string;
  readonly pid: number | null;
  readonly uid: number | null;
  readonly auid: number | null;
  readonly comm: string | null;
  readonly exe: string | null;
  readonly subj: string | null;
  readonly signal: number | null;
  readonly res: string | null;
}

/** Kernel anomalies (1700–1799) and user-space ones (2100–2199). */
export function readAnomaly(record: AuditRecord): AnomalyRecord | null {
  const number = record.typeNumber;
  if (number === null || !((number >= 1700 && number <= 1799) || (number >= 2100 && number <= 2199))) return null;
  const fields = record.fields;
  return {
    record,
    kind: record.type,
    pid: integerOf(fields, 'pid'),
    uid: integerOf(fields, 'uid'),
    auid: integerOf(fields, 'auid'),
    comm: valueOf(fields, 'comm'),
    exe: valueOf(fields, 'exe'),
    subj: valueOf(fields, 'subj'),
    signal: integerOf(fields, 'sig'),
    res: valueOf(fields, 'res'),
  };
}

export type HostEventKind = 'boot' | 'shutdown' | 'daemon-start' | 'daemon-end' | 'daemon-abort' | 'daemon-resume' | 'daemon-rotate';

export interface HostEventRecord {
  readonly record: AuditRecord;
  readonly kind: HostEventKind;
  readonly node: string | null;
  readonly res: string | null;
}

const HOST_EVENTS: Readonly<Record<string, HostEventKind>> = {
  SYSTEM_BOOT: 'boot',
  SYSTEM_SHUTDOWN: 'shutdown',
  DAEMON_START: 'daemon-start',
  DAEMON_END: 'daemon-end',
  DAEMON_ABORT: 'daemon-abort',
  DAEMON_RESUME: 'daemon-resume',
  DAEMON_ROTATE: 'daemon-rotate',
};

/** Host and audit-daemon life events: the boundaries of what a log can say about running guests. */
export function readHostEvent(record: AuditRecord): HostEventRecord | null {
  const kind = HOST_EVENTS[record.type];
  if (kind === undefined) return null;
  return { record, kind, node: record.node, res: valueOf(record.fields, 'res') };
}
