// What the kernel and libaudit put around a message sent by this process, for the dry-run sinks.
import { readFileSync, readlinkSync } from 'node:fs';

/** The header the kernel writes before a user message: the sender's pid, uid, auid and session. */
export interface RecordHeader {
  /** The sender's pid. */
  readonly pid: number;
  /** Its uid. */
  readonly uid: number;
  /** Its login uid (4294967295 unset). */
  readonly auid: number;
  /** Its session (4294967295 unset). */
  readonly ses: number;
  /** Present only on hosts with an LSM. */
  readonly subj?: string | null;
}

/** What libaudit appends to a user message (before res=). */
export interface LibauditTail {
  /** exe=: the sender's program. */
  readonly exe: string | null;
  /** hostname= (libvirt: `?`, null). */
  readonly hostname: string | null;
  /** addr= (libvirt: `?`, null). */
  readonly addr: string | null;
  /** terminal= (libvirt: `?`, null). */
  readonly terminal: string | null;
}

function readNumber(path: string, fallback: number): number {
  try {
    const value = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function readSubject(): string | null {
  try {
    const label = readFileSync('/proc/self/attr/current', 'utf8').replace(/\0/g, '').trim();
    return label === '' || label === 'unconfined' ? null : label;
  } catch {
    return null;
  }
}

/** The header the kernel writes for this process: pid, uid, auid, ses and, with an LSM, subj. */
export function currentHeader(): RecordHeader {
  const subj = readSubject();
  const header = {
    pid: process.pid,
    uid: process.getuid?.() ?? 0,
    auid: readNumber('/proc/self/loginuid', 4294967295),
    ses: readNumber('/proc/self/sessionid', 4294967295),
  };
  return subj === null ? header : { ...header, subj };
}

let ownTail: LibauditTail | undefined;

/** The tail libaudit appends for this process when called like libvirtd (no hostname, addr or tty); libaudit caches exe too. */
export function currentTail(): LibauditTail {
  if (ownTail === undefined) {
    let exe: string | null;
    try {
      exe = readlinkSync('/proc/self/exe');
    } catch {
      exe = null;
    }
    ownTail = { exe, hostname: null, addr: null, terminal: null };
  }
  return ownTail;
}
