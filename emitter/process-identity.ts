// What the kernel and libaudit put around a message sent by this process, for the dry-run sinks.
import { readFileSync, readlinkSync } from 'node:fs';

export interface RecordHeader {
  readonly pid: number;
  readonly uid: number;
  readonly auid: number;
  readonly ses: number;
  /** Present only on hosts with an LSM. */
  readonly subj?: string | null;
}

export interface LibauditTail {
  readonly exe: string | null;
  readonly hostname: string | null;
  readonly addr: string | null;
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
