// auvirt 3.0.9's correlation, rule for rule (auvirt-behaviour.md §2), quirks included. Where auvirt scans
// its whole event list backwards, this keeps per-guest lists and maps, so a log is processed in linear time.
import type { AuditEvent } from '../../src/reader/event-grouper.js';
import { aureportStamp } from '../search/aureport-record.js';
import { AuparseView, interpretationOf, interpretEscaped, ttyEscape } from './auparse-view.js';
import { ANOMALY_TYPES } from './compat-reading.js';
import { IndexList } from '../correlator/index-list.js';
import { ANOM, AVC, CompatEventTable, MACHINE_ID, NO_STRING, RESRC, START, STOP, type SpoolOptions } from './compat-event-table.js';

export type { CompatEvent, CompatKind } from './compat-event-table.js';

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
  /** How the report's rows are paged to a temporary file (tests make the pages small). */
  readonly spool?: SpoolOptions;
}

/** ANOM_* kernel (1700–1799) and user-space (2100–2199) records. */
const isAnomalyType = (type: number): boolean => ANOMALY_TYPES.some(([low, high]) => type >= low && type <= high);
const OLD_NEW_TYPES = new Set(['disk', 'vcpu', 'mem', 'rng', 'net']);
const OLD_FIELD = new Map([...OLD_NEW_TYPES].map((type) => [type, `old-${type}`]));
const NEW_FIELD = new Map([...OLD_NEW_TYPES].map((type) => [type, `new-${type}`]));

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

/** Slots of StringTable.recentId. */
const enum Recent {
  User,
  Uuid,
  Type,
  Reason,
  Value,
  CgroupClass,
  Acl,
  Detail,
}

interface Guest {
  readonly user: number;
  readonly name: number;
  readonly uuid: number;
  readonly success: boolean;
}

interface AvcRow {
  readonly operation: string | null;
  readonly result: string | null;
  readonly comm: string | null;
  readonly target: string | null;
  readonly context: string | null;
  readonly user: string;
}

const unreadableStamp = (text: string): boolean => {
  const stamp = aureportStamp(text);
  return stamp !== null && 'unreadable' in stamp;
};

export class CompatCorrelator {
  readonly events: CompatEventTable;
  private readonly strings: CompatEventTable['strings'];
  /** Each guest's successful events other than AVCs and anomalies since its newest STOP or MACHINE_ID, by UUID. */
  private readonly byGuest = new Map<number, IndexList>();
  /** The last successful resource event of a guest, by UUID, resource type and value. */
  private readonly lastResource = new Map<number, Map<number, Map<number, number>>>();
  private readonly machineIdBySeclevel = new Map<number, number>();
  /** ESCAPED values as auparse interprets them, by their raw text. */
  private readonly escaped = new Map<string, number>();
  private lastEscapedRaw: string | undefined;
  private lastEscapedId = NO_STRING;

  private readonly options: CompatOptions;

  constructor(options: CompatOptions) {
    this.options = options;
    this.events = new CompatEventTable(options.spool);
    this.strings = this.events.strings;
    // auvirt compares bytes: the argument's UTF-8 bytes against the decoded value, one char per byte here.
    const { vm } = options.filter;
    if (vm !== undefined) this.options = { ...options, filter: { ...options.filter, vm: Buffer.from(vm, 'utf8').toString('latin1') } };
  }

  handle(event: AuditEvent): void {
    // auparse cannot read a stamp beyond unsigned long (a damaged one): 3.0.9 never sees the record.
    const suspect = (event.serial ?? 0) > Number.MAX_SAFE_INTEGER || (event.time?.sec ?? 0) > Number.MAX_SAFE_INTEGER;
    if (suspect && unreadableStamp(event.records[0]!.text)) return;
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
  private virtFields(view: AuparseView): Guest | null {
    view.rewind();
    const user = view.interpreted('uid');
    if (user === undefined) return null;
    const vm = view.find('vm');
    if (vm === undefined) return null;
    const listedName = interpretationOf(vm.record, 'vm');
    const uuid = view.raw('uuid');
    if (uuid === undefined) return null;
    const res = view.raw('res');
    // An empty res= (a line cut right after it) is no field to auparse: 3.0.9 skips the record, as for
    // a missing one; `res=:` is a field, empty once its colon is cut, and the record failed.
    if (res === undefined) return null;
    return { user: this.strings.recentId(Recent.User, user), name: listedName === undefined ? this.interpretedEscaped(vm.raw) : this.strings.id(listedName), uuid: this.strings.recentId(Recent.Uuid, uuid), success: res === 'success' };
  }

  private interpretedEscaped(raw: string): number {
    if (raw === this.lastEscapedRaw) return this.lastEscapedId;
    const id = this.lookUpEscaped(raw);
    this.lastEscapedRaw = raw;
    this.lastEscapedId = id;
    return id;
  }

  private lookUpEscaped(raw: string): number {
    const known = this.escaped.get(raw);
    if (known !== undefined) return known;
    const id = this.strings.id(ttyEscape(interpretEscaped(raw)));
    if (this.escaped.size >= 1 << 16) this.escaped.clear();
    this.escaped.set(Buffer.from(raw, 'latin1').toString('latin1'), id);
    return id;
  }

  private append(kind: number, guest: Guest, start: number, serial: number, pid?: number): number {
    const index = this.events.add({ kind, uuid: guest.uuid, name: guest.name, user: guest.user, success: guest.success, start, pid: pid ?? Number.NaN });
    this.events.addProof(index, serial);
    if (guest.success && kind !== AVC && kind !== ANOM) {
      let list = this.byGuest.get(guest.uuid);
      if (list === undefined) this.byGuest.set(guest.uuid, (list = new IndexList(16)));
      // Every scan of a guest's list (a stop's, a failed start's, an AppArmor AVC's) ends at its newest
      // STOP or MACHINE_ID: what came before is never read again.
      if (kind === STOP || kind === MACHINE_ID) list.restart(index);
      else list.push(index);
    }
    return index;
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
    const index = this.append(MACHINE_ID, fields, view.seconds, view.serial);
    const seclevelId = this.strings.id(seclevel);
    this.events.setText(index, 'seclevel', seclevelId);
    if (seclevel !== null) this.machineIdBySeclevel.set(seclevelId, index);
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
      this.append(START, fields, time, view.serial, pid);
    } else if (op === 'stop') {
      const start = this.closeSessionResources(fields.uuid, time, view.serial, 'stop');
      if (start === undefined) return; // orphan stop: dropped
      this.append(STOP, fields, time, view.serial, pid);
      if (fields.success) {
        this.events.setEnd(start, time);
        this.events.addProof(start, view.serial);
      }
    }
  }

  /**
   * The backwards scan of add_start_guest_event (failed start) and add_stop_guest_event: over this
   * guest's successful events, back to its previous STOP or MACHINE_ID, closing open resources. For a
   * stop it also finds the session's START (none if it already ended, or a second one is met).
   */
  private closeSessionResources(uuid: number, time: number, serial: number, scan: 'start' | 'stop'): number | undefined {
    const list = this.byGuest.get(uuid);
    if (list === undefined) return undefined;
    const events = this.events;
    let start: number | undefined;
    for (let position = list.length - 1; position >= 0; position--) {
      const index = list.get(position);
      const kind = events.kind(index);
      if (kind === START) {
        if (scan === 'start') continue;
        if (events.end(index) !== 0 || start !== undefined) break;
        start = index;
      } else if (kind === STOP || kind === MACHINE_ID) {
        break;
      } else if (kind === RESRC && events.end(index) === 0) {
        events.setEnd(index, time);
        events.addProof(index, serial);
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
    const oldField = OLD_FIELD.get(type);
    if (oldField !== undefined) {
      const oldValue = view.interpreted(oldField);
      if (isResourceValue(oldValue) && fields.success) {
        const previous = this.lastResource.get(fields.uuid)?.get(this.strings.find(type))?.get(this.strings.find(oldValue));
        if (previous !== undefined) {
          this.events.setEnd(previous, time);
          this.events.addProof(previous, serial);
        }
      }
      const newValue = view.interpreted(NEW_FIELD.get(type)!);
      if (isResourceValue(newValue)) this.addResource(fields, type, reason, newValue, time, serial);
    } else if (type === 'cgroup') {
      const cgroup = view.interpreted('cgroup');
      if (!isResourceValue(cgroup)) return;
      const cgroupClass = view.raw('class') ?? null;
      let detail: string | null = null;
      if (cgroupClass === 'path') detail = view.interpreted('path') ?? null;
      else if (cgroupClass === 'major') detail = view.raw('category') ?? null;
      // 3.0.9 searches acl= whatever the class (class=all has none unless a damaged line holds one).
      const acl = view.raw('acl') ?? null;
      const index = this.addResource(fields, type, reason, cgroup, time, serial);
      this.events.setText(index, 'cgroupClass', this.strings.recentId(Recent.CgroupClass, cgroupClass));
      this.events.setText(index, 'acl', this.strings.recentId(Recent.Acl, acl));
      this.events.setText(index, 'detail', this.strings.recentId(Recent.Detail, detail));
    }
  }

  private addResource(guest: Guest, type: string, reason: string, value: string, time: number, serial: number): number {
    const index = this.append(RESRC, guest, time, serial);
    const typeId = this.strings.recentId(Recent.Type, type);
    const valueId = this.strings.recentId(Recent.Value, value);
    this.events.setText(index, 'resourceType', typeId);
    this.events.setText(index, 'reason', this.strings.recentId(Recent.Reason, reason));
    this.events.setText(index, 'value', valueId);
    if (!guest.success) return index;
    let byType = this.lastResource.get(guest.uuid);
    if (byType === undefined) this.lastResource.set(guest.uuid, (byType = new Map()));
    let byValue = byType.get(typeId);
    if (byValue === undefined) byType.set(typeId, (byValue = new Map()));
    byValue.set(valueId, index);
    return index;
  }

  private avc(view: AuparseView): void {
    if (!this.passes(view)) return;
    view.rewind();
    const scontext = view.raw('scontext');
    if (scontext !== undefined) return this.selinuxAvc(view, scontext);
    view.rewind();
    if (view.raw('apparmor') !== undefined) this.apparmorAvc(view);
  }

  /** An AVC row for the guest of event `guest`, its proof `proofFrom` serials of that event's proof then the AVC's. */
  private avcRow(view: AuparseView, guest: number, proofFrom: number, row: AvcRow): void {
    const events = this.events;
    const index = events.add({ kind: AVC, uuid: events.uuid(guest), name: events.name(guest), user: this.strings.id(row.user), success: true, start: view.seconds, pid: Number.NaN });
    for (let at = 0; at < proofFrom; at++) events.addProof(index, events.proof(guest, at));
    events.addProof(index, view.serial);
    events.setText(index, 'operation', this.strings.id(row.operation));
    events.setText(index, 'result', this.strings.id(row.result));
    events.setText(index, 'comm', this.strings.id(row.comm));
    events.setText(index, 'target', this.strings.id(row.target));
    events.setText(index, 'context', this.strings.id(row.context));
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
    const machine = this.machineIdBySeclevel.get(this.strings.find(seclevel));
    if (machine === undefined) return;
    const context = operation === 'relabelfrom' ? scontext : operation === 'relabelto' ? (tcontext ?? null) : null;
    this.avcRow(view, machine, Math.min(1, this.events.proofCount(machine)), { operation, result, comm, target, context, user });
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
    const events = this.events;
    const base = profile?.slice(profile.lastIndexOf('/') + 1);
    if (base?.startsWith('libvirt-')) {
      const list = this.byGuest.get(this.strings.find(base.slice('libvirt-'.length)));
      for (let position = (list?.length ?? 0) - 1; position >= 0; position--) {
        const index = list!.get(position);
        if (events.kind(index) === STOP) break;
        if (events.kind(index) === MACHINE_ID) {
          this.avcRow(view, index, Math.min(1, events.proofCount(index)), row);
          break;
        }
      }
    }
    const nameId = this.strings.find(name);
    if (nameId !== NO_STRING) {
      for (let index = events.length - 1; index >= 0; index--) {
        if (events.kind(index) === RESRC && events.success(index) && events.end(index) === 0 && events.textId(index, 'value') === nameId) {
          this.avcRow(view, index, events.proofCount(index), row);
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
    const events = this.events;
    const tail = events.length - 1;
    const openStart = tail >= 0 && events.kind(tail) === START && events.success(tail) && events.end(tail) === 0;
    if (!(openStart && events.pid(tail) === pid)) {
      const seclevel = seclevelOf(view.raw('subj'));
      if (seclevel === null) return;
      const machine = this.machineIdBySeclevel.get(this.strings.find(seclevel));
      if (machine === undefined || !openStart || events.uuid(tail) !== events.uuid(machine)) return;
    }
    view.rewind();
    const user = view.interpreted('uid');
    if (user === undefined) return;
    const index = events.add({ kind: ANOM, uuid: events.uuid(tail), name: events.name(tail), user: this.strings.id(user), success: true, start: view.seconds, pid: Number.NaN });
    events.addProof(index, events.proof(tail, 0));
    events.addProof(index, view.serial);
  }
}
