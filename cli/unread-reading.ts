// A reading whose passed-over lines are kept for the command to tell once the reading is consumed.
import type { Reading } from '../src/reader/read-events-threaded.js';
import { NOTHING_UNREAD, type UnreadLines } from '../src/reader/unread-lines.js';

export function keepingUnread(reading: Reading): { readonly reading: Reading; unread(): UnreadLines } {
  let unread = NOTHING_UNREAD;
  return {
    reading: {
      consume: async (onEvent) => (unread = await reading.consume(onEvent)),
      cancel: () => reading.cancel(),
    },
    unread: () => unread,
  };
}
