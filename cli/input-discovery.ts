// The audit logs in a directory named as an input: its regular files whose first lines are audit records
// (auditd's, the kernel log's, journald's or ausearch's forms), rotated sets oldest first; every other
// file skipped with the reason, for the command to list (stderr, and its JSON output where it has one).
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expandInputs, type AuditInput } from '../src/reader/input-set.js';
import { parseLine } from '../src/reader/parse-line.js';

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** Lines read from the head of a file to tell an audit log. */
const HEAD_LINES = 5;
const HEAD_BYTES = 1 << 16;

const excerpt = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** Why a file is not an audit log by its first lines, or null when it is one. */
export async function notAnAuditLog(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.length === 0) return 'empty';
  if (head.includes(0)) return 'binary (it holds NUL bytes)';
  const complete = head.length === HEAD_BYTES ? head.subarray(0, Math.max(head.lastIndexOf(10), 0)) : head;
  const lines = complete.toString('latin1').split('\n').map((text, index) => ({ text, line: index + 1 })).filter(({ text }) => text.trim() !== '' && text !== '----').slice(0, HEAD_LINES);
  if (lines.length === 0) return head.length === HEAD_BYTES ? `its first line is longer than ${HEAD_BYTES} bytes` : 'no line but blank ones';
  for (const { text, line } of lines) {
    const parsed = parseLine(text, { file: path, line });
    if (parsed.kind !== 'record') return `line ${line} is not an audit record: starts ${excerpt(text)}`;
  }
  return null;
}

/**
 * Expands the arguments (files, directories, `-`) as resolveInputs does, but reads from a directory only
 * its audit logs; the other files of a directory are skipped with their reason. Files named one by one
 * are read whatever they hold (the reader says what it cannot read).
 */
export async function resolveAuditInputs(args: readonly string[]): Promise<{ inputs: AuditInput[]; skipped: SkippedFile[] }> {
  const skipped: SkippedFile[] = [];
  const inputs = await expandInputs(args, async (directory) => {
    const logs: string[] = [];
    const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(directory, entry.name);
      const kind = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry;
      if (kind === null) skipped.push({ path, reason: 'a link to nothing' });
      else if (kind.isDirectory()) skipped.push({ path, reason: 'a directory (name it to read it)' });
      else if (!kind.isFile()) skipped.push({ path, reason: 'not a regular file' });
      else {
        const reason = await notAnAuditLog(path).catch((error: Error) => `unreadable: ${error.message}`);
        if (reason === null) logs.push(path);
        else skipped.push({ path, reason });
      }
    }
    return logs;
  });
  return { inputs, skipped };
}

/** The lines telling what was skipped, for stderr. */
export const describeSkipped = (command: string, skipped: readonly SkippedFile[]): string =>
  skipped.map((file) => `${command}: skipped ${file.path}: ${file.reason}\n`).join('');
