// What search and aureport say, beside their output, about what they could not read, and the exit
// status that follows: the real tools' own with --compat; without, a line on stderr for every line passed
// over, and exit 1 when lines could not be read (the output is then not the whole story).
import { describeUnread, type UnreadLines } from '../src/reader/unread-lines.js';
import { writeBlocking } from './blocking-write.js';

/**
 * The command's status, and the stderr line naming what it could not read (default mode): lines passed
 * over, or an input with nothing in it (an empty pipe: the report would say nothing was found).
 */
export function reportUnread(command: string, unread: UnreadLines, compat: boolean, status: number): number {
  if (compat) return status;
  if (unread.bytesRead === 0) {
    writeBlocking(2, `${command}: the input was empty: nothing was read\n`);
    return Math.max(status, 1);
  }
  if (unread.count === 0) return status;
  writeBlocking(2, `${command}: ${describeUnread(unread)}\n`);
  return Math.max(status, 1);
}
