import { Command, Option } from 'commander';
import { parseRecordId, type RecordId } from '../verifier/live/live-correlator.js';
import type { LiveEvent, LiveLineSource } from '../verifier/live/live-event.js';
import { formatLiveEvent, type WatchFormat } from '../verifier/live/watch-output.js';
import { resolveBound, TimeError } from '../verifier/auvirt/time-keywords.js';
import { writeBlocking } from './blocking-write.js';
import { UsageError } from './usage.js';

/** Exit status of a watch: 0 ended by SIGTERM/SIGINT (state saved), 1 the log or the state file could not be read or written, 2 a usage error. */
export const WATCH_EXIT = { done: 0, failed: 1, usage: 2 } as const;

export interface FollowCommandOptions {
  readonly path: string;
  readonly format: WatchFormat;
  readonly start?: 'end' | 'start';
  readonly since?: number;
  readonly after?: RecordId;
  readonly statePath?: string;
  readonly pollMs?: number;
  readonly proof?: boolean;
  /** Only the events this keeps are written (auvirt --follow's --vm/--uuid). */
  readonly keep?: (event: LiveEvent) => boolean;
}

/** The log auditd writes: auditd.conf's log_file (auparse's default when there is none). */
export async function auditdLogFile(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  try {
    const match = /^\s*log_file\s*=\s*(\S+)/m.exec(readFileSync('/etc/audit/auditd.conf', 'utf8'));
    if (match) return match[1]!;
  } catch {
    // no auditd.conf
  }
  return '/var/log/audit/audit.log';
}

/** `--since DATE [TIME]` in one argument, read as the report's -ts reads its two. */
export function parseSince(text: string, now = new Date()): number {
  const [date, time, ...rest] = text.trim().split(/\s+/);
  if (date === undefined || date === '' || rest.length > 0) throw new UsageError(`--since takes DATE [TIME] (as auvirt's --start), not "${text}"`);
  try {
    return resolveBound('start', date, time ?? '00:00:00', now);
  } catch (error) {
    if (error instanceof TimeError) throw new UsageError(`--since: ${error.message}`);
    throw error;
  }
}

/** Follows the log until SIGTERM or SIGINT, writing each change to stdout; returns the exit status. */
export async function followLog(options: FollowCommandOptions): Promise<number> {
  const { watchFile } = await import('../verifier/live/watch-file.js');
  let signalled: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (): void => signalled();
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  try {
    const result = await watchFile({
      path: options.path,
      stop,
      onEvent: (event) => {
        if (options.keep === undefined || options.keep(event)) writeBlocking(1, formatLiveEvent(event, options.format, options.proof));
      },
      onNotice: (message) => process.stderr.write(`watch: ${message}\n`),
      onRejected: (line, reason) => process.stderr.write(`watch: ${line.origin}: rejected: ${reason}\n`),
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.after === undefined ? {} : { after: options.after }),
      ...(options.statePath === undefined ? {} : { statePath: options.statePath }),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    });
    if (result.dropped > 0 || result.rejected > 0) process.stderr.write(`watch: ${result.lines} lines, ${result.rejected} not audit records, ${result.dropped} dropped (over-long or cut by a truncation)\n`);
    return WATCH_EXIT.done;
  } catch (error) {
    process.stderr.write(`watch: ${error instanceof Error ? error.message : String(error)}\n`);
    return WATCH_EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  }
}

/**
 * Watches any line source (the auditd plugin's stdin, netlink …) until it ends or SIGTERM/SIGINT closes it,
 * writing each change to stdout; returns the exit status. `virt-audit watch FILE` is this with the file follower
 * and the state file (followLog).
 */
export async function watchLines(source: LiveLineSource, options: { readonly format: WatchFormat; readonly proof?: boolean; readonly keep?: (event: LiveEvent) => boolean }): Promise<number> {
  const { runWatch } = await import('../verifier/live/run-watch.js');
  const onSignal = (): void => void source.close();
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  try {
    const result = await runWatch({
      source,
      onEvent: (event) => {
        if (options.keep === undefined || options.keep(event)) writeBlocking(1, formatLiveEvent(event, options.format, options.proof));
      },
      onRejected: (line, reason) => process.stderr.write(`watch: ${line.origin}: rejected: ${reason}\n`),
    });
    if (result.dropped > 0 || result.rejected > 0) process.stderr.write(`watch: ${result.lines} lines, ${result.rejected} not audit records, ${result.dropped} dropped by the source\n`);
    return WATCH_EXIT.done;
  } catch (error) {
    process.stderr.write(`watch: ${error instanceof Error ? error.message : String(error)}\n`);
    return WATCH_EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  }
}

export function watchCommand(): Command {
  return new Command('watch')
    .exitOverride()
    .description('follow the audit log as auditd writes it: each guest session started, ended or failed, resource assigned or released, audit gap, AVC or anomaly, as it happens')
    .argument('[file]', "the log to follow (default: auditd.conf's log_file)")
    .addOption(new Option('--format <format>', 'text (auvirt\'s columns after an event word) or ndjson (one event per line)').choices(['text', 'ndjson']).default('text'))
    .option('--from-start', 'read the current file from its start (default: only what is written from now)')
    .option('--since <date>', 'tell the changes from DATE [TIME] on (as auvirt --start: MM/DD/YY, today, recent …), reading the rotated files too')
    .option('--after <id>', 'tell the changes after the record node:seconds.millis:serial, reading the rotated files too')
    .option('--state <file>', 'keep the position and open sessions here; a restart goes on from it')
    .option('--poll <ms>', 'check the file this often when nothing woke the watch', '250')
    .option('--proof', 'in text, the ids of the records behind each change')
    .action(async (file: string | undefined, flags: { format: WatchFormat; fromStart?: boolean; since?: string; after?: string; state?: string; poll: string; proof?: boolean }) => {
      const pollMs = Number(flags.poll);
      if (!Number.isInteger(pollMs) || pollMs < 10 || pollMs > 60_000) throw new UsageError(`--poll is milliseconds from 10 to 60000, not ${flags.poll}`);
      let after: RecordId | undefined;
      if (flags.after !== undefined) {
        const parsed = parseRecordId(flags.after);
        if (parsed === null) throw new UsageError(`--after takes a record id node:seconds.millis:serial (as --proof shows), not "${flags.after}"`);
        after = parsed;
      }
      process.exitCode = await followLog({
        path: file ?? (await auditdLogFile()),
        format: flags.format,
        pollMs,
        ...(flags.fromStart ? { start: 'start' as const } : {}),
        ...(flags.since === undefined ? {} : { since: parseSince(flags.since) }),
        ...(after === undefined ? {} : { after }),
        ...(flags.state === undefined ? {} : { statePath: flags.state }),
        ...(flags.proof ? { proof: true } : {}),
      });
    });
}
