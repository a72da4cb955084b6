/**
 * `virt-audit/sessions`: the guest sessions of audit logs, one typed session at a time: what
 * `auvirt --format json` prints.
 *
 * @packageDocumentation
 * @module virt-audit/sessions
 */
import { resolveInputs, type AuditInput } from '../src/reader/input-set.js';
import { correlateSessions } from './correlator/run-sessions.js';
import { sessionJson, type SessionJson } from './correlator/session-json.js';

export type { SessionJson as Session } from './correlator/session-json.js';
export type { GuestAnomaly, GuestAvc, ProofId, SessionEnd } from './correlator/session-model.js';

/** How {@link readSessions} reads. */
export interface ReadSessionsOptions {
  /** Called as bytes are read (for a progress line). */
  readonly onProgress?: (bytesRead: number) => void;
}

/**
 * Reads audit logs — file paths, directories (each rotated set `audit.log.N … audit.log` read oldest first),
 * `-` for stdin, or resolved inputs — and yields every guest session, in the order they began, with its
 * resources, labels, AVC denials, anomalies, audit gaps, stops, `durationMs` and `running`.
 *
 * @param inputs - Paths (files, directories, `-`) or inputs already resolved (`resolveInputs` of `virt-audit`).
 * @param options - Progress.
 * @returns The sessions, each once the whole log is read.
 * @throws `InputError` (of `virt-audit`) when an input cannot be read.
 * @example
 * ```ts
 * import { readSessions } from 'virt-audit/sessions';
 *
 * for await (const session of readSessions(['/var/log/audit'])) console.log(session.name, session.running);
 * ```
 */
export async function* readSessions(inputs: readonly string[] | readonly AuditInput[], options: ReadSessionsOptions = {}): AsyncGenerator<SessionJson> {
  const resolved = inputs.every((input) => typeof input === 'string') ? await resolveInputs(inputs as readonly string[]) : (inputs as readonly AuditInput[]);
  const correlator = await correlateSessions(resolved, { allDetails: true, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  for (const session of correlator.sessions) yield sessionJson(session);
}
