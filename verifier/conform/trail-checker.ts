// Checks a whole audit trail, in log order, against the trail rules (trail-rule-catalog): per guest
// (node + uuid) it follows the start block, the session and what is assigned, and reports where the
// trail departs from what libvirt writes. What cannot be judged (a guest whose start is before the log,
// records after an audit gap or a host reboot) is not judged.
import type { AuditRecord, AuditTime } from '../../src/model/audit-record.js';
import { readHostEvent } from '../../src/model/kernel-records.js';
import { TRAIL_RULES, type TrailRuleId } from './trail-rule-catalog.js';

/** A record where the trail breaks a trail rule. */
export interface TrailFinding {
  /** The rule. */
  readonly rule: TrailRuleId;
  /** The log. */
  readonly file: string;
  /** The record's line, from 1. */
  readonly line: number;
  /** The record's type. */
  readonly type: string;
  /** The record's serial. */
  readonly serial: number | null;
  /** Its guest's name. */
  readonly vm: string | null;
  /** Its guest's UUID. */
  readonly uuid: string | null;
  /** What is wrong. */
  readonly message: string;
}

/** What the checker knows of a guest: 'unknown' until it has seen a start or a stop. */
type GuestState = 'unknown' | 'running' | 'stopped' | 'failed';

interface GuestTrail {
  state: GuestState;
  /** Whether the current session's start was seen, so its assignments are known. */
  knowsAssignments: boolean;
  name: string | null;
  vmPid: number | null;
  lastTime: AuditTime | null;
  /** Records of the start block: since the guest's previous VIRT_CONTROL. */
  labels: number;
  startKinds: Set<string>;
  /** What the block's reason=start records assign (kind and value). */
  /** Values assigned by the reason=start records before op=start, with how many times each (not a list: a trail of start records without an op=start grew it without end). */
  startValues: Map<string, number>;
  sawDenyAll: boolean;
  /** Values assigned now, by resource kind and value, with how many times. */
  readonly assigned: Map<string, number>;
  /** Paths the guest's cgroup allows now (class=path). */
  readonly allowed: Map<string, number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NUMBER = /^-?\d+$/;
const GENERIC_KINDS = new Set(['disk', 'fs', 'net', 'chardev', 'rng', 'smartcard']);
/** Reasons only a running guest's records carry. */
const LIVE_REASONS = new Set(['attach', 'detach', 'update', 'mirror', 'snapshot']);

const keyOf = (node: string | null, value: string): string => `${node ?? ''}\u0000${value}`;
const earlier = (a: AuditTime, b: AuditTime): boolean => a.sec < b.sec || (a.sec === b.sec && a.ms < b.ms);

/** A copy of `text` that owns its chars: a value read from a line is a slice of it, and a kept slice keeps the whole line. */
const ownCopy = (text: string): string => Buffer.from(text, 'utf16le').toString('utf16le');

function count(map: Map<string, number>, key: string, delta: 1 | -1): boolean {
  const now = map.get(key);
  if (delta === -1 && now === undefined) return false;
  const next = (now ?? 0) + delta;
  if (next === 0) map.delete(key);
  else map.set(now === undefined ? ownCopy(key) : key, next);
  return true;
}

/** The value a resource record assigns or releases on one side, keyed with its kind; null when not tracked. */
function assignedValue(record: AuditRecord, resrc: string, side: 'old' | 'new'): string | null {
  let value: string | null | undefined;
  if (GENERIC_KINDS.has(resrc)) value = record.payloadValue(`${side}-${resrc}`);
  else if (resrc === 'dev' || resrc.startsWith('tpm')) value = record.payloadValue('device');
  else if (resrc === 'hostdev') value = record.payloadValue('disk') ?? record.payloadValue('chardev');
  else if (resrc === 'shmem' || resrc === 'ivshmem-socket' || resrc === 'evdev') value = record.payloadValue('path');
  if (value === undefined || value === null || value === '?') return null;
  return `${resrc}\u0000${value}`;
}

export class TrailChecker {
  private readonly guests = new Map<string, GuestTrail>();
  /** Running guests by node and name, and by node and vm-pid: the uuid of each. */
  private readonly runningNames = new Map<string, string>();
  private readonly runningPids = new Map<string, string>();
  private checkedRecords = 0;

  constructor(private readonly onFinding: (finding: TrailFinding) => void) {}

  /** VIRT records checked so far. */
  get records(): number {
    return this.checkedRecords;
  }

  /** Guests seen so far. */
  get guestCount(): number {
    return this.guests.size;
  }

  /** Takes every record in log order; reads VIRT records and the host's boot, shutdown and audit-daemon ends. */
  handle(record: AuditRecord): void {
    if (record.type === 'VIRT_CONTROL' || record.type === 'VIRT_RESOURCE' || record.type === 'VIRT_MACHINE_ID') {
      this.checkedRecords++;
      this.virtRecord(record);
      return;
    }
    const host = readHostEvent(record);
    // After a reboot, or records lost while auditd was away, what ran before cannot be judged.
    if (host && (host.kind === 'boot' || host.kind === 'shutdown' || host.kind === 'daemon-end' || host.kind === 'daemon-abort')) this.forget(record.node);
  }

  private report(rule: TrailRuleId, record: AuditRecord, message: string): void {
    const vm = record.payloadValue('vm') ?? null;
    const uuid = record.payloadValue('uuid') ?? null;
    this.onFinding({ rule, file: record.file, line: record.line, type: record.type, serial: record.serial, vm, uuid, message: message || TRAIL_RULES[rule].requires });
  }

  private forget(node: string | null): void {
    for (const [key, guest] of this.guests) {
      if (!key.startsWith(keyOf(node, ''))) continue;
      guest.state = 'unknown';
      guest.knowsAssignments = false;
      guest.assigned.clear();
      guest.allowed.clear();
    }
    for (const map of [this.runningNames, this.runningPids]) for (const key of map.keys()) if (key.startsWith(keyOf(node, ''))) map.delete(key);
  }

  private guestOf(node: string | null, uuid: string): GuestTrail {
    const key = keyOf(node, uuid);
    let guest = this.guests.get(key);
    if (guest === undefined) {
      guest = { state: 'unknown', knowsAssignments: false, name: null, vmPid: null, lastTime: null, labels: 0, startKinds: new Set(), startValues: new Map(), sawDenyAll: false, assigned: new Map(), allowed: new Map() };
      this.guests.set(key, guest);
    }
    return guest;
  }

  private virtRecord(record: AuditRecord): void {
    this.checkEnvelope(record);
    const uuid = record.payloadValue('uuid');
    if (typeof uuid !== 'string' || !UUID.test(uuid)) return;
    const guest = this.guestOf(record.node, uuid);
    const vm = record.payloadValue('vm') ?? null;
    if (record.time !== null) {
      if (guest.lastTime !== null && earlier(record.time, guest.lastTime)) {
        this.report('guest-time-order', record, `time ${record.time.sec}.${String(record.time.ms).padStart(3, '0')} is before this guest's previous record (${guest.lastTime.sec}.${String(guest.lastTime.ms).padStart(3, '0')})`);
      }
      guest.lastTime = record.time;
    }
    if (guest.state === 'running' && guest.name !== null && vm !== null && vm !== guest.name) {
      this.report('vm-uuid-paired', record, `vm=${JSON.stringify(vm)} in a session of ${JSON.stringify(guest.name)} (uuid ${uuid})`);
    }
    // A record whose outcome or object cannot be read may have assigned or released anything.
    if (!this.readable(record)) guest.knowsAssignments = false;
    if (record.type === 'VIRT_MACHINE_ID') guest.labels++;
    else if (record.type === 'VIRT_RESOURCE') this.resource(record, guest);
    else this.control(record, guest, uuid, vm);
  }

  private readable(record: AuditRecord): boolean {
    const res = record.payloadValue('res');
    if (res !== 'success' && res !== 'failed') return false;
    if (record.type === 'VIRT_RESOURCE') return Boolean(record.payloadValue('resrc')) && Boolean(record.payloadValue('reason'));
    if (record.type === 'VIRT_CONTROL') return Boolean(record.payloadValue('op'));
    return true;
  }

  private checkEnvelope(record: AuditRecord): void {
    const missing = ['pid', 'uid', 'auid', 'ses'].filter((name) => !NUMBER.test(record.headerValue(name) ?? ''));
    const exe = record.payloadValue('exe');
    if (exe === undefined || exe === null || exe === '') missing.push('exe');
    if (missing.length > 0) this.report('record-subject', record, `no subject field ${missing.join(', ')}`);
    const res = record.payloadValue('res');
    if (res !== 'success' && res !== 'failed') this.report('record-outcome', record, res === undefined || res === null ? 'no res= field' : `res=${JSON.stringify(res)} is neither success nor failed`);
    const objectProblems: string[] = [];
    const vm = record.payloadValue('vm');
    if (vm === undefined || vm === null) objectProblems.push('no vm=');
    const uuid = record.payloadValue('uuid');
    if (uuid === undefined || uuid === null) objectProblems.push('no uuid=');
    else if (!UUID.test(uuid)) objectProblems.push(`uuid=${JSON.stringify(uuid)} is not a UUID`);
    if (record.type === 'VIRT_CONTROL' && !record.payloadValue('op')) objectProblems.push('no op=');
    if (record.type === 'VIRT_RESOURCE' && !record.payloadValue('resrc')) objectProblems.push('no resrc=');
    if (objectProblems.length > 0) this.report('record-object', record, objectProblems.join('; '));
    if (record.time === null || record.serial === null) this.report('record-time', record, `no ${record.time === null ? 'timestamp' : 'serial'} of its own (${record.form} line)`);
  }

  private resource(record: AuditRecord, guest: GuestTrail): void {
    const resrc = record.payloadValue('resrc') ?? '';
    const reason = record.payloadValue('reason') ?? '';
    const success = record.payloadValue('res') === 'success';
    if (resrc === 'cgroup') return this.cgroup(record, guest, reason);
    if (reason === 'start') {
      guest.startKinds.add(resrc);
      const value = success ? assignedValue(record, resrc, 'new') : null;
      if (value !== null) count(guest.startValues, value, 1);
    }
    if (!LIVE_REASONS.has(reason)) return;
    if (guest.state === 'failed' || guest.state === 'stopped') {
      this.report(guest.state === 'failed' ? 'failed-start-quiet' : 'stopped-quiet', record, `${resrc} ${reason} after the guest's ${guest.state === 'failed' ? 'failed start' : 'stop'}`);
      return;
    }
    if (!success || !guest.knowsAssignments) return;
    const released = reason === 'attach' ? null : assignedValue(record, resrc, 'old');
    const taken = reason === 'detach' ? null : assignedValue(record, resrc, 'new');
    if (released !== null && !count(guest.assigned, released, -1)) {
      this.report('detach-unassigned', record, `${resrc} ${reason} releases ${JSON.stringify(released.split('\u0000')[1])}, which the guest was not assigned`);
    }
    if (taken !== null) count(guest.assigned, taken, 1);
  }

  private cgroup(record: AuditRecord, guest: GuestTrail, reason: string): void {
    const kind = record.payloadValue('class');
    const path = record.payloadValue('path');
    const starting = guest.state !== 'running';
    if (kind === 'all' && reason === 'deny') {
      guest.sawDenyAll = true;
      guest.allowed.clear();
      return;
    }
    if (reason === 'allow') {
      // Judged only where the start block began in view: with the guest's state unknown (the log began
      // while it ran), an allow may be a hot-plug's.
      const blockInView = guest.labels > 0 || guest.state !== 'unknown';
      if (starting && blockInView && !guest.sawDenyAll) this.report('cgroup-deny-first', record, `cgroup allow ${kind === 'path' ? JSON.stringify(path) : `class=${String(kind)}`} before the guest's "deny all"`);
      if (kind === 'path' && typeof path === 'string') count(guest.allowed, path, 1);
      return;
    }
    if (reason === 'deny' && kind === 'path' && typeof path === 'string' && guest.state === 'running' && guest.knowsAssignments && !count(guest.allowed, path, -1)) {
      this.report('cgroup-deny-unallowed', record, `cgroup deny of ${JSON.stringify(path)}, which was never allowed in this session`);
    }
  }

  private control(record: AuditRecord, guest: GuestTrail, uuid: string, vm: string | null): void {
    const op = record.payloadValue('op');
    const success = record.payloadValue('res') === 'success';
    const pidText = record.payloadValue('vm-pid');
    const vmPid = pidText !== undefined && pidText !== null && NUMBER.test(pidText) ? Number(pidText) : null;
    if (op === 'start') this.start(record, guest, uuid, vm, vmPid, success);
    else if (op === 'stop') this.stop(record, guest, uuid, vmPid);
    else if (op === 'init' && guest.state === 'running' && vmPid !== null && vmPid !== 0 && guest.vmPid !== null && vmPid !== guest.vmPid) {
      this.report('vm-pid-stable', record, `vm-pid=${vmPid} in a session started with vm-pid=${guest.vmPid}`);
    }
    guest.labels = 0;
    guest.startKinds = new Set();
    guest.startValues = new Map();
    guest.sawDenyAll = false;
  }

  private start(record: AuditRecord, guest: GuestTrail, uuid: string, vm: string | null, vmPid: number | null, success: boolean): void {
    const missing = ['mem', 'vcpu'].filter((kind) => !guest.startKinds.has(kind));
    if (missing.length > 0) this.report('start-context', record, `op=start without its reason=start record${missing.length > 1 ? 's' : ''} for ${missing.join(' and ')} before it`);
    if (guest.labels === 0) this.report('start-labels', record, 'op=start without a VIRT_MACHINE_ID (security label) of the guest before it');
    if (guest.state === 'running') this.report('start-while-running', record, `op=start while the guest runs (started with vm-pid=${guest.vmPid ?? '?'}, no stop since)`);
    this.leave(record.node, guest, uuid);
    if (!success) {
      guest.state = 'failed';
      guest.knowsAssignments = false;
      return;
    }
    const node = record.node;
    if (vm !== null) {
      const other = this.runningNames.get(keyOf(node, vm));
      if (other !== undefined && other !== uuid) this.report('vm-uuid-paired', record, `vm=${JSON.stringify(vm)} started as uuid ${uuid} while uuid ${other} of the same name runs`);
      this.runningNames.set(keyOf(node, vm), uuid);
    }
    if (vmPid !== null && vmPid !== 0) {
      const other = this.runningPids.get(keyOf(node, String(vmPid)));
      if (other !== undefined && other !== uuid) this.report('vm-pid-unique', record, `vm-pid=${vmPid} is already the QEMU of running guest ${other}`);
      this.runningPids.set(keyOf(node, String(vmPid)), uuid);
    }
    guest.state = 'running';
    guest.knowsAssignments = true;
    guest.name = vm;
    guest.vmPid = vmPid;
    guest.assigned.clear();
    for (const [assigned, times] of guest.startValues) guest.assigned.set(assigned, times);
  }

  private stop(record: AuditRecord, guest: GuestTrail, uuid: string, vmPid: number | null): void {
    if (guest.state === 'stopped' || guest.state === 'failed') {
      this.report(guest.state === 'failed' ? 'failed-start-quiet' : 'stop-without-start', record, guest.state === 'failed' ? 'op=stop after the guest\'s failed start' : 'op=stop of a guest that is not running (its start is missing)');
    } else if (guest.state === 'running' && vmPid !== null && vmPid !== 0 && guest.vmPid !== null && vmPid !== guest.vmPid) {
      this.report('vm-pid-stable', record, `vm-pid=${vmPid} in a session started with vm-pid=${guest.vmPid}`);
    }
    this.leave(record.node, guest, uuid);
    guest.state = 'stopped';
    guest.knowsAssignments = false;
    guest.assigned.clear();
    guest.allowed.clear();
  }

  /** Takes a guest out of the running maps (its name and QEMU pid are free again). */
  private leave(node: string | null, guest: GuestTrail, uuid: string): void {
    if (guest.name !== null && this.runningNames.get(keyOf(node, guest.name)) === uuid) this.runningNames.delete(keyOf(node, guest.name));
    if (guest.vmPid !== null && this.runningPids.get(keyOf(node, String(guest.vmPid))) === uuid) this.runningPids.delete(keyOf(node, String(guest.vmPid)));
  }
}
