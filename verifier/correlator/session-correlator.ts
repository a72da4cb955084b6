// The correlator with auvirt's known bugs fixed (auvirt-behaviour.md §3): sessions per node and guest,
// every resource kind with attach/detach/update lifetimes, AVCs and anomalies tied only to guests that
// run at the time, host shutdowns closing sessions. One pass; every lookup is a map.
import {
  findField, interpretUid, readAnomaly, readAvc, readHostEvent, splitLibauditTail, type AuditEvent, type AuditRecord, type TypeSelection,
} from '../../src/index.js';
import type { GuestSession, ProofId, ReportRow, ResourceAssignment, SecurityLabel, StopRecord } from './session-model.js';

const proofOf = (record: AuditRecord, event: AuditEvent): ProofId => ({
  node: event.node,
  sec: event.time?.sec ?? 0,
  ms: event.time?.ms ?? 0,
  serial: event.serial ?? 0,
});

const keyOf = (node: string | null, uuid: string): string => `${node ?? ''}\u0000${uuid}`;

/** The MCS level of an SELinux context: what follows its third colon. */
export function mcsLevel(context: string | null | undefined): string | null {
  if (!context) return null;
  const parts = context.split(':');
  return parts.length > 3 ? parts.slice(3).join(':') : null;
}

function userOf(record: AuditRecord): string | null {
  const uid = findField(record.header, 'uid') ?? findField(record.fields, 'uid');
  if (uid === undefined) return null;
  const enriched = record.enrichment.find((field) => field.name === 'UID')?.value;
  return interpretUid(uid.raw, enriched);
}

interface Pending {
  name: string;
  virt: string | null;
  labels: SecurityLabel[];
  resources: ResourceAssignment[];
}

const GENERIC = new Set(['disk', 'fs', 'net', 'chardev', 'rng', 'smartcard']);
const COUNTERS = new Set(['mem', 'vcpu', 'iothread']);

export class SessionCorrelator {
  readonly sessions: GuestSession[] = [];
  readonly rows: ReportRow[] = [];
  /** AVC denials and anomalies of no known guest: reported, not dropped. */
  readonly unmatched: { avcs: number; anomalies: number } = { avcs: 0, anomalies: 0 };
  private readonly running = new Map<string, GuestSession>();
  private readonly latest = new Map<string, GuestSession>();
  private readonly pending = new Map<string, Pending>();
  /** Sessions closed because auditd ended; a later record of the guest reopens them. */
  private readonly provisionallyDown = new Map<string, { session: GuestSession; proof: ProofId }>();
  private readonly byLevel = new Map<string, string>();
  private readonly byPid = new Map<string, GuestSession>();
  private readonly openValues = new Map<string, ResourceAssignment[]>();

  /**
   * The events `handle` reads, by their first record's type: VIRT_*, host events, ANOM_*, and AVCs
   * (the kernel writes an AVC before the SYSCALL record of its event). Data, so it crosses to a reading thread.
   */
  static readonly keepTypes: TypeSelection = { prefixes: ['VIRT_', 'ANOM_', 'SYSTEM_', 'DAEMON_'], names: ['AVC', 'USER_AVC'], numbers: [[1700, 1799], [2100, 2199]] };

  handle(event: AuditEvent): void {
    const first = event.records[0]!;
    switch (first.type) {
      case 'VIRT_MACHINE_ID':
        return this.machineId(first, event);
      case 'VIRT_CONTROL':
        return this.control(first, event);
      case 'VIRT_RESOURCE':
        return this.resource(first, event);
      default:
        break;
    }
    const host = readHostEvent(first);
    if (host?.kind === 'boot' || host?.kind === 'shutdown') return this.hostDown(event, false);
    // auditd ending says nothing about the guests: provisional, undone if a guest is seen running on.
    if (host?.kind === 'daemon-end' || host?.kind === 'daemon-abort') return this.hostDown(event, true);
    for (const record of event.records) {
      if (record.type === 'AVC' || record.type === 'USER_AVC') this.avc(record, event);
    }
    const anomaly = readAnomaly(first);
    if (anomaly) this.anomaly(anomaly.record, event, anomaly.pid, anomaly.signal);
  }

  /** Ends the stream: what is still provisionally down (auditd ended with it open) is reported as down. */
  finish(): void {
    for (const [key, { session, proof }] of this.provisionallyDown) {
      this.provisionallyDown.delete(key);
      this.rows.push({ kind: 'down', session, proof });
    }
    for (const [key, pending] of this.pending) {
      if (pending.labels.length === 0 && pending.resources.length === 0) continue;
      const [node, uuid] = key.split('\u0000') as [string, string];
      const session = this.newSession(node === '' ? null : node, uuid, pending, null);
      for (const resource of pending.resources) this.rows.push({ kind: 'resrc', session, resource });
    }
    this.pending.clear();
  }

  private payloadValue(record: AuditRecord, name: string): string | null {
    return record.payload === null ? null : (findField(record.payload, name)?.value ?? null);
  }

  private guestOf(record: AuditRecord): { node: string | null; uuid: string; name: string; virt: string | null } | null {
    const uuid = this.payloadValue(record, 'uuid');
    const name = this.payloadValue(record, 'vm');
    if (uuid === null || name === null) return null; // dockerd and other writers without a guest UUID
    return { node: record.node, uuid, name, virt: this.payloadValue(record, 'virt') };
  }

  private pendingOf(key: string, name: string, virt: string | null): Pending {
    let pending = this.pending.get(key);
    if (!pending) {
      pending = { name, virt, labels: [], resources: [] };
      this.pending.set(key, pending);
    }
    return pending;
  }

  private success(record: AuditRecord): boolean {
    return this.payloadValue(record, 'res') === 'success';
  }

  private machineId(record: AuditRecord, event: AuditEvent): void {
    const guest = this.guestOf(record);
    if (!guest) return;
    const vmContext = this.payloadValue(record, 'vm-ctx');
    const label: SecurityLabel = {
      model: this.payloadValue(record, 'model') ?? '?',
      vmContext,
      imageContext: this.payloadValue(record, 'img-ctx'),
      level: this.payloadValue(record, 'model') === 'selinux' ? mcsLevel(vmContext) : null,
      proof: proofOf(record, event),
    };
    const key = keyOf(guest.node, guest.uuid);
    this.pendingOf(key, guest.name, guest.virt).labels.push(label);
    if (label.level !== null) this.byLevel.set(`${guest.node ?? ''}\u0000${label.level}`, key);
  }

  private newSession(node: string | null, uuid: string, pending: Pending, start: GuestSession['start']): GuestSession {
    const session: GuestSession = {
      node, uuid, name: pending.name, virt: pending.virt, start, stops: [], end: null,
      labels: pending.labels, resources: pending.resources, avcs: [], anomalies: [],
    };
    this.sessions.push(session);
    this.latest.set(keyOf(node, uuid), session);
    return session;
  }

  private control(record: AuditRecord, event: AuditEvent): void {
    const guest = this.guestOf(record);
    if (!guest) return;
    const op = this.payloadValue(record, 'op');
    const key = keyOf(guest.node, guest.uuid);
    const proof = proofOf(record, event);
    const success = this.success(record);
    const user = userOf(record);
    const reason = this.payloadValue(record, 'reason');
    if (op === 'start') {
      this.provisionallyDown.delete(key);
      const previous = this.running.get(key);
      if (previous && success) this.close(previous, 'restarted', proof);
      const pending = this.pending.get(key) ?? { name: guest.name, virt: guest.virt, labels: [], resources: [] };
      this.pending.delete(key);
      const vmPidText = this.payloadValue(record, 'vm-pid');
      const vmPid = vmPidText !== null && /^-?\d+$/.test(vmPidText) ? Number(vmPidText) : null;
      const session = this.newSession(guest.node, guest.uuid, pending, { reason, success, vmPid, user, proof });
      for (const resource of session.resources) {
        this.rows.push({ kind: 'resrc', session, resource });
        if (resource.success && resource.end === null) this.track(session, resource);
      }
      this.rows.push({ kind: 'start', session });
      if (!success) {
        this.close(session, 'failed-start', proof);
        return;
      }
      this.running.set(key, session);
      if (vmPid !== null && vmPid > 0) this.byPid.set(`${guest.node ?? ''}\u0000${vmPid}`, session);
    } else if (op === 'stop') {
      const stop: StopRecord = { reason, success, user, proof };
      let session = this.running.get(key);
      const reopened = this.provisionallyDown.get(key);
      if (!session && reopened) {
        // auditd ended and came back while the guest ran on: the session goes on.
        this.provisionallyDown.delete(key);
        session = reopened.session;
        session.end = null;
        for (const resource of session.resources) {
          if (resource.endedBy === 'down' && resource.end === reopened.proof) {
            resource.end = null;
            resource.endedBy = null;
            resource.proofs.pop();
          }
        }
        this.running.set(key, session);
      }
      if (!session) {
        // The log began mid-session: the stop is shown, with what was assigned before it.
        const pending = this.pending.get(key) ?? { name: guest.name, virt: guest.virt, labels: [], resources: [] };
        this.pending.delete(key);
        session = this.newSession(guest.node, guest.uuid, pending, null);
        for (const resource of session.resources) {
          this.rows.push({ kind: 'resrc', session, resource });
          if (resource.success && resource.end === null) this.track(session, resource);
        }
      }
      session.stops.push(stop);
      this.rows.push({ kind: 'stop', session, stop });
      if (success) {
        this.close(session, 'stopped', proof);
        this.running.delete(key);
      } else if (session.start === null) {
        this.running.set(key, session);
      }
    }
  }

  private close(session: GuestSession, how: NonNullable<GuestSession['end']>['how'], proof: ProofId): void {
    session.end = { how, proof };
    const endedBy = how === 'stopped' ? 'stop' : how;
    for (const resource of session.resources) {
      if (resource.success && resource.end === null) {
        resource.end = proof;
        resource.endedBy = endedBy;
        resource.proofs.push(proof);
      }
    }
    this.running.delete(keyOf(session.node, session.uuid));
    const vmPid = session.start?.vmPid;
    if (vmPid) this.byPid.delete(`${session.node ?? ''}\u0000${vmPid}`);
  }

  private track(session: GuestSession, resource: ResourceAssignment): void {
    const key = `${keyOf(session.node, session.uuid)}\u0000${resource.kind}\u0000${resource.value}`;
    this.openValues.set(key, [...(this.openValues.get(key) ?? []), resource]);
  }

  private release(session: GuestSession, kind: string, value: string | null, by: 'update' | 'detach', proof: ProofId): void {
    if (value === null) return;
    const matches = COUNTERS.has(kind)
      ? session.resources.filter((resource) => resource.kind === kind)
      : (this.openValues.get(`${keyOf(session.node, session.uuid)}\u0000${kind}\u0000${value}`) ?? []);
    const open = [...matches].reverse().find((resource) => resource.end === null && resource.success);
    if (!open) return;
    open.end = proof;
    open.endedBy = by;
    open.proofs.push(proof);
  }

  private resource(record: AuditRecord, event: AuditEvent): void {
    const guest = this.guestOf(record);
    if (!guest) return;
    const proof = proofOf(record, event);
    const key = keyOf(guest.node, guest.uuid);
    const body = splitLibauditTail(record.payload ?? []).body;
    const value = (name: string): string | null => findField(body, name)?.value ?? null;
    const resrc = value('resrc') ?? '?';
    const reason = value('reason') ?? '?';
    const success = this.success(record);
    const kind = resrc === 'net' && reason === 'open' ? 'net-open' : resrc;
    let current: string | null;
    let previous: string | null = null;
    let details: Record<string, string | null> = {};
    if (GENERIC.has(resrc) && kind !== 'net-open') {
      previous = value(`old-${resrc}`);
      current = value(`new-${resrc}`);
    } else if (COUNTERS.has(resrc)) {
      previous = value(`old-${resrc}`);
      current = value(`new-${resrc}`);
    } else if (kind === 'net-open') {
      current = value('path');
      details = { net: value('net'), rdev: value('rdev') };
    } else if (resrc === 'cgroup') {
      const cgroupClass = value('class');
      current = [reason, cgroupClass, cgroupClass === 'path' ? value('path') : cgroupClass === 'major' ? value('category') : null, value('acl')].filter((part) => part !== null).join(' ');
      details = { cgroup: value('cgroup'), class: cgroupClass, path: value('path'), category: value('category'), maj: value('maj'), rdev: value('rdev'), acl: value('acl') };
    } else if (resrc === 'dev') {
      current = [value('bus'), value('device')].filter((part) => part !== null).join(' ');
      details = { bus: value('bus'), device: value('device') };
    } else {
      current = value('device') ?? value('disk') ?? value('chardev') ?? value('path') ?? body.slice(5).map((field) => `${field.name}=${field.value ?? '?'}`).join(' ');
      details = Object.fromEntries(body.slice(5).map((field) => [field.name, field.value]));
    }
    const session = this.running.get(key);
    const detaching = reason === 'detach' || (reason !== 'start' && previous !== null && previous !== '0');
    if (session && detaching && success) this.release(session, kind, previous, reason === 'detach' ? 'detach' : 'update', proof);
    const opens = current !== null && current !== '0';
    const shown = opens ? current! : reason === 'detach' || previous !== null ? previous : null;
    if (shown === null) return;
    const resource: ResourceAssignment = {
      kind, reason, value: shown, previous: opens ? previous : null, success, user: userOf(record), start: proof,
      end: opens ? null : proof, endedBy: opens ? null : 'detach', details, proofs: [proof],
    };
    if (!session) {
      // Announced before its VIRT_CONTROL start (or in a log without one): part of the next session.
      this.pendingOf(key, guest.name, guest.virt).resources.push(resource);
      return;
    }
    session.resources.push(resource);
    this.rows.push({ kind: 'resrc', session, resource });
    if (resource.success && resource.end === null) this.track(session, resource);
  }

  private sessionFor(key: string | undefined): GuestSession | undefined {
    if (key === undefined) return undefined;
    return this.running.get(key) ?? this.latest.get(key);
  }

  private avc(record: AuditRecord, event: AuditEvent): void {
    const avc = readAvc(record);
    if (!avc) return;
    const node = event.node ?? '';
    const syscall = event.records.find((candidate) => candidate.type === 'SYSCALL');
    const user = syscall ? userOf(syscall) : null;
    let session: GuestSession | undefined;
    let matchedBy: GuestSession['avcs'][number]['matchedBy'] = 'scontext-level';
    if (avc.kind === 'selinux') {
      const scontextLevel = mcsLevel(avc.scontext);
      const tcontextLevel = mcsLevel(avc.tcontext);
      // The process is a running guest's: only a guest running now carries that level (levels are reused).
      const byScontext = scontextLevel === null ? undefined : this.byLevel.get(`${node}\u0000${scontextLevel}`);
      session = byScontext === undefined ? undefined : this.running.get(byScontext);
      if (!session && tcontextLevel !== null) {
        session = this.sessionFor(this.byLevel.get(`${node}\u0000${tcontextLevel}`));
        matchedBy = 'tcontext-level';
      }
    } else {
      const profile = avc.profile?.slice(avc.profile.lastIndexOf('/') + 1) ?? '';
      if (profile.startsWith('libvirt-')) {
        session = this.sessionFor(keyOf(event.node, profile.slice('libvirt-'.length)));
        matchedBy = 'apparmor-profile';
      }
      if (!session && avc.name !== null) {
        session = [...this.running.values()].find((candidate) => candidate.resources.some((resource) => resource.end === null && resource.value === avc.name));
        matchedBy = 'resource-path';
      }
    }
    if (!session) {
      this.unmatched.avcs++;
      return;
    }
    const entry = {
      kind: avc.kind, matchedBy, result: avc.denied ? 'denied' : avc.kind === 'apparmor' ? (findField(record.fields, 'apparmor')?.value ?? 'allowed').toLowerCase() : 'granted',
      permissions: avc.permissions, comm: avc.comm, target: avc.name ?? avc.path, scontext: avc.scontext, tcontext: avc.tcontext, user, proof: proofOf(record, event),
    } as const;
    session.avcs.push(entry);
    this.rows.push({ kind: 'avc', session, avc: entry });
  }

  private anomaly(record: AuditRecord, event: AuditEvent, pid: number | null, signal: number | null): void {
    const node = event.node ?? '';
    let session = pid === null ? undefined : this.byPid.get(`${node}\u0000${pid}`);
    if (!session) {
      const level = mcsLevel(findField(record.fields, 'subj')?.value);
      const candidate = this.sessionFor(level === null ? undefined : this.byLevel.get(`${node}\u0000${level}`));
      if (candidate && candidate.end === null) session = candidate;
    }
    if (!session) {
      this.unmatched.anomalies++;
      return;
    }
    const anomaly = { type: record.type, pid, signal, user: userOf(record), proof: proofOf(record, event) };
    session.anomalies.push(anomaly);
    this.rows.push({ kind: 'anom', session, anomaly });
  }

  private hostDown(event: AuditEvent, provisional: boolean): void {
    const proof = proofOf(event.records[0]!, event);
    for (const [key, session] of [...this.running]) {
      if (session.node !== event.node) continue;
      this.close(session, 'down', proof);
      if (provisional) this.provisionallyDown.set(key, { session, proof });
      else this.rows.push({ kind: 'down', session, proof });
    }
  }
}
