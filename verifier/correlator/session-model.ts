// What the correlator builds from a log: guest sessions per node, with their labels, resources, AVC
// denials and anomalies, each tied to the records that prove it.

/** Where a fact comes from: the record's node, time and serial (serials alone repeat across nodes and boots). */
export interface ProofId {
  /** The record's node= name, or null. */
  readonly node: string | null;
  /** Its time stamp's seconds. */
  readonly sec: number;
  /** Its time stamp's milliseconds. */
  readonly ms: number;
  /** Its serial (past 2^53 the nearest double: see `exactStamp`). */
  readonly serial: number;
  /** `SECONDS.MILLIS:SERIAL` as the stamp writes them, where the seconds or the serial are past 2^53 (a number does not hold them). */
  readonly exactStamp?: string | undefined;
}

export function formatProofId(proof: ProofId): string {
  return `${proof.node === null ? '' : `${proof.node}:`}${proof.exactStamp ?? `${proof.sec}.${String(proof.ms).padStart(3, '0')}:${proof.serial}`}`;
}

const STAMP = /\((\d+)\.(\d{3}):(\d+)\)/;

/** A proof's `exactStamp` where the record's seconds or serial are past 2^53 (read from its stamp, leading zeros dropped). */
export function exactStampOf(sec: number, serial: number, text: string): { exactStamp?: string } {
  if (Number.isSafeInteger(sec) && Number.isSafeInteger(serial)) return {};
  const stamp = STAMP.exec(text);
  return stamp === null ? {} : { exactStamp: `${BigInt(stamp[1]!)}.${stamp[2]}:${BigInt(stamp[3]!)}` };
}

/** How a session ended: stopped, its start failed, the host went down, or the guest started again without a stop. */
export type SessionEnd =
  | 'stopped' // a successful stop
  | 'failed-start' // the start itself failed
  | 'down' // the host went down (SYSTEM_SHUTDOWN / SYSTEM_BOOT)
  | 'restarted'; // a new successful start of the same guest on the same node, with no stop between

/**
 * A time the audit daemon was away (DAEMON_END or DAEMON_ABORT, until DAEMON_START) while a session ran:
 * its records then were not logged. `to` is null while auditd has not come back.
 */
export interface AuditGap {
  readonly from: ProofId;
  readonly to: ProofId | null;
}

export interface SecurityLabel {
  readonly model: string;
  readonly vmContext: string | null;
  readonly imageContext: string | null;
  /** The MCS level of an SELinux label (after the third colon). */
  readonly level: string | null;
  readonly proof: ProofId;
}

export interface ResourceAssignment {
  /** libvirt's resrc (disk, net, cgroup, dev, tpm …); `net-open` for reason=open records. */
  readonly kind: string;
  readonly reason: string;
  /** The assigned value: a path, MAC, count, device; for cgroup the rule, for dev `bus device`. */
  readonly value: string;
  readonly previous: string | null;
  readonly success: boolean;
  readonly user: string | null;
  readonly start: ProofId;
  end: ProofId | null;
  endedBy: 'update' | 'detach' | 'stop' | 'failed-start' | 'down' | 'restarted' | null;
  readonly details: Readonly<Record<string, string | null>>;
  readonly proofs: ProofId[];
}

/** An AVC denial tied to a guest. */
export interface GuestAvc {
  /** Which LSM wrote it. */
  readonly kind: 'selinux' | 'apparmor';
  /** How the AVC was tied to the guest. */
  readonly matchedBy: 'scontext-level' | 'tcontext-level' | 'apparmor-profile' | 'resource-path';
  /** `denied`, or what the AVC says it did. */
  readonly result: string;
  /** The permissions asked for (read, write…). */
  readonly permissions: readonly string[];
  /** The process's command name. */
  readonly comm: string | null;
  /** The object: its path or name. */
  readonly target: string | null;
  /** The source context (SELinux). */
  readonly scontext: string | null;
  /** The target context (SELinux). */
  readonly tcontext: string | null;
  /** The user of the process, where known. */
  readonly user: string | null;
  /** The record that proves it. */
  readonly proof: ProofId;
}

/** An ANOM_* record of a guest's QEMU process. */
export interface GuestAnomaly {
  /** The record type (ANOM_ABEND…). */
  readonly type: string;
  /** The process's pid. */
  readonly pid: number | null;
  /** The signal that ended it. */
  readonly signal: number | null;
  /** The user of the process, where known. */
  readonly user: string | null;
  /** The record that proves it. */
  readonly proof: ProofId;
}

export interface StopRecord {
  readonly reason: string | null;
  readonly success: boolean;
  readonly user: string | null;
  readonly proof: ProofId;
}

export interface GuestSession {
  readonly node: string | null;
  readonly uuid: string;
  readonly name: string;
  readonly virt: string | null;
  /** null for a stop whose start is not in the log (it began mid-session). */
  readonly start: { readonly reason: string | null; readonly success: boolean; readonly vmPid: number | null; readonly user: string | null; readonly proof: ProofId } | null;
  /** Failed stops, then the stop that ended the session. */
  readonly stops: StopRecord[];
  end: { readonly how: SessionEnd; readonly proof: ProofId } | null;
  readonly labels: SecurityLabel[];
  readonly resources: ResourceAssignment[];
  readonly avcs: GuestAvc[];
  readonly anomalies: GuestAnomaly[];
  /** Times auditd was away while the session ran. */
  readonly gaps: readonly AuditGap[];
}

/** One row of the report, in the order the log told it. */
export type ReportRow =
  | { readonly kind: 'start'; readonly session: GuestSession }
  | { readonly kind: 'stop'; readonly session: GuestSession; readonly stop: StopRecord }
  | { readonly kind: 'resrc'; readonly session: GuestSession; readonly resource: ResourceAssignment }
  | { readonly kind: 'avc'; readonly session: GuestSession; readonly avc: GuestAvc }
  | { readonly kind: 'anom'; readonly session: GuestSession; readonly anomaly: GuestAnomaly }
  | { readonly kind: 'down'; readonly session: GuestSession; readonly proof: ProofId };
