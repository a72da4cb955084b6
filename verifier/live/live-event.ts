// The live side's contract (issue 18): what `virt-audit watch` writes for each change the correlator sees,
// what a live source hands it, and what a rule raises. The file follower, the auditd plugin reader and the
// netlink reader all produce lines; the correlator (default mode) turns them into these events, so a live
// run and a later `auvirt --format json` over the same log tell the same sessions.

/** One line of audit text as auditd writes it to its log (RAW; `node=` first when the log names nodes), no newline. */
export interface LiveLine {
  readonly text: string;
  /** Where it came from, for messages: a file and line, `<stdin>:N`, or `netlink`. */
  readonly origin: string;
}

/** Where live audit text comes from. Iteration ends when the source ends (stdin closed, `close()` called). */
export interface LiveLineSource extends AsyncIterable<LiveLine> {
  /** Stops reading; pending iteration ends. */
  close(): Promise<void>;
  /** Lines the source had to drop (a full queue, a line over the limit), counted, never silent. */
  readonly dropped: number;
}

/** The change a live event reports. */
export type LiveEventKind =
  | 'session-started' // a successful start (booted, restored, migrated …)
  | 'session-failed' // a start that failed
  | 'session-ended' // a stop, the host going down, or a restart without a stop
  | 'gap-opened' // auditd ended or aborted while guests ran: their records are not logged until it starts
  | 'gap-closed'
  | 'resource-assigned' // a resource given to a guest (start-time, attach, update's new value)
  | 'resource-released' // a detach, an update's old value, or the session's end releasing what it held
  | 'avc' // an AVC / USER_AVC tied to a running guest
  | 'anomaly'; // an ANOM_* record tied to a running guest

/**
 * One change, as soon as the records proving it are read. `proofs` are the records' ids
 * (`node:seconds.millis:serial`, as the JSON report writes them), so an event can be checked against the log.
 */
export interface LiveEvent {
  readonly event: LiveEventKind;
  /** ISO 8601 (UTC) time of the record that made the change. */
  readonly time: string;
  readonly node: string | null;
  readonly uuid: string | null;
  readonly name: string | null;
  readonly proofs: readonly string[];
  /** session-ended: `stopped`, `down`, `restarted`; with the stop's reason (`destroyed`, `shutdown`, `crashed` …). */
  readonly how?: string;
  readonly reason?: string | null;
  readonly success?: boolean;
  readonly vmPid?: number | null;
  readonly user?: string | null;
  /** resource-*: libvirt's resrc (disk, net, cgroup, dev …) and the value as the JSON report's resources carry it. */
  readonly resource?: { readonly kind: string; readonly reason: string; readonly value: string; readonly previous: string | null };
  /** avc / anomaly: the JSON report's avc or anomaly entry. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A rule's finding: written as NDJSON beside (or instead of) the events. */
export interface LiveAlert {
  readonly event: 'alert';
  /** The rule's id from the rule file. */
  readonly rule: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
  readonly time: string;
  readonly node: string | null;
  readonly uuid: string | null;
  readonly name: string | null;
  /** The event that raised it (absent for alerts raised by time alone, e.g. a guest running too long). */
  readonly cause?: LiveEvent;
  readonly proofs: readonly string[];
}
