// What ausearch (audit-userspace 3.0.9, ausearch-parse.c) reads of SYSCALL and SECCOMP records when no
// criterion asks for their other fields — parse_syscall: arch (only when the output is interpreted),
// syscall, a0 and a1; parse_kernel_anom: SECCOMP's arch and syscall. A record it cannot read makes it pass
// over the whole event (extract_search_items fails).
import { strtoul } from './aureport-record.js';

export const AUDIT_SYSCALL = 1300;
export const AUDIT_SECCOMP = 1326;

/** strstr(term, name), the value up to the next space (required), strtoul'd without overflow; where the next search starts. */
function readField(message: string, from: number, name: string, base: 10 | 16): { value: bigint; term: number } | 'absent' | 'unreadable' {
  const at = message.indexOf(name, from);
  if (at === -1) return 'absent';
  const value = at + name.length;
  const space = message.indexOf(' ', value);
  if (space === -1) return 'unreadable';
  const parsed = strtoul(message.slice(0, space), value, base);
  return parsed.overflow ? 'unreadable' : { value: parsed.value, term: space };
}

/** parse_kernel_anom on a SECCOMP record: its arch (optional, some kernels lack it) and then its syscall. */
export function seccompReadable(message: string): boolean {
  const arch = readField(message, 0, 'arch=', 16);
  if (arch === 'absent') return true;
  if (arch === 'unreadable') return false;
  return typeof readField(message, arch.term, 'syscall=', 10) === 'object';
}

/** The record's a0 and a1; null where parse_syscall fails on its message (the line up to any 0x1D). */
export function syscallArguments(message: string, interpreted: boolean): { a0: bigint; a1: bigint } | null {
  let term = 0;
  const field = (name: string, base: 10 | 16): bigint | null => {
    const read = readField(message, term, name, base);
    if (typeof read !== 'object') return null;
    term = read.term;
    return read.value;
  };
  if (interpreted && field('arch=', 16) === null) return null;
  if (field('syscall=', 10) === null) return null;
  const a0 = field('a0=', 16);
  if (a0 === null) return null;
  const a1 = field('a1=', 16);
  if (a1 === null) return null;
  return { a0, a1 };
}
