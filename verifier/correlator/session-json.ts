// A guest session in its published form: what `auvirt --format json` prints for each session and what
// `readSessions` yields. Times are ISO 8601 (UTC), proofs `node:seconds.millis:serial`.
import { isoTime } from '../local-time.js';
import type { UnmatchedKept } from './session-correlator.js';
import { formatProofId, type GuestSession, type ProofId, type SessionEnd } from './session-model.js';

/** One guest session: from a start (or the first record of a guest already running) to its end. */
export interface SessionJson {
  /** The node= of its records, null on a single host. */
  readonly node: string | null;
  /** The guest's UUID. */
  readonly uuid: string;
  /** The guest's name (the last one its records gave in the session). */
  readonly name: string;
  /** `kvm`, `qemu`, `lxc` … as the records say. */
  readonly virt: string | null;
  /** null when the log began while the guest ran. */
  readonly start: {
    /** When (ISO 8601, UTC). */
    readonly time: string;
    /** libvirt's reason= (booted, restored…). */
    readonly reason: string | null;
    /** Its res=. */
    readonly success: boolean;
    /** QEMU's pid (vm-pid=). */
    readonly vmPid: number | null;
    /** The user of the record (its uid=, as auvirt shows it: a name where it resolves). */
    readonly user: string | null;
    /** The record that proves it: `node:seconds.millis:serial`. */
    readonly proof: string;
  } | null;
  /** null while it runs (or when the log ends first). */
  readonly end: {
    /** When (ISO 8601, UTC). */
    readonly time: string;
    /** How it ended. */
    readonly how: SessionEnd;
    /** The record that proves it. */
    readonly proof: string;
  } | null;
  /** Started successfully and not ended. */
  readonly running: boolean;
  /** From start to end, when both are in the log. */
  readonly durationMs: number | null;
  /** Times auditd was away while it ran: its records then are lost (`to` null: auditd had not come back). */
  readonly gaps: ReadonlyArray<{
    /** When auditd went away (ISO 8601, UTC). */
    readonly from: string;
    /** When it came back; null if it had not. */
    readonly to: string | null;
    /** Its DAEMON_END or DAEMON_ABORT record. */
    readonly fromProof: string;
    /** Its DAEMON_START record. */
    readonly toProof: string | null;
  }>;
  /** Failed stops, then the stop that ended it. */
  readonly stops: ReadonlyArray<{
    /** When (ISO 8601, UTC). */
    readonly time: string;
    /** libvirt's reason= (destroyed, shutdown, crashed…). */
    readonly reason: string | null;
    /** Its res=. */
    readonly success: boolean;
    /** The user of the record (its uid=, as auvirt shows it). */
    readonly user: string | null;
    /** The record that proves it. */
    readonly proof: string;
  }>;
  /** Its security labels (VIRT_MACHINE_ID records). */
  readonly labels: ReadonlyArray<{
    /** The security driver: selinux, apparmor, dac. */
    readonly model: string;
    /** The guest process's label. */
    readonly vmContext: string | null;
    /** Its images' label. */
    readonly imageContext: string | null;
    /** The MCS level of an SELinux label. */
    readonly level: string | null;
    /** The record that proves it. */
    readonly proof: string;
  }>;
  /** One entry per assignment: a hot-plugged device carries its detach as its end. */
  readonly resources: ReadonlyArray<{
    /** libvirt's resrc= (disk, net, cgroup, dev, tpm…); `net-open` for reason=open records. */
    readonly kind: string;
    /** libvirt's reason= (start, attach, update…). */
    readonly reason: string;
    /** What was assigned: a path, MAC, count, device; for cgroup the rule. */
    readonly value: string;
    /** What it replaced (update), or null. */
    readonly previous: string | null;
    /** Its res=. */
    readonly success: boolean;
    /** When it was assigned (ISO 8601, UTC). */
    readonly start: string;
    /** When the assignment ended; null while it holds. */
    readonly end: string | null;
    /** What ended it. */
    readonly endedBy: 'update' | 'detach' | 'stop' | 'failed-start' | 'down' | 'restarted' | null;
    /** The record's other fields (class, acl, rdev…). */
    readonly details: Readonly<Record<string, string | null>>;
    /** The records that prove it. */
    readonly proofs: readonly string[];
  }>;
  /** AVC denials tied to the guest (by its label's level, its AppArmor profile or a resource path). */
  readonly avcs: ReadonlyArray<GuestSession['avcs'][number] extends infer A ? Omit<A, 'proof'> & {
    /** The AVC record. */
    readonly proof: string;
    /** When (ISO 8601, UTC). */
    readonly time: string;
  } : never>;
  /** ANOM_* records of the guest's QEMU process (a crash, an abnormal end). */
  readonly anomalies: ReadonlyArray<GuestSession['anomalies'][number] extends infer A ? Omit<A, 'proof'> & {
    /** The ANOM_* record. */
    readonly proof: string;
    /** When (ISO 8601, UTC). */
    readonly time: string;
  } : never>;
}

const time = (value: ProofId): string => isoTime(value.sec * 1000 + value.ms);
const millis = (value: ProofId): number => value.sec * 1000 + value.ms;

/**
 * A session's assignments, less the detach records that ended one of them (the text report shows them as
 * rows of their own; here the assignment carries its end). A detach of nothing seen stays.
 */
function ownAssignments(session: GuestSession): GuestSession['resources'] {
  const ended = new Set<string>();
  for (const resource of session.resources) if (resource.endedBy === 'detach' && resource.end !== null && formatProofId(resource.end) !== formatProofId(resource.start)) ended.add(formatProofId(resource.end));
  return session.resources.filter((resource) => !(resource.reason === 'detach' && resource.success && ended.has(formatProofId(resource.start))));
}

export function sessionJson(session: GuestSession): SessionJson {
  return {
    node: session.node, uuid: session.uuid, name: session.name, virt: session.virt,
    start: session.start && { time: time(session.start.proof), reason: session.start.reason, success: session.start.success, vmPid: session.start.vmPid, user: session.start.user, proof: formatProofId(session.start.proof) },
    end: session.end && { time: time(session.end.proof), how: session.end.how, proof: formatProofId(session.end.proof) },
    running: session.start !== null && session.start.success && session.end === null,
    durationMs: session.start !== null && session.end !== null ? millis(session.end.proof) - millis(session.start.proof) : null,
    gaps: session.gaps.map((gap) => ({ from: time(gap.from), to: gap.to && time(gap.to), fromProof: formatProofId(gap.from), toProof: gap.to && formatProofId(gap.to) })),
    stops: session.stops.map((stop) => ({ time: time(stop.proof), reason: stop.reason, success: stop.success, user: stop.user, proof: formatProofId(stop.proof) })),
    labels: session.labels.map((label) => ({ model: label.model, vmContext: label.vmContext, imageContext: label.imageContext, level: label.level, proof: formatProofId(label.proof) })),
    resources: ownAssignments(session).map((resource) => ({
      kind: resource.kind, reason: resource.reason, value: resource.value, previous: resource.previous, success: resource.success,
      start: time(resource.start), end: resource.end && time(resource.end), endedBy: resource.endedBy, details: resource.details, proofs: resource.proofs.map(formatProofId),
    })),
    avcs: session.avcs.map((avc) => ({ ...avc, proof: formatProofId(avc.proof), time: time(avc.proof) })),
    anomalies: session.anomalies.map((anomaly) => ({ ...anomaly, proof: formatProofId(anomaly.proof), time: time(anomaly.proof) })),
  };
}

/** AVC denials and anomalies, counted. */
export interface UnmatchedCounts {
  /** AVC and USER_AVC denials. */
  readonly avcs: number;
  /** ANOM_* records. */
  readonly anomalies: number;
}

/** An AVC denial tied to no guest: the fields of a session's AVC entry, less how it was tied (it was not). */
export type UnmatchedAvc = Omit<SessionJson['avcs'][number], 'matchedBy'>;

/** An ANOM_* record of a process that was no running guest's QEMU: a session's anomaly entry, and which process. */
export type UnmatchedAnomaly = SessionJson['anomalies'][number] & {
  /** The process's command name (comm=). */
  readonly comm: string | null;
  /** Its executable (exe=). */
  readonly exe: string | null;
};

/**
 * The AVC denials and anomalies of the log that no guest's session took: every one counted (`avcs`,
 * `anomalies`), the first of each listed with its fields and proof (`keepUnmatched` of `readSessions`, 1,000
 * by default), and how many are not listed (`omitted`), so memory stays flat whatever the log holds.
 */
export interface Unmatched extends UnmatchedCounts {
  /** The first unmatched AVC denials, in the log's order. */
  readonly avcEntries: readonly UnmatchedAvc[];
  /** The first unmatched anomalies, in the log's order. */
  readonly anomalyEntries: readonly UnmatchedAnomaly[];
  /** How many of each are counted but not listed: `avcs - avcEntries.length`, `anomalies - anomalyEntries.length`. */
  readonly omitted: UnmatchedCounts;
}

/** The correlator's unmatched AVCs and anomalies in their published form. */
export function unmatchedJson(unmatched: UnmatchedKept): Unmatched {
  return {
    avcs: unmatched.avcs,
    anomalies: unmatched.anomalies,
    avcEntries: unmatched.avcEntries.map((avc) => ({ ...avc, proof: formatProofId(avc.proof), time: time(avc.proof) })),
    anomalyEntries: unmatched.anomalyEntries.map((anomaly) => ({ ...anomaly, proof: formatProofId(anomaly.proof), time: time(anomaly.proof) })),
    omitted: { avcs: unmatched.avcs - unmatched.avcEntries.length, anomalies: unmatched.anomalies - unmatched.anomalyEntries.length },
  };
}
