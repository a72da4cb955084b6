// The correlator with auvirt's known bugs fixed (auvirt-behaviour.md §3): sessions per node and guest,
// every resource kind with attach/detach/update lifetimes, AVCs and anomalies tied only to guests that
// run at the time, host shutdowns closing sessions. One pass; every lookup is a map.
// Modules, not the package index: the report starts without loading the schema validator.
import { splitLibauditTail } from '../../src/libvirt/libaudit-tail.js';
import { findField, type AuditField } from '../../src/model/audit-field.js';
import type { AuditRecord } from '../../src/model/audit-record.js';
import { readAnomaly, readAvc, readHostEvent } from '../../src/model/kernel-records.js';
import { interpretUid } from '../../src/model/user-names.js';
import type { AuditEvent } from '../../src/reader/event-grouper.js';
import type { TypeSelection } from '../../src/reader/type-selection.js';
import { idPairKey, NO_STRING, StringTable } from '../../src/text/string-table.js';
import { IndexList } from './index-list.js';
import { SESSION_TYPES } from './session-reading.js';
import { AssignmentTable, type PagingOptions, ROW_ANOM, ROW_AVC, ROW_DOWN, ROW_RESRC, ROW_START, ROW_STOP, RowTable, type EndedBy, type NewAssignment } from './assignment-table.js';
import { entryDetail, liveEvent, proofIds, type ChangeListener, type GuestNames } from './live-changes.js';
import { exactStampOf, type AuditGap, type GuestAnomaly, type GuestAvc, type GuestSession, type ProofId, type ReportRow, type SecurityLabel, type StopRecord } from './session-model.js';

const proofOf = (record: AuditRecord, event: AuditEvent): ProofId => ({
  node: event.node,
  sec: event.time?.sec ?? 0,
  ms: event.time?.ms ?? 0,
  serial: event.serial ?? 0,
  ...exactStampOf(event.time?.sec ?? 0, event.serial ?? 0, record.text),
});

/** A guest's key: its UUID, behind its node when the log names one (no audit text holds a NUL). */
const keyOf = (node: string | null, uuid: string): string => (node === null ? uuid : `${node}\u0000${uuid}`);

/** The MCS level of an SELinux context: what follows its third colon. */
export function mcsLevel(context: string | null | undefined): string | null {
  if (!context) return null;
  let colon = -1;
  for (let seen = 0; seen < 3; seen++) {
    colon = context.indexOf(':', colon + 1);
    if (colon === -1) return null;
  }
  return context.slice(colon + 1);
}

function userOf(record: AuditRecord): string | null {
  const uid = record.headerRaw('uid') ?? record.payloadRaw('uid');
  if (uid === undefined) return null;
  const enriched = record.enrichmentText === null ? undefined : record.enrichment.find((field) => field.name === 'UID')?.value;
  return interpretUid(uid, enriched);
}

/** A guest session while the log is read: its assignments are numbers in the assignment table. */
export interface SessionState {
  /** Its place in sessionStates (renumbered when finished sessions are forgotten). */
  index: number;
  readonly node: string | null;
  readonly uuid: string;
  readonly name: string;
  readonly virt: string | null;
  readonly start: GuestSession['start'];
  readonly stops: StopRecord[];
  end: GuestSession['end'];
  readonly labels: SecurityLabel[];
  readonly resources: IndexList;
  readonly avcs: GuestAvc[];
  readonly anomalies: GuestAnomaly[];
  /** Times auditd was away while the session ran (its records then are lost). */
  readonly gaps: AuditGap[];
  /**
   * Its open successful assignments, oldest first, for their update or detach: by kind and value (string
   * numbers), a counter's (mem, vcpu, iothread) by kind alone. Only open ones: an update or detach ends
   * the newest and takes it out. Made on first use. (Kept apart from the paged table, which a scan would
   * read back page after page.)
   */
  open: Map<number | string, IndexList> | undefined;
  /** How many of its assignments are open, successful or not, by value (an AppArmor AVC's path looks here). */
  readonly openValues: Map<number, number>;
  /** Its last row in the row table, -1 before its first. */
  lastRow: number;
  /** Taken by takeFinalSessions. */
  handed: boolean;
}

interface Pending {
  node: string | null;
  uuid: string;
  name: string;
  virt: string | null;
  labels: SecurityLabel[];
  resources: IndexList;
}

/** Nothing announced yet for the guest: its next session is named by this record. */
function freshPending(guest: Guest): Pending {
  return { node: guest.node, uuid: guest.uuid, name: guest.name, virt: guest.virt, labels: [], resources: new IndexList() };
}

/** `a b`, or whichever of the two is there. */
function joinPresent(a: string | null, b: string | null): string | null {
  return a === null ? b : b === null ? a : `${a} ${b}`;
}

interface Guest {
  readonly node: string | null;
  readonly uuid: string;
  readonly name: string;
  readonly virt: string | null;
  readonly key: string;
}

const GENERIC = ['disk', 'fs', 'net', 'chardev', 'rng', 'smartcard'];
const COUNTER_KINDS = ['mem', 'vcpu', 'iothread'];
const COUNTERS = new Set(COUNTER_KINDS);
/** The old- and new- field names of the kinds that carry their value in them. */
const OLD_AND_NEW = new Map([...GENERIC, ...COUNTER_KINDS].map((kind) => [kind, [`old-${kind}`, `new-${kind}`] as const]));
const NO_DETAILS: readonly string[] = [];
/** Rows written before forgetting is worth rebuilding the tables. */
const FORGET_AT_LEAST = 1 << 14;

/**
 * How many AVC denials, and how many anomalies, tied to no guest are kept as entries by default (the first
 * ones of the log); all are counted.
 */
export const UNMATCHED_KEPT = 1000;

/** An AVC denial tied to no guest: a guest's AVC less how it was tied. */
export type UnmatchedAvcEntry = Omit<GuestAvc, 'matchedBy'>;

/** An ANOM_* record of a process that is no running guest's: which process it was, too. */
export interface UnmatchedAnomalyEntry extends GuestAnomaly {
  /** The process's command name. */
  readonly comm: string | null;
  /** Its executable. */
  readonly exe: string | null;
}

/** What the correlator keeps of the AVC denials and anomalies of no known guest. */
export interface UnmatchedKept {
  /** Every one, counted. */
  avcs: number;
  anomalies: number;
  /** The first `keepUnmatched` of each. */
  readonly avcEntries: UnmatchedAvcEntry[];
  readonly anomalyEntries: UnmatchedAnomalyEntry[];
}


/** An assignment as a snapshot keeps it. */
export interface SnapshotAssignment extends NewAssignment {}

/** A session as a snapshot keeps it: its open assignments only. */
export interface SnapshotSession extends Omit<GuestSession, 'resources' | 'avcs' | 'anomalies'> {
  readonly resources: readonly SnapshotAssignment[];
  readonly running: boolean;
  readonly latest: boolean;
}

/** What SessionCorrelator.snapshot keeps (plain JSON). */
export interface CorrelatorSnapshot {
  readonly version: 1;
  readonly sessions: readonly SnapshotSession[];
  readonly pending: ReadonlyArray<{ readonly node: string | null; readonly uuid: string; readonly name: string; readonly virt: string | null; readonly labels: readonly SecurityLabel[]; readonly resources: readonly SnapshotAssignment[] }>;
  /** byLevel: `node NUL level` to the guest's key. */
  readonly levels: ReadonlyArray<readonly [string, string]>;
  readonly unmatched: { readonly avcs: number; readonly anomalies: number };
}

export interface CorrelatorOptions {
  /**
   * Every field of an assignment beyond its value (the JSON form shows them); false keeps only what the
   * text report shows (a cgroup rule's class, ACL and path or category).
   */
  readonly allDetails?: boolean;
  /** Told each change as it happens (the live side's events), in the order the records came. */
  readonly onChange?: ChangeListener;
  /**
   * Sessions wait to be taken by takeFinalSessions before `forget` drops them (the JSON forms); without it,
   * `forget` drops a final session once its rows are written.
   */
  readonly handOn?: boolean;
  /** Rows written before `forget` rebuilds the tables (default 16,384): fewer keep less, at more copies. */
  readonly forgetAtLeast?: number;
  /** How many unmatched AVC denials, and as many anomalies, are kept as entries (default UNMATCHED_KEPT): the rest are only counted. */
  readonly keepUnmatched?: number;
  /**
   * How the assignments and rows are paged (paged-rows.ts): by default 16 pages of 8,192 assignments and
   * 4 of 65,536 rows stay in memory, the rest in an unnamed file in `$TMPDIR`.
   */
  readonly paging?: PagingOptions;
}

export class SessionCorrelator {
  readonly strings = new StringTable();
  assignments: AssignmentTable;
  rowTable: RowTable;
  readonly sessionStates: SessionState[] = [];
  /** Items of the rows that are not assignments, by row kind. */
  stopList: StopRecord[] = [];
  avcList: GuestAvc[] = [];
  anomalyList: GuestAnomaly[] = [];
  downList: ProofId[] = [];
  /** AVC denials and anomalies of no known guest: reported, not dropped (all counted, the first kept). */
  readonly unmatched: UnmatchedKept = { avcs: 0, anomalies: 0, avcEntries: [], anomalyEntries: [] };
  private readonly unmatchedKept: number;
  private readonly running = new Map<string, SessionState>();
  private readonly latest = new Map<string, SessionState>();
  private readonly pending = new Map<string, Pending>();
  /** Running sessions whose audit gap is still open, by node: auditd ended and has not started again. */
  private readonly inGap = new Map<string | null, SessionState[]>();
  private readonly byLevel = new Map<string, string>();
  private readonly byPid = new Map<string, SessionState>();
  private materialized: { sessions: GuestSession[]; rows: ReportRow[] } | undefined;
  private recentGuest: { node: string | null; uuid: string | null; key: string } = { node: null, uuid: null, key: '' };
  private readonly allDetails: boolean;
  private readonly tell: ChangeListener | undefined;
  private readonly handOn: boolean;
  /** The first session not yet taken by takeFinalSessions. */
  private handCursor = 0;

  constructor(options: CorrelatorOptions = {}) {
    this.allDetails = options.allDetails ?? true;
    this.tell = options.onChange;
    this.handOn = options.handOn ?? false;
    this.forgetAtLeast = options.forgetAtLeast ?? FORGET_AT_LEAST;
    this.unmatchedKept = options.keepUnmatched ?? UNMATCHED_KEPT;
    this.paging = options.paging ?? {};
    this.assignments = new AssignmentTable(this.strings, this.paging);
    this.rowTable = new RowTable(this.paging);
  }

  private readonly paging: PagingOptions;

  /** Closes the tables' temporary files (they are gone then); the correlator is not to be used after. */
  closeTables(): void {
    this.assignments.close();
    this.rowTable.close();
  }

  private readonly forgetAtLeast: number;

  /** The events `handle` reads, by their first record's type (SESSION_TYPES). */
  static readonly keepTypes: TypeSelection = SESSION_TYPES;

  handle(event: AuditEvent): void {
    this.materialized = undefined;
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
    if (host?.kind === 'boot' || host?.kind === 'shutdown') return this.hostDown(event);
    // auditd's end is not the host's: the guests run on, unseen, until auditd starts again.
    if (host?.kind === 'daemon-end' || host?.kind === 'daemon-abort') return this.gapBegins(event);
    if (host?.kind === 'daemon-start') return this.gapEnds(event.node, proofOf(first, event));
    for (const record of event.records) {
      if (record.type === 'AVC' || record.type === 'USER_AVC') this.avc(record, event);
    }
    const anomaly = readAnomaly(first);
    if (anomaly) this.anomaly(anomaly.record, event, anomaly.pid, anomaly.signal);
  }

  /** Ends the stream: sessions still running stay open (an audit gap open at the end stays open too). */
  finish(): void {
    this.materialized = undefined;
    this.finished = true;
    for (const pending of this.pending.values()) {
      if (pending.labels.length === 0 && pending.resources.length === 0) continue;
      const session = this.newSession(pending.node, pending.uuid, pending, null);
      for (const resource of pending.resources) this.addRow(ROW_RESRC, session, resource);
    }
    this.pending.clear();
  }

  /** The sessions as objects, assignments included (for JSON and tests). */
  get sessions(): readonly GuestSession[] {
    return this.objects().sessions;
  }

  /** The rows as objects (for tests); the text report reads the tables. */
  get rows(): readonly ReportRow[] {
    return this.objects().rows;
  }

  private objects(): { sessions: GuestSession[]; rows: ReportRow[] } {
    if (this.materialized) return this.materialized;
    const assignments = new Map<number, GuestSession['resources'][number]>();
    const assignment = (index: number) => {
      let made = assignments.get(index);
      if (made === undefined) assignments.set(index, (made = this.assignments.assignment(index)));
      return made;
    };
    const sessions = this.sessionStates.map((state) => this.sessionObject(state, assignment));
    const rows: ReportRow[] = [];
    const table = this.rowTable;
    for (let row = 0; row < table.length; row++) {
      const session = sessions[table.session(row)]!;
      const item = table.item(row);
      switch (table.kind(row)) {
        case ROW_START:
          rows.push({ kind: 'start', session });
          break;
        case ROW_STOP:
          rows.push({ kind: 'stop', session, stop: this.stopList[item]! });
          break;
        case ROW_RESRC:
          rows.push({ kind: 'resrc', session, resource: assignment(item) });
          break;
        case ROW_AVC:
          rows.push({ kind: 'avc', session, avc: this.avcList[item]! });
          break;
        case ROW_ANOM:
          rows.push({ kind: 'anom', session, anomaly: this.anomalyList[item]! });
          break;
        default:
          rows.push({ kind: 'down', session, proof: this.downList[item]! });
      }
    }
    return (this.materialized = { sessions, rows });
  }

  private sessionObject(state: SessionState, assignment = (index: number) => this.assignments.assignment(index)): GuestSession {
    return {
      node: state.node, uuid: state.uuid, name: state.name, virt: state.virt, start: state.start, stops: state.stops, end: state.end,
      labels: state.labels, resources: state.resources.toArray().map(assignment), avcs: state.avcs, anomalies: state.anomalies, gaps: state.gaps,
    };
  }

  /**
   * Whether no later record can change the session: it has ended, a newer session of its guest exists (an
   * AVC matched by its target's level or AppArmor profile goes to the guest's latest session, ended or
   * not), and no audit gap of it is still open.
   */
  isFinal(session: SessionState): boolean {
    if (session.end === null) return false;
    if (this.latest.get(keyOf(session.node, session.uuid)) === session) return false;
    const gap = session.gaps.at(-1);
    return gap === undefined || gap.to !== null;
  }

  /**
   * The sessions, in the order they began, from the first not taken yet up to the first that is not final;
   * after `finish`, all that are left. Each is taken once.
   */
  takeFinalSessions(): GuestSession[] {
    const taken: GuestSession[] = [];
    while (this.handCursor < this.sessionStates.length) {
      const state = this.sessionStates[this.handCursor]!;
      if (!this.finished && !this.isFinal(state)) break;
      state.handed = true;
      taken.push(this.sessionObject(state));
      this.handCursor++;
    }
    return taken;
  }

  private finished = false;

  /**
   * Forgets what is finished: the rows before `rowsDone` (written by their reader, who counts from 0 again
   * after), and each final session whose rows are all among them (and, with handOn, that has been taken),
   * with its assignments, stops, AVCs and anomalies. Returns how many rows were dropped (0 when too few
   * were to be worth the copy: the tables are rebuilt, so it runs only when at least half would go).
   */
  forget(rowsDone: number): number {
    const rows = this.rowTable;
    if (rowsDone < this.forgetAtLeast || rowsDone * 2 < rows.length) return 0;
    this.materialized = undefined;
    const kept = this.sessionStates.filter((state) => !(state.lastRow < rowsDone && (this.handOn ? state.handed : this.isFinal(state))));
    let handCursor = 0;
    for (const state of kept) if (state.index < this.handCursor) handCursor++;
    for (const [index, state] of kept.entries()) state.index = index;
    const move = this.compactAssignments(kept);
    const rowTable = new RowTable(this.paging);
    const stops: StopRecord[] = [];
    const avcs: GuestAvc[] = [];
    const anomalies: GuestAnomaly[] = [];
    const downs: ProofId[] = [];
    for (const state of kept) state.lastRow = -1;
    for (let row = rowsDone; row < rows.length; row++) {
      const session = this.sessionStates[rows.session(row)]!;
      const item = rows.item(row);
      const kind = rows.kind(row);
      const newItem =
        kind === ROW_RESRC ? move(item)
        : kind === ROW_STOP ? stops.push(this.stopList[item]!) - 1
        : kind === ROW_AVC ? avcs.push(this.avcList[item]!) - 1
        : kind === ROW_ANOM ? anomalies.push(this.anomalyList[item]!) - 1
        : kind === ROW_DOWN ? downs.push(this.downList[item]!) - 1
        : item;
      session.lastRow = rowTable.length;
      rowTable.add(kind, session.index, newItem);
    }
    this.sessionStates.length = 0;
    this.sessionStates.push(...kept);
    this.handCursor = handCursor;
    rows.close();
    this.rowTable = rowTable;
    this.stopList = stops;
    this.avcList = avcs;
    this.anomalyList = anomalies;
    this.downList = downs;
    return rowsDone;
  }

  /**
   * Moves the assignments still referred to (by the sessions kept and by what waits for a start) into a
   * new table, once they are at most half of it; returns where each went. Until then the table stays as
   * it is, the forgotten ones in it: each copy moves at most as many as were forgotten since the last.
   */
  private compactAssignments(kept: readonly SessionState[]): (index: number) => number {
    let referred = 0;
    for (const state of kept) referred += state.resources.length;
    for (const pending of this.pending.values()) referred += pending.resources.length;
    const old = this.assignments;
    if (referred * 2 > old.length) return (index) => index;
    const assignments = new AssignmentTable(this.strings, this.paging);
    // Old number to new, plus one (0: not moved yet); 4 bytes an assignment, only while this runs.
    const moved = new Int32Array(old.length);
    const move = (index: number): number => {
      const to = moved[index]!;
      if (to !== 0) return to - 1;
      const copy = assignments.copyFrom(old, index);
      moved[index] = copy + 1;
      return copy;
    };
    for (const state of kept) {
      for (let at = 0; at < state.resources.length; at++) state.resources.set(at, move(state.resources.get(at)));
      if (state.open) for (const open of state.open.values()) for (let at = 0; at < open.length; at++) open.set(at, move(open.get(at)));
    }
    for (const pending of this.pending.values()) for (let at = 0; at < pending.resources.length; at++) pending.resources.set(at, move(pending.resources.get(at)));
    old.close();
    this.assignments = assignments;
    return move;
  }

  /**
   * What a later run needs to go on from here as if it had read everything before (the watch's state
   * file): the running sessions with their open assignments, each guest's latest session (AVCs may still
   * be tied to it), sessions in an open audit gap, what was announced before a start, the SELinux levels.
   * Finished sessions, rows and closed assignments are not kept: their events have been told.
   */
  snapshot(): CorrelatorSnapshot {
    const chosen = new Set<SessionState>([...this.running.values(), ...this.latest.values()]);
    for (const sessions of this.inGap.values()) for (const session of sessions) chosen.add(session);
    const assignmentOf = (index: number): SnapshotAssignment => {
      const made = this.assignments.assignment(index);
      return {
        kind: made.kind, reason: made.reason, value: made.value, previous: made.previous, success: made.success, user: made.user, start: made.start,
        closedAtCreation: made.end !== null, details: Object.entries(made.details).flat(),
      };
    };
    const sessions = [...chosen].sort((a, b) => a.index - b.index).map((state): SnapshotSession => {
      const key = keyOf(state.node, state.uuid);
      return {
        node: state.node, uuid: state.uuid, name: state.name, virt: state.virt, start: state.start, stops: state.stops, end: state.end, labels: state.labels, gaps: state.gaps,
        resources: state.resources.toArray().filter((index) => this.assignments.isOpen(index) && this.assignments.success(index)).map(assignmentOf),
        running: this.running.get(key) === state, latest: this.latest.get(key) === state,
      };
    });
    const pending = [...this.pending.values()].map((entry) => ({ node: entry.node, uuid: entry.uuid, name: entry.name, virt: entry.virt, labels: entry.labels, resources: entry.resources.toArray().map(assignmentOf) }));
    // The unmatched entries are not kept: only the whole-log JSON forms show them, and they never restore.
    return { version: 1, sessions, pending, levels: [...this.byLevel], unmatched: { avcs: this.unmatched.avcs, anomalies: this.unmatched.anomalies } };
  }

  /** A correlator that goes on from a snapshot (see `snapshot`). */
  static restore(snapshot: CorrelatorSnapshot, options: CorrelatorOptions = {}): SessionCorrelator {
    const correlator = new SessionCorrelator(options);
    const add = (assignment: SnapshotAssignment): number => correlator.assignments.add(assignment);
    for (const saved of snapshot.sessions) {
      const resources = IndexList.from(saved.resources.map(add));
      const state: SessionState = {
        index: correlator.sessionStates.length, node: saved.node, uuid: saved.uuid, name: saved.name, virt: saved.virt, start: saved.start, stops: [...saved.stops],
        end: saved.end, labels: [...saved.labels], resources, avcs: [], anomalies: [], gaps: [...saved.gaps], open: undefined, openValues: new Map(), lastRow: -1, handed: false,
      };
      for (const resource of resources) correlator.countOpen(state, resource, 1);
      correlator.sessionStates.push(state);
      const key = keyOf(state.node, state.uuid);
      if (saved.latest) correlator.latest.set(key, state);
      if (saved.running) {
        correlator.running.set(key, state);
        for (const resource of resources) correlator.track(state, resource);
        const vmPid = state.start?.vmPid;
        if (vmPid) correlator.byPid.set(`${state.node ?? ''}\u0000${vmPid}`, state);
      }
      if (state.gaps.at(-1)?.to === null) {
        const sessions = correlator.inGap.get(state.node) ?? [];
        sessions.push(state);
        correlator.inGap.set(state.node, sessions);
      }
    }
    for (const saved of snapshot.pending) {
      correlator.pending.set(keyOf(saved.node, saved.uuid), { node: saved.node, uuid: saved.uuid, name: saved.name, virt: saved.virt, labels: [...saved.labels], resources: IndexList.from(saved.resources.map(add)) });
    }
    for (const [level, key] of snapshot.levels) correlator.byLevel.set(level, key);
    correlator.unmatched.avcs = snapshot.unmatched.avcs;
    correlator.unmatched.anomalies = snapshot.unmatched.anomalies;
    return correlator;
  }

  /** The table's copy of a text kept past its record: a slice of the record would keep the whole line. */
  private kept<T extends string | null>(text: T): T {
    return (text === null ? null : this.strings.text(this.strings.id(text))) as T;
  }

  private addRow(kind: number, session: SessionState, item: number): void {
    session.lastRow = this.rowTable.length;
    this.rowTable.add(kind, session.index, item);
  }

  private payloadValue(record: AuditRecord, name: string): string | null {
    return record.payloadValue(name) ?? null;
  }

  private guestOf(record: AuditRecord): Guest | null {
    const uuid = this.payloadValue(record, 'uuid');
    const name = this.payloadValue(record, 'vm');
    if (uuid === null || name === null) return null; // dockerd and other writers without a guest UUID
    const node = record.node;
    // A guest's records come in runs: its key is made once per run, and the Maps hash it once.
    if (uuid !== this.recentGuest.uuid || node !== this.recentGuest.node) this.recentGuest = { node, uuid, key: keyOf(node, uuid) };
    return { node, uuid, name, virt: this.payloadValue(record, 'virt'), key: this.recentGuest.key };
  }

  private pendingOf(guest: Guest): Pending {
    let pending = this.pending.get(guest.key);
    if (!pending) this.pending.set(guest.key, (pending = freshPending(guest)));
    return pending;
  }

  /** What was announced for the guest before this record, now the record's session's. */
  private takePending(guest: Guest): Pending {
    const pending = this.pending.get(guest.key);
    if (pending === undefined) return freshPending(guest);
    this.pending.delete(guest.key);
    return pending;
  }

  private success(record: AuditRecord): boolean {
    return this.payloadValue(record, 'res') === 'success';
  }

  private machineId(record: AuditRecord, event: AuditEvent): void {
    const guest = this.guestOf(record);
    if (!guest) return;
    const model = this.payloadValue(record, 'model') ?? '?';
    const vmContext = this.payloadValue(record, 'vm-ctx');
    const level = model === 'selinux' ? mcsLevel(vmContext) : null;
    if (level !== null) this.byLevel.set(`${guest.node ?? ''}\u0000${level}`, guest.key);
    // The guest's first record names its next session, whatever it is.
    const pending = this.pendingOf(guest);
    // Labels are shown only in the JSON form; the text report needs no more than the level above.
    if (!this.allDetails) return;
    const label: SecurityLabel = {
      model: this.kept(model),
      vmContext: this.kept(vmContext),
      imageContext: this.kept(this.payloadValue(record, 'img-ctx')),
      level: this.kept(level),
      proof: proofOf(record, event),
    };
    pending.labels.push(label);
  }

  private newSession(node: string | null, uuid: string, pending: Pending, start: GuestSession['start']): SessionState {
    const session: SessionState = {
      index: this.sessionStates.length, node, uuid: this.kept(uuid), name: this.kept(pending.name),
      virt: pending.virt, start, stops: [], end: null, labels: pending.labels, resources: pending.resources, avcs: [], anomalies: [], gaps: [], open: undefined, openValues: new Map(),
      lastRow: -1, handed: false,
    };
    this.sessionStates.push(session);
    for (const resource of session.resources) if (this.assignments.isOpen(resource)) this.countOpen(session, resource, 1);
    this.latest.set(keyOf(node, uuid), session);
    return session;
  }

  /** A new session's assignments announced before it: rows of their own, the open ones tracked. */
  private adoptPending(session: SessionState): void {
    for (const resource of session.resources) {
      this.addRow(ROW_RESRC, session, resource);
      if (this.assignments.success(resource) && this.assignments.isOpen(resource)) this.track(session, resource);
    }
  }

  private control(record: AuditRecord, event: AuditEvent): void {
    const guest = this.guestOf(record);
    if (!guest) return;
    const op = this.payloadValue(record, 'op');
    const key = guest.key;
    const proof = proofOf(record, event);
    const success = this.success(record);
    const user = userOf(record);
    const reason = this.kept(this.payloadValue(record, 'reason'));
    if (op === 'start') {
      const previous = this.running.get(key);
      if (previous && success) {
        this.tell?.(liveEvent('session-ended', previous, proof, { how: 'restarted', reason: null }));
        this.close(previous, 'restarted', proof);
      }
      const pending = this.takePending(guest);
      const vmPidText = this.payloadValue(record, 'vm-pid');
      const vmPid = vmPidText !== null && /^-?\d+$/.test(vmPidText) ? Number(vmPidText) : null;
      const session = this.newSession(guest.node, guest.uuid, pending, { reason, success, vmPid, user, proof });
      this.adoptPending(session);
      this.addRow(ROW_START, session, 0);
      this.tell?.(liveEvent(success ? 'session-started' : 'session-failed', session, proof, { reason, success, vmPid, user }));
      if (!success) {
        this.close(session, 'failed-start', proof);
        return;
      }
      this.running.set(key, session);
      if (vmPid !== null && vmPid > 0) this.byPid.set(`${guest.node ?? ''}\u0000${vmPid}`, session);
    } else if (op === 'stop') {
      const stop: StopRecord = { reason, success, user, proof };
      let session = this.running.get(key);
      if (!session) {
        // The log began mid-session: the stop is shown, with what was assigned before it.
        const pending = this.takePending(guest);
        session = this.newSession(guest.node, guest.uuid, pending, null);
        this.adoptPending(session);
      }
      session.stops.push(stop);
      this.addRow(ROW_STOP, session, this.stopList.push(stop) - 1);
      if (success) {
        this.tell?.(liveEvent('session-ended', session, proof, { how: 'stopped', reason, success, user }));
        this.close(session, 'stopped', proof);
        this.running.delete(key);
      } else if (session.start === null) {
        this.running.set(key, session);
      }
    }
  }

  private close(session: SessionState, how: NonNullable<GuestSession['end']>['how'], proof: ProofId): void {
    session.end = { how, proof };
    const endedBy: EndedBy = how === 'stopped' ? 'stop' : how;
    const assignments = this.assignments;
    for (const resource of session.resources) {
      if (assignments.success(resource) && assignments.isOpen(resource)) {
        assignments.end(resource, proof, endedBy);
        this.countOpen(session, resource, -1);
        if (this.tell) this.tellResource('resource-released', session, resource, proof, { how: endedBy ?? undefined, proofs: proofIds(assignments.proofs(resource)) });
      }
    }
    session.open = undefined;
    this.running.delete(keyOf(session.node, session.uuid));
    const vmPid = session.start?.vmPid;
    if (vmPid) this.byPid.delete(`${session.node ?? ''}\u0000${vmPid}`);
  }

  private track(session: SessionState, resource: number): void {
    session.open ??= new Map();
    const key = this.openKey(this.assignments.kindId(resource), this.assignments.valueId(resource));
    let open = session.open.get(key);
    if (open === undefined) session.open.set(key, (open = new IndexList()));
    open.push(resource);
  }

  /** Where `track` files an assignment of `kind` and `value`: a counter by its kind alone. */
  private openKey(kindId: number, valueId: number): number | string {
    return COUNTERS.has(this.strings.text(kindId)!) ? `counter ${kindId}` : idPairKey(kindId, valueId);
  }

  /** Counts assignment `resource` of `session` as open (1) or no longer (-1), by its value. */
  private countOpen(session: SessionState, resource: number, change: 1 | -1): void {
    const valueId = this.assignments.valueId(resource);
    const count = (session.openValues.get(valueId) ?? 0) + change;
    if (count === 0) session.openValues.delete(valueId);
    else session.openValues.set(valueId, count);
  }

  /** Ends the open assignment of `kind` and `value` (the newest; a counter's whatever its value); returns it, or -1 when none is open. */
  private release(session: SessionState, kind: string, value: string | null, by: 'update' | 'detach', proof: ProofId): number {
    if (value === null) return -1;
    const kindId = this.strings.find(kind);
    const valueId = COUNTERS.has(kind) ? NO_STRING : this.strings.find(value);
    if (kindId === NO_STRING || (valueId === NO_STRING && !COUNTERS.has(kind))) return -1;
    const open = session.open?.get(this.openKey(kindId, valueId));
    const released = open?.pop();
    if (released === undefined) return -1;
    this.assignments.end(released, proof, by);
    this.countOpen(session, released, -1);
    return released;
  }

  private resource(record: AuditRecord, event: AuditEvent): void {
    const guest = this.guestOf(record);
    if (!guest) return;
    const proof = proofOf(record, event);
    const key = guest.key;
    // libaudit's tail (exe hostname addr terminal res) holds none of the names read here.
    const value = (name: string): string | null => this.payloadValue(record, name);
    const resrc = value('resrc') ?? '?';
    const reason = value('reason') ?? '?';
    const success = this.success(record);
    const kind = resrc === 'net' && reason === 'open' ? 'net-open' : resrc;
    let current: string | null;
    let previous: string | null = null;
    let details: ReadonlyArray<string | null> = NO_DETAILS;
    const valueNames = OLD_AND_NEW.get(resrc);
    if (valueNames !== undefined && kind !== 'net-open') {
      previous = value(valueNames[0]);
      current = value(valueNames[1]);
    } else if (kind === 'net-open') {
      current = value('path');
      if (this.allDetails) details = ['net', value('net'), 'rdev', value('rdev')];
    } else if (resrc === 'cgroup') {
      const cgroupClass = value('class');
      const path = value('path');
      const category = value('category');
      const acl = value('acl');
      const rule = cgroupClass === 'path' ? path : cgroupClass === 'major' ? category : null;
      current = joinPresent(joinPresent(joinPresent(reason, cgroupClass), rule), acl);
      details = this.allDetails
        ? ['cgroup', value('cgroup'), 'class', cgroupClass, 'path', path, 'category', category, 'maj', value('maj'), 'rdev', value('rdev'), 'acl', acl]
        : ['class', cgroupClass, cgroupClass === 'path' ? 'path' : 'category', cgroupClass === 'path' ? path : category, 'acl', acl];
    } else if (resrc === 'dev') {
      const bus = value('bus');
      const device = value('device');
      current = joinPresent(bus, device) ?? '';
      if (this.allDetails) details = ['bus', bus, 'device', device];
    } else {
      // The fields after libvirt's five common ones, parsed only when they are shown (once).
      let restFields: readonly AuditField[] | undefined;
      const rest = (): readonly AuditField[] => (restFields ??= splitLibauditTail(record.payload ?? []).body.slice(5));
      current = value('device') ?? value('disk') ?? value('chardev') ?? value('path') ?? rest().map((field) => `${field.name}=${field.value ?? '?'}`).join(' ');
      if (this.allDetails) details = rest().flatMap((field) => [field.name, field.value]);
    }
    const session = this.running.get(key);
    const detaching = reason === 'detach' || (reason !== 'start' && previous !== null && previous !== '0');
    const released = session && detaching && success ? this.release(session, kind, previous, reason === 'detach' ? 'detach' : 'update', proof) : -1;
    if (released !== -1 && this.tell) this.tellResource('resource-released', session!, released, proof, { how: reason === 'detach' ? 'detach' : 'update', proofs: proofIds(this.assignments.proofs(released)) });
    const opens = current !== null && current !== '0';
    const shown = opens ? current! : reason === 'detach' || previous !== null ? previous : null;
    if (shown === null) return;
    const assignment: NewAssignment = {
      kind, reason, value: shown, previous: opens ? previous : null, success, user: userOf(record), start: proof, closedAtCreation: !opens, details,
    };
    const resource = this.assignments.add(assignment);
    // A detach that ended an assignment was told above (the JSON form, too, shows only that assignment);
    // any other record is told as itself.
    if (this.tell && (opens || released === -1 || reason !== 'detach')) {
      this.tellResource(opens ? 'resource-assigned' : 'resource-released', session ?? guest, resource, proof, { success, user: assignment.user, ...(opens ? {} : { how: reason === 'detach' ? 'detach' : 'update' }) });
    }
    if (!session) {
      // Announced before its VIRT_CONTROL start (or in a log without one): part of the next session.
      this.pendingOf(guest).resources.push(resource);
      return;
    }
    session.resources.push(resource);
    if (opens) this.countOpen(session, resource, 1);
    this.addRow(ROW_RESRC, session, resource);
    if (success && opens) this.track(session, resource);
  }

  private tellResource(kind: 'resource-assigned' | 'resource-released', guest: GuestNames, resource: number, proof: ProofId, fields: Parameters<typeof liveEvent>[3]): void {
    const assignments = this.assignments;
    const previous = this.strings.text(assignments.previousId(resource));
    const value = { kind: assignments.kind(resource), reason: assignments.reason(resource), value: assignments.value(resource), previous };
    this.tell!(liveEvent(kind, guest, proof, { success: assignments.success(resource), user: assignments.user(resource), ...fields, resource: value }));
  }

  private sessionFor(key: string | undefined): SessionState | undefined {
    if (key === undefined) return undefined;
    return this.running.get(key) ?? this.latest.get(key);
  }

  private avc(record: AuditRecord, event: AuditEvent): void {
    const avc = readAvc(record);
    if (!avc) return;
    const node = event.node ?? '';
    const syscall = event.records.find((candidate) => candidate.type === 'SYSCALL');
    const user = syscall ? userOf(syscall) : null;
    let session: SessionState | undefined;
    let matchedBy: GuestAvc['matchedBy'] = 'scontext-level';
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
        session = this.runningWithOpenValue(avc.name);
        matchedBy = 'resource-path';
      }
    }
    // Past the kept ones, an unmatched AVC is only counted: no entry is made.
    if (!session && this.unmatched.avcs++ >= this.unmatchedKept) return;
    const entry: GuestAvc = {
      kind: avc.kind, matchedBy, result: avc.denied ? 'denied' : avc.kind === 'apparmor' ? (record.fieldValue('apparmor') ?? 'allowed').toLowerCase() : 'granted',
      permissions: avc.permissions.map((permission) => this.kept(permission)), comm: this.kept(avc.comm), target: this.kept(avc.name ?? avc.path),
      scontext: this.kept(avc.scontext), tcontext: this.kept(avc.tcontext), user, proof: proofOf(record, event),
    };
    if (!session) {
      const { matchedBy: _none, ...unmatched } = entry;
      this.unmatched.avcEntries.push(unmatched);
      return;
    }
    session.avcs.push(entry);
    this.addRow(ROW_AVC, session, this.avcList.push(entry) - 1);
    this.tell?.(liveEvent('avc', session, entry.proof, { user, detail: entryDetail(entry) }));
  }

  /** The first running session with an open assignment whose value is `value` (an AppArmor AVC's path). */
  private runningWithOpenValue(value: string): SessionState | undefined {
    const valueId = this.strings.find(value);
    if (valueId === -1) return undefined;
    for (const candidate of this.running.values()) if (candidate.openValues.has(valueId)) return candidate;
    return undefined;
  }

  private anomaly(record: AuditRecord, event: AuditEvent, pid: number | null, signal: number | null): void {
    const node = event.node ?? '';
    let session = pid === null ? undefined : this.byPid.get(`${node}\u0000${pid}`);
    if (!session) {
      const level = mcsLevel(findField(record.fields, 'subj')?.value);
      const candidate = this.sessionFor(level === null ? undefined : this.byLevel.get(`${node}\u0000${level}`));
      if (candidate && candidate.end === null) session = candidate;
    }
    if (!session && this.unmatched.anomalies++ >= this.unmatchedKept) return;
    const anomaly: GuestAnomaly = { type: record.type, pid, signal, user: userOf(record), proof: proofOf(record, event) };
    if (!session) {
      const processField = (name: string): string | null => this.kept(record.fieldValue(name) ?? null);
      this.unmatched.anomalyEntries.push({ ...anomaly, comm: processField('comm'), exe: processField('exe') });
      return;
    }
    session.anomalies.push(anomaly);
    this.addRow(ROW_ANOM, session, this.anomalyList.push(anomaly) - 1);
    this.tell?.(liveEvent('anomaly', session, anomaly.proof, { user: anomaly.user, detail: entryDetail(anomaly) }));
  }

  /** The host went down: its running sessions end, and so does an audit gap they were in. */
  private hostDown(event: AuditEvent): void {
    const proof = proofOf(event.records[0]!, event);
    this.gapEnds(event.node, proof);
    for (const session of [...this.running.values()]) {
      if (session.node !== event.node) continue;
      this.tell?.(liveEvent('session-ended', session, proof, { how: 'down', reason: null }));
      this.close(session, 'down', proof);
      this.addRow(ROW_DOWN, session, this.downList.push(proof) - 1);
    }
  }

  /** auditd ended: each running session of the node is in an audit gap until auditd starts again. */
  private gapBegins(event: AuditEvent): void {
    const proof = proofOf(event.records[0]!, event);
    let sessions = this.inGap.get(event.node);
    for (const session of this.running.values()) {
      if (session.node !== event.node || sessions?.includes(session)) continue;
      session.gaps.push({ from: proof, to: null });
      this.tell?.(liveEvent('gap-opened', session, proof));
      if (sessions === undefined) this.inGap.set(event.node, (sessions = []));
      sessions.push(session);
    }
  }

  private gapEnds(node: string | null, proof: ProofId): void {
    const sessions = this.inGap.get(node);
    if (sessions === undefined) return;
    this.inGap.delete(node);
    for (const session of sessions) {
      const gap = session.gaps.at(-1)!;
      session.gaps[session.gaps.length - 1] = { from: gap.from, to: proof };
      this.tell?.(liveEvent('gap-closed', session, proof, { proofs: proofIds([gap.from, proof]) }));
    }
  }
}
