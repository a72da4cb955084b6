// The watch's state file: where a restart goes on. Written whole to a temporary file beside it, synced,
// then renamed over it, so a reader (or a restart after a crash) sees the old state or the new, never half.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { CorrelatorSnapshot } from '../correlator/session-correlator.js';
import type { FilePosition } from './file-follower.js';

export interface WatchState {
  readonly version: 1;
  /** The log followed, and the place in it (device, inode, offset of the next unread line). */
  readonly position: FilePosition | null;
  /** The last record whose event was handled and told. */
  readonly lastRecord: string | null;
  readonly savedAt: string;
  /** What the correlator needs to go on (SessionCorrelator.snapshot). */
  readonly correlator: CorrelatorSnapshot;
}

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** The state saved at `path`, or null when there is none yet. */
export function readWatchState(path: string): WatchState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(`${path}: ${(error as Error).message}`);
  }
  let state: WatchState;
  try {
    state = JSON.parse(text) as WatchState;
  } catch (error) {
    throw new StateFileError(`${path}: not a watch state file (${(error as Error).message})`);
  }
  if (state === null || typeof state !== 'object' || state.version !== 1 || typeof state.correlator !== 'object' || state.correlator?.version !== 1) {
    throw new StateFileError(`${path}: not a watch state file of version 1`);
  }
  return state;
}

/** Saves the state atomically (temporary file, fsync, rename). */
export function writeWatchState(path: string, state: WatchState): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    const bytes = Buffer.from(`${JSON.stringify(state)}\n`, 'utf8');
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
