// `virt-audit watch FILE` and `auvirt --follow`: the file follower and the live loop together, with the
// state file and the signals that end them.
import { FileFollower, type FollowStart } from './file-follower.js';
import type { RecordId } from './live-correlator.js';
import type { LiveEvent, LiveLine } from './live-event.js';
import { runWatch, type WatchResult } from './run-watch.js';
import { readWatchState, writeWatchState } from './watch-state.js';

export interface WatchFileOptions {
  readonly path: string;
  readonly onEvent: (event: LiveEvent) => void;
  /** Start at the end (default), at the current file's start, or with the rotated files before it. */
  readonly start?: 'end' | 'start' | 'rotated';
  readonly since?: number;
  readonly after?: RecordId;
  /** Where the position and the correlator's state are kept: when it exists, the watch goes on from it. */
  readonly statePath?: string;
  readonly pollMs?: number;
  readonly watch?: boolean;
  readonly idleMs?: number;
  readonly checkpointMs?: number;
  readonly onNotice?: (message: string) => void;
  readonly onRejected?: (line: LiveLine, reason: string) => void;
  /** Ends the watch when it resolves (the CLI: SIGTERM or SIGINT). */
  readonly stop?: Promise<unknown>;
}

/** Follows the log until `stop`; the state (when asked) is saved last. */
export async function watchFile(options: WatchFileOptions): Promise<WatchResult> {
  const saved = options.statePath === undefined ? null : readWatchState(options.statePath);
  const start: FollowStart = saved?.position ?? options.start ?? (options.since !== undefined || options.after !== undefined ? 'rotated' : 'end');
  const follower = new FileFollower({
    path: options.path,
    start,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.watch === undefined ? {} : { watch: options.watch }),
    ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
  });
  void options.stop?.then(() => follower.close());
  const { statePath } = options;
  return runWatch({
    source: follower,
    onEvent: options.onEvent,
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.after === undefined ? {} : { after: options.after }),
    ...(saved === null ? {} : { snapshot: saved.correlator }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    ...(options.checkpointMs === undefined ? {} : { checkpointMs: options.checkpointMs }),
    ...(options.onRejected === undefined ? {} : { onRejected: options.onRejected }),
    ...(statePath === undefined
      ? {}
      : {
          onCheckpoint: (checkpoint) =>
            writeWatchState(statePath, {
              version: 1, position: follower.position(), lastRecord: checkpoint.lastRecord ?? saved?.lastRecord ?? null,
              savedAt: new Date().toISOString(), correlator: checkpoint.snapshot,
            }),
        }),
  });
}
