// Where the reading commands read when no input is named: as ausearch and aureport choose (stdin when it
// is a pipe, else the system's logs), and the system's logs as auparse finds them.
import { existsSync, fstatSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { configuredLogFile } from '../src/reader/auditd-conf.js';
import { orderRotatedSets } from '../src/reader/input-set.js';

export { configuredLogFile };

/** auditd.conf's log_file and its rotated files, oldest first (auparse's AUSOURCE_LOGS); none when it is missing. */
export function defaultLogs(logFile = configuredLogFile()): string[] {
  if (!existsSync(logFile)) return [];
  const directory = dirname(logFile);
  const rotated = readdirSync(directory).filter((name) => new RegExp(`^${basename(logFile).replace(/\./g, '\\.')}\\.\\d+$`).test(name)).map((name) => join(directory, name));
  return orderRotatedSets([logFile, ...rotated]);
}

/**
 * Whether stdin is a pipe to read: ausearch and aureport read stdin when it is a FIFO, their logs
 * otherwise (a terminal, a file redirected in, /dev/null). A socket counts as a pipe here (what a
 * program that starts this one with piped input gives it).
 */
export function stdinIsPipe(): boolean {
  try {
    const info = fstatSync(0);
    return info.isFIFO() || info.isSocket();
  } catch {
    return false;
  }
}
