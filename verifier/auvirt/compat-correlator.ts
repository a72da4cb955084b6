// auvirt 3.0.9's correlation, rule for rule (auvirt-behaviour.md §2), quirks included. Where auvirt scans
// its whole event list backwards, this keeps per-guest lists and maps, so a log is processed in linear time.
import { recordTypeNumber, type AuditEvent } from '../../src/index.js';
import { AuparseView, interpretEscaped } from './auparse-view.js';

export type CompatKind = 'start' | 'stop' | 'resrc' | 'avc' | 'anom' | 'machine-id';

export interface CompatEvent {
  readonly kind: CompatKind;
  readonly uuid: string | null;
  readonly name: string | null;
  readonly success: boolean;
  readonly user: string | null;
  readonly start: number;
  end: number;
  readonly proof: number[];
  readonly pid?: number;
  readonly seclevel?: string | null;
  readonly resourceType?: string;
  readonly reason?: string | null;
  readonly value?: string | null;
  readonly cgroupClass?: string | null;
  readonly acl?: string | null;
  readonly detail?: string | null;
  readonly operation?: string | null;
  readonly result?: string | null;
  readonly comm?: string | null;
  readonly target?: string | null;
  readonly context?: string | null;
}

export interface CompatFilter {
  readonly start?: number;
  readonly end?: number;
  readonly vm?: string;
  readonly uuid?: string;
}

export interface CompatOptions {
  /** --all-events or --summary: AVC and anomaly records are processed. */
  readonly correlateAvcAndAnomalies: boolean;
  readonly filter: CompatFilter;
}

const MAX_PROOF = 4;

/** ANOM_* kernel (1700–1799) and user-space (2100–2199) records. */
const isAnomalyType = (type: number): boolean => (type >= 2100 && type <= 2199) || (type >= 1700 && type <= 1799);
const OLD_NEW_TYPES = new Set(['disk', 'vcpu', 'mem', 'rng', 'net']);

function addProof(event: CompatEvent, serial: number): void {
  if (event.proof.length < MAX_PROOF) event.proof.push(serial);
}

/** The level part of an SELinux context: everything after the third colon. */
function seclevelOf(context: string | undefined): string | null {
  if (context === undefined) return null;
  let at = -1;
  for (let colon = 0; colon < 3; colon++) {
    at = context.indexOf(':', at + 1);
    if (at === -1) return null;
  }
  return context.slice(at + 1);
}

const isResourceValue = (value: string | undefined | null): value is string => value !== undefined && value !== null && value !== '' && value !== '0' && value !== '?';

/**
 * One shared copy per distinct string. Values read from a line are slices of it, and V8 keeps the whole
 * line alive as long as a slice lives; the report keeps every event, and names, users, UUIDs and paths
 * repeat, so sharing them keeps memory near the number of distinct values instead of the log's size.
 */
class StringPool {
  private readonly pool = new Map<string, string>();

  private readonly decoded = new Map<string, string>();

  intern<T extends string | null | undefined>(value: T): T {
    if (value === null || value === undefined || value.length < 13) return value;
    const known = this.pool.get(value);
    if (known !== undefined) return known as T;
    const copy = Buffer.from(value, 'latin1').toString('latin1');
    if (this.pool.size >= MAX_POOLED) this.pool.clear();
    this.pool.set(copy, copy);
    return copy as T;
  }

  /** The shared copy of an ESCAPED field's interpretation, found by its raw value. */
  interpretedEscaped(raw: string): string {
    const known = this.decoded.get(raw);
    if (known !== undefined) return known;
    const value = this.intern(interpretEscaped(raw));
    if (this.decoded.size >= MAX_POOLED) this.decoded.clear();
    this.decoded.set(this.intern(raw), value);
    return value;
  }
}

/** Distinct strings shared at most; past it the pool starts over (sharing is for memory, not meaning). */
const MAX_POOLED = 1 << 18;

export class CompatCorrelator {
  readonly events: CompatEvent[] = [];
  private readonly byGuest = new Map<string, CompatEvent[]>();
  /** The last successful resource event of a guest, by resource type and value. */
  private readonly lastResource = new Map<string, Map<string, Map<string, CompatEvent>>>();
  private readonly strings = new StringPool();
  private readonly machineIdBySeclevel = new Map<string, CompatEvent>();

  private readonly options: CompatOptions;

  constructor(options: CompatOptions) {
    this.options = options;
    // auvirt compares bytes: the argument's UTF-8 bytes against the decoded value, one char per byte here.
    const { vm } = options.filter;
    if (vm !== undefined) this.options = { ...options, filter: { ...options.filter, vm: Buffer.from(vm, 'utf8').toString('latin1') } };
  }

  /** The types `reads` answers yes for, as one pattern (it crosses to a reading thread). */
  get keepTypes(): RegExp {
    return this.options.correlateAvcAndAnomalies ? /^(?:VIRT_MACHINE_ID|VIRT_CONTROL|VIRT_RESOURCE|AVC|ANOM_\w+|UNKNOWN\[(?:17|21)\d\d\])$/ : /^(?:VIRT_MACHINE_ID|VIRT_CONTROL|VIRT_RESOURCE)$/;
  }

  /** Whether `handle` does anything with an event whose first record has this type. */
  reads(type: string): boolean {
    if (type === 'VIRT_MACHINE_ID' || type === 'VIRT_CONTROL' || type === 'VIRT_RESOURCE') return true;
    if (!this.options.correlateAvcAndAnomalies) return false;
    if (type === 'AVC') return true;
    const number = recordTypeNumber(type);
    return number !== null && isAnomalyType(number);
  }

  handle(event: AuditEvent): void {
    const view = new AuparseView(event);
    switch (view.first.type) {
      case 'VIRT_MACHINE_ID':
        return this.machineId(view);
      case 'VIRT_CONTROL':
        return this.control(view);
      case 'VIRT_RESOURCE':
        return this.resource(view);
      case 'AVC':
        if (this.options.correlateAvcAndAnomalies) this.avc(view);
        return;
      default: {
        const type = view.first.typeNumber;
        if (this.options.correlateAvcAndAnomalies && type !== null && isAnomalyType(type)) this.anomaly(view);
      }
    }
  }

  /** filter_event: time range, then --vm against the interpreted vm, then --uuid; records without the field pass. */
  private passes(view: AuparseView): boolean {
    const { filter } = this.options;
    const seconds = view.seconds;
    if (filter.start !== undefined && seconds < filter.start) return false;
    if (filter.end !== undefined && seconds > filter.end) return false;
    view.rewind();
    if (filter.vm !== undefined) {
      const vm = view.interpreted('vm');
      if (vm !== undefined && vm !== filter.vm) return false;
    }
    if (filter.uuid !== undefined) {
      const uuid = view.raw('uuid');
      if (uuid !== undefined && uuid !== filter.uuid) return false;
    }
    return true;
  }

  /** extract_virt_fields: uid, then vm, then uuid, then res, each searched after the previous one. */
  private virtFields(view: AuparseView): { user: string; name: string; uuid: string; success: boolean } | null {
    view.rewind();
    const user = view.interpreted('uid');
    if (user === undefined) return null;
    const vm = view.raw('vm');
    if (vm === undefined) return null;
    const uuid = view.raw('uuid');
    if (uuid === undefined) return null;
    const res = view.raw('res');
    if (res === undefined) return null;
    return { user: this.strings.intern(user), name: this.strings.interpretedEscaped(vm), uuid: this.strings.intern(uuid), success: res === 'success' };
  }

  private append(event: CompatEvent): void {
    this.events.push(event);
    if (event.uuid !== null && event.success && event.kind !== 'avc' && event.kind !== 'anom') {
      const list = this.byGuest.get(event.uuid) ?? [];
      list.push(event);
      this.byGuest.set(event.uuid, list);
    }
  }

  private machineId(view: AuparseView): void {
    if (!this.passes(view)) return;
    const fields = this.virtFields(view);
    if (fields === null) return;
    view.rewind();
    const context = view.raw('vm-ctx');
    const seclevel = seclevelOf(context);
    const model = view.raw('model');
    if (model === 'dac') return;
    const event: CompatEvent = { kind: 'machine-id', uuid: fields.uuid, name: fields.name, success: fields.success, user: fields.user, start: view.seconds, end: 0, proof: [view.serial], seclevel };
    this.append(event);
    if (seclevel !== null) this.machineIdBySeclevel.set(seclevel, event);
  }

  private control(view: AuparseView): void {
    if (!this.passes(view)) return;
    const fields = this.virtFields(view);
    if (fields === null) return;
    view.rewind();
    const op = view.raw('op');
    view.rewind();
    const pidText = view.raw('vm-pid');
    const pid = pidText !== undefined && /^-?\d+$/.test(pidText) ? Number(pidText) : -1;
    const time = view.seconds;
    if (op === 'start') {
      if (!fields.success) this.closeSessionResources(fields.uuid, time, view.serial, 'start');
      this.append({ kind: 'start', uuid: fields.uuid, name: fields.name, success: fields.success, user: fields.user, start: time, end: 0, proof: [view.serial], pid });
    } else if (op === 'stop') {
      const start = this.closeSessionResources(fields.uuid, time, view.serial, 'stop');
      if (start === undefined) return; // orphan stop: dropped
      const stop: CompatEvent = { kind: 'stop', uuid: fields.uuid, name: fields.name, success: fields.success, user: fields.user, start: time, end: 0, proof: [view.serial], pid };
      this.append(stop);
      if (fields.success) {
        start.end = time;
        addProof(start, view.serial);
      }
    }
  }

  /**
   * The backwards scan of add_start_guest_event (failed start) and add_stop_guest_event: over this
   * guest's successful events, back to its previous STOP or MACHINE_ID, closing open resources. For a
   * stop it also finds the session's START (none if it already ended, or a second one is met).
   */
  private closeSessionResources(uuid: string, time: number, serial: number, scan: 'start' | 'stop'): CompatEvent | undefined {
    const list = this.byGuest.get(uuid) ?? [];
    let start: CompatEvent | undefined;
    for (let index = list.length - 1; index >= 0; index--) {
      const event = list[index]!;
      if (event.kind === 'start') {
        if (scan === 'start') continue;
        if (event.end !== 0 || start !== undefined) break;
        start = event;
      } else if (event.kind === 'stop' || event.kind === 'machine-id') {
        break;
      } else if (event.kind === 'resrc' && event.end === 0) {
        event.end = time;
        addProof(event, serial);
      }
    }
    return start;
  }

  private resource(view: AuparseView): void {
    if (!this.passes(view)) return;
    const fields = this.virtFields(view);
    if (fields === null) return;
    view.rewind();
    const type = view.raw('resrc');
    if (type === undefined) return;
    const reason = view.raw('reason') ?? null;
    if (reason === null) return;
    const time = view.seconds;
    const serial = view.serial;
    if (OLD_NEW_TYPES.has(type)) {
      const oldValue = view.interpreted(`old-${type}`);
      if (isResourceValue(oldValue) && fields.success) {
        const previous = this.lastResource.get(fields.uuid)?.get(type)?.get(oldValue);
        if (previous) {
          previous.end = time;
          addProof(previous, serial);
        }
      }
      const newValue = view.interpreted(`new-${type}`);
      if (isResourceValue(newValue)) this.addResource(fields, { type, reason, value: newValue, time, serial });
    } else if (type === 'cgroup') {
      const cgroup = view.interpreted('cgroup');
      if (!isResourceValue(cgroup)) return;
      const cgroupClass = view.raw('class') ?? null;
      let detail: string | null = null;
      if (cgroupClass === 'path') detail = view.interpreted('path') ?? null;
      else if (cgroupClass === 'major') detail = view.raw('category') ?? null;
      const acl = cgroupClass === 'all' ? null : (view.raw('acl') ?? null);
      this.addResource(fields, { type, reason, value: cgroup, time, serial, cgroupClass, acl, detail });
    }
  }

  private addResource(
    guest: { user: string; name: string; uuid: string; success: boolean },
    resource: { type: string; reason: string; value: string; time: number; serial: number; cgroupClass?: string | null; acl?: string | null; detail?: string | null },
  ): void {
    const pool = this.strings;
    const type = pool.intern(resource.type);
    const value = pool.intern(resource.value);
    const event: CompatEvent = {
      kind: 'resrc', uuid: guest.uuid, name: guest.name, success: guest.success, user: guest.user,
      start: resource.time, end: 0, proof: [resource.serial], resourceType: type, reason: pool.intern(resource.reason), value,
      cgroupClass: pool.intern(resource.cgroupClass ?? null), acl: pool.intern(resource.acl ?? null), detail: pool.intern(resource.detail ?? null),
    };
    this.append(event);
    if (!guest.success) return;
    let byType = this.lastResource.get(guest.uuid);
    if (byType === undefined) this.lastResource.set(guest.uuid, (byType = new Map()));
    let byValue = byType.get(type);
    if (byValue === undefined) byType.set(type, (byValue = new Map()));
    byValue.set(value, event);
  }

  private avc(view: AuparseView): void {
    if (!this.passes(view)) return;
    view.rewind();
    const scontext = view.raw('scontext');
    if (scontext !== undefined) return this.selinuxAvc(view, scontext);
    view.rewind();
    if (view.raw('apparmor') !== undefined) this.apparmorAvc(view);
  }

  private avcRow(view: AuparseView, guest: { uuid: string | null; name: string | null }, proofStart: number[], row: { operation: string | null; result: string | null; comm: string | null; target: string | null; context: string | null; user: string }): void {
    this.events.push({
      kind: 'avc', uuid: guest.uuid, name: guest.name, success: true, user: row.user, start: view.seconds, end: 0,
      proof: [...proofStart, view.serial].slice(0, MAX_PROOF), operation: row.operation, result: row.result, comm: row.comm, target: row.target, context: row.context,
    });
  }

  private selinuxAvc(view: AuparseView, scontext: string): void {
    const seclevel = seclevelOf(scontext);
    if (seclevel === null) return;
    view.rewind();
    const operation = view.raw('seperms') ?? null;
    view.rewind();
    const result = view.raw('seresult') ?? null;
    view.rewind();
    const comm = view.interpreted('comm') ?? null;
    const target = view.interpreted('name') ?? null;
    view.rewind();
    const tcontext = view.raw('tcontext');
    view.rewind();
    const user = view.interpreted('uid');
    if (user === undefined) return;
    const machine = this.machineIdBySeclevel.get(seclevel);
    if (machine === undefined) return;
    const context = operation === 'relabelfrom' ? scontext : operation === 'relabelto' ? (tcontext ?? null) : null;
    this.avcRow(view, machine, machine.proof.slice(0, 1), { operation, result, comm, target, context, user });
  }

  private apparmorAvc(view: AuparseView): void {
    view.rewind();
    const result = (view.interpreted('apparmor') ?? '').toLowerCase();
    view.rewind();
    const operation = view.interpreted('operation') ?? null;
    view.rewind();
    const profile = view.interpreted('profile');
    view.rewind();
    const name = view.interpreted('name') ?? null;
    view.rewind();
    const comm = view.interpreted('comm') ?? null;
    view.rewind();
    const user = view.interpreted('uid');
    if (user === undefined) return;
    const row = { operation, result, comm, target: name, context: null, user };
    const base = profile?.slice(profile.lastIndexOf('/') + 1);
    if (base?.startsWith('libvirt-')) {
      const uuid = base.slice('libvirt-'.length);
      const list = this.byGuest.get(uuid) ?? [];
      for (let index = list.length - 1; index >= 0; index--) {
        const event = list[index]!;
        if (event.kind === 'stop') break;
        if (event.kind === 'machine-id') {
          this.avcRow(view, event, event.proof.slice(0, 1), row);
          break;
        }
      }
    }
    if (name !== null) {
      for (let index = this.events.length - 1; index >= 0; index--) {
        const event = this.events[index]!;
        if (event.kind === 'resrc' && event.success && event.end === 0 && event.value === name) {
          this.avcRow(view, event, [...event.proof], row);
          break;
        }
      }
    }
  }

  /** auvirt looks only at the last event of its list (a loop that walks forward from the tail). */
  private anomaly(view: AuparseView): void {
    if (!this.passes(view)) return;
    view.rewind();
    const pidText = view.raw('pid');
    if (pidText === undefined) return;
    const pid = Number(pidText);
    const tail = this.events.at(-1);
    let guest: CompatEvent | undefined;
    if (tail?.kind === 'start' && tail.success && tail.end === 0 && tail.pid === pid) guest = tail;
    else {
      const seclevel = seclevelOf(view.raw('subj'));
      if (seclevel === null) return;
      const machine = this.machineIdBySeclevel.get(seclevel);
      if (machine === undefined || tail?.kind !== 'start' || tail.uuid !== machine.uuid || !tail.success || tail.end !== 0) return;
      guest = tail;
    }
    view.rewind();
    const user = view.interpreted('uid');
    if (user === undefined) return;
    this.events.push({ kind: 'anom', uuid: guest.uuid, name: guest.name, success: true, user, start: view.seconds, end: 0, proof: [guest.proof[0]!, view.serial] });
  }
}
