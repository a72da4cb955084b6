// The live loop: lines from any source (a followed file, auditd's plugin stdin, netlink) through the
// correlator, each change written as it happens. When the source is idle the events still open are
// completed, and a checkpoint is offered (the watch's state file) — at most every `checkpointMs`.
import type { CorrelatorSnapshot } from '../correlator/session-correlator.js';
import { LiveCorrelator, type RecordId } from './live-correlator.js';
import type { LiveEvent, LiveLine, LiveLineSource } from './live-event.js';

export interface WatchCheckpoint {
  /** The last record whose event was handled (and its changes written). */
  readonly lastRecord: string | null;
  readonly snapshot: CorrelatorSnapshot;
}

export interface RunWatchOptions {
  readonly source: LiveLineSource;
  /** Each change, as it happens. */
  readonly onEvent: (event: LiveEvent) => void;
  readonly since?: number;
  readonly after?: RecordId;
  readonly snapshot?: CorrelatorSnapshot;
  /** No line for this long: the events still open are complete (default 1000 ms; auparse waits 2 s of stream time). */
  readonly idleMs?: number;
  /**
   * Offered when no event is open (after an idle source's were completed, or between events of a busy
   * one) and something was read since the last, at most every `checkpointMs` (default 1000), and at the end.
   */
  readonly onCheckpoint?: (checkpoint: WatchCheckpoint) => void;
  readonly checkpointMs?: number;
  readonly onRejected?: (line: LiveLine, reason: string) => void;
}

export interface WatchResult {
  readonly lines: number;
  readonly events: number;
  readonly rejected: number;
  readonly dropped: number;
}

/** Runs until the source ends (closed, or stdin at its end). */
export async function runWatch(options: RunWatchOptions): Promise<WatchResult> {
  const { source } = options;
  const idleMs = options.idleMs ?? 1000;
  const checkpointMs = options.checkpointMs ?? 1000;
  let events = 0;
  let lines = 0;
  const live = new LiveCorrelator({
    onEvent: (event) => {
      events++;
      options.onEvent(event);
    },
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.after === undefined ? {} : { after: options.after }),
    ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
    ...(options.onRejected === undefined ? {} : { onRejected: options.onRejected }),
  });
  let lastLineAt = Date.now();
  let lastCheckpointAt = 0;
  /** Lines read since the last checkpoint; the first idle moment saves where the watch began. */
  let unsaved = 1;
  let open = false;
  /** A checkpoint that could not be saved ends the watch: going on would leave a restart nowhere to go on from. */
  let failure: unknown;
  const checkpoint = (force: boolean): void => {
    if (options.onCheckpoint === undefined || failure !== undefined || (!force && (unsaved === 0 || Date.now() - lastCheckpointAt < checkpointMs))) return;
    try {
      options.onCheckpoint({ lastRecord: live.lastRecord, snapshot: live.correlator.snapshot() });
    } catch (error) {
      failure = error;
      void source.close();
      return;
    }
    lastCheckpointAt = Date.now();
    unsaved = 0;
  };
  const idle = setInterval(() => {
    if (Date.now() - lastLineAt < idleMs) return;
    if (open) {
      live.flush();
      open = false;
    }
    checkpoint(false);
  }, Math.max(10, Math.min(idleMs, checkpointMs) / 2));
  try {
    for await (const line of source) {
      lines++;
      unsaved++;
      open = true;
      lastLineAt = Date.now();
      live.push(line);
      // A busy log is never idle: its checkpoints come between events.
      if (live.settled) {
        open = false;
        checkpoint(false);
      }
    }
    live.flush();
    checkpoint(true);
  } finally {
    clearInterval(idle);
  }
  if (failure !== undefined) throw failure;
  return { lines, events, rejected: live.rejected, dropped: source.dropped };
}
