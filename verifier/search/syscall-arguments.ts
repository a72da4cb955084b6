// What ausearch (audit-userspace 3.0.9, ausearch-parse.c parse_syscall) reads of a SYSCALL record when no
// criterion asks for its other fields: arch (only when the output is interpreted), syscall, a0 and a1. A
// record it cannot read makes it pass over the whole event (extract_search_items fails).
import { strtoul } from './aureport-record.js';

export const AUDIT_SYSCALL = 1300;

/** The record's a0 and a1; null where parse_syscall fails on its message (the line up to any 0x1D). */
export function syscallArguments(message: string, interpreted: boolean): { a0: bigint; a1: bigint } | null {
  let term = 0;
  // strstr(term, name), the value up to the next space (required), strtoul'd without overflow.
  const field = (name: string, base: 10 | 16): bigint | null => {
    const at = message.indexOf(name, term);
    if (at === -1) return null;
    const value = at + name.length;
    const space = message.indexOf(' ', value);
    if (space === -1) return null;
    const parsed = strtoul(message.slice(0, space), value, base);
    if (parsed.overflow) return null;
    term = space;
    return parsed.value;
  };
  if (interpreted && field('arch=', 16) === null) return null;
  if (field('syscall=', 10) === null) return null;
  const a0 = field('a0=', 16);
  if (a0 === null) return null;
  const a1 = field('a1=', 16);
  if (a1 === null) return null;
  return { a0, a1 };
}
