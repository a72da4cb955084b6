// What a reading command reads when it is given no input, as ausearch and aureport choose: stdin when it
// is a pipe (unless --input-logs), otherwise the system's logs; with inputs, those.
import type { AuditInput } from '../src/reader/input-set.js';
import { resolveAuditInputs, type SkippedFile } from './input-discovery.js';
import { configuredLogFile, defaultLogs, stdinIsPipe } from './system-logs.js';

export type InputChoice =
  | { readonly kind: 'inputs'; readonly inputs: AuditInput[]; readonly source: 'named' | 'stdin' | 'system-logs'; readonly skipped: readonly SkippedFile[] }
  /** No input named, stdin no pipe, and the system's log is not there. */
  | { readonly kind: 'no-system-log'; readonly path: string };

export async function chooseInputs(named: readonly string[], options: { readonly inputLogs: boolean }): Promise<InputChoice> {
  if (named.length > 0) return { kind: 'inputs', ...(await resolveAuditInputs(named)), source: 'named' };
  if (!options.inputLogs && stdinIsPipe()) return { kind: 'inputs', inputs: [{ kind: 'stdin', path: '-' }], source: 'stdin', skipped: [] };
  const logs = defaultLogs();
  if (logs.length === 0) return { kind: 'no-system-log', path: configuredLogFile() };
  return { kind: 'inputs', inputs: logs.map((path) => ({ kind: 'file', path })), source: 'system-logs', skipped: [] };
}
