// The lines a reading command could not read as records because of their bytes (longer than the maximum
// record length, or holding a NUL), counted for the whole process, readings on other threads included, so
// the command can say so instead of dropping them silently.

export type DroppedReason = 'too-long' | 'nul-byte';

export interface DroppedLines {
  count: number;
  readonly byReason: Record<DroppedReason, number>;
  /** Where the first one of each reason was (`file:line`). */
  readonly first: Partial<Record<DroppedReason, string>>;
}

const tally: DroppedLines = { count: 0, byReason: { 'too-long': 0, 'nul-byte': 0 }, first: {} };

export const isDroppedReason = (reason: string): reason is DroppedReason => reason === 'too-long' || reason === 'nul-byte';

export function countDropped(reason: DroppedReason, file: string, line: number): void {
  tally.count++;
  tally.byReason[reason]++;
  tally.first[reason] ??= `${file}:${line}`;
}

/** Adds the tally of a reading thread. */
export function addDropped(other: DroppedLines): void {
  for (const reason of ['too-long', 'nul-byte'] as const) {
    if (other.byReason[reason] === 0) continue;
    tally.count += other.byReason[reason];
    tally.byReason[reason] += other.byReason[reason];
    const where = other.first[reason];
    if (where !== undefined) tally.first[reason] ??= where;
  }
}

/** This thread's tally (a reading thread posts it when it is done). */
export const droppedLines = (): Readonly<DroppedLines> => tally;

/**
 * The stderr line of a command that dropped lines, or null: `2 lines not read as records: 1 longer than
 * 65536 bytes (first at a.log:3), 1 holding a NUL byte (first at a.log:9)`.
 */
export function droppedLinesMessage(command: string, maxLineBytes: number): string | null {
  if (tally.count === 0) return null;
  const parts: string[] = [];
  const { byReason, first } = tally;
  if (byReason['too-long'] > 0) parts.push(`${byReason['too-long']} longer than ${maxLineBytes} bytes (first at ${first['too-long']})`);
  if (byReason['nul-byte'] > 0) parts.push(`${byReason['nul-byte']} holding a NUL byte (first at ${first['nul-byte']})`);
  return `${command}: ${tally.count} line${tally.count === 1 ? '' : 's'} not read as records: ${parts.join(', ')}`;
}
