import { Command, Option } from 'commander';
import { parseRecordId, type RecordId } from '../verifier/live/live-correlator.js';
import type { LiveEvent, LiveLineSource } from '../verifier/live/live-event.js';
import { formatLiveEvent, type WatchFormat } from '../verifier/live/watch-output.js';
import type { WatchResult } from '../verifier/live/run-watch.js';
import { resolveBound, TimeError } from '../verifier/auvirt/time-keywords.js';
import type { LiveAlert } from '../verifier/live/live-event.js';
import type { RuleEngine } from '../verifier/live/rules.js';
import { openWatchSink, type WatchSink, type WatchSinkTarget } from './watch-sink.js';
import { configuredLogFile } from './system-logs.js';
import { UsageError } from './usage.js';

/**
 * Exit status of a watch: 0 ended by SIGTERM/SIGINT or the end of its source (state saved), 1 the log, the
 * source or the state file could not be read or written, 2 a usage error (a bad rule file included), 3 ended
 * normally but a rule raised an alert and `--fail-on-alert` was given.
 */
export const WATCH_EXIT = { done: 0, failed: 1, usage: 2, alerted: 3 } as const;

/** What a watch writes and where: events and alerts in a format, to stdout, a file or syslog. */
export interface WatchWriting {
  readonly format: WatchFormat;
  readonly proof?: boolean;
  /** Only the events this keeps are written (auvirt --follow's --vm/--uuid). */
  readonly keep?: (event: LiveEvent) => boolean;
  /** Rules whose alerts are written beside the events. */
  readonly rules?: RuleEngine | undefined;
  /** Write the alerts only. */
  readonly alertsOnly?: boolean;
  readonly sink?: WatchSink;
}

/** The writer of events and alerts, and the rules' clock (time rules alert while nothing is read). */
function eventWriter(writing: WatchWriting): { onEvent: (event: LiveEvent) => void; alerts: () => number; stop: () => void } {
  const sink = writing.sink ?? openWatchSink({ kind: 'stdout' });
  let alerts = 0;
  const writeAlerts = (raised: readonly LiveAlert[]): void => {
    for (const alert of raised) {
      alerts++;
      sink.write(formatLiveEvent(alert, writing.format, writing.proof));
    }
  };
  const clock = writing.rules === undefined ? undefined : setInterval(() => writeAlerts(writing.rules!.tick(Date.now())), 1000);
  clock?.unref();
  return {
    onEvent: (event) => {
      if (!writing.alertsOnly && (writing.keep === undefined || writing.keep(event))) sink.write(formatLiveEvent(event, writing.format, writing.proof));
      if (writing.rules !== undefined) writeAlerts(writing.rules.onEvent(event));
    },
    alerts: () => alerts,
    stop: () => clearInterval(clock),
  };
}

export interface FollowCommandOptions extends WatchWriting {
  readonly path: string;
  readonly start?: 'end' | 'start';
  readonly since?: number;
  readonly after?: RecordId;
  readonly statePath?: string;
  readonly pollMs?: number;
  /** With --fail-on-alert: exit 3 when an alert was raised. */
  readonly failOnAlert?: boolean;
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

/** Runs a watch to its end: what was dropped or rejected told on stderr, the exit status returned. */
async function finishWatch(run: () => Promise<WatchResult>, writer: ReturnType<typeof eventWriter>, droppedBy: string, failOnAlert: boolean | undefined): Promise<number> {
  try {
    const result = await run();
    if (result.dropped > 0 || result.rejected > 0) process.stderr.write(`watch: ${result.lines} lines, ${result.rejected} not audit records, ${result.dropped} dropped ${droppedBy}\n`);
    return failOnAlert && writer.alerts() > 0 ? WATCH_EXIT.alerted : WATCH_EXIT.done;
  } catch (error) {
    process.stderr.write(`watch: ${error instanceof Error ? error.message : String(error)}\n`);
    return WATCH_EXIT.failed;
  } finally {
    writer.stop();
  }
}

/** Follows the log until SIGTERM or SIGINT, writing each change to stdout; returns the exit status. */
export async function followLog(options: FollowCommandOptions): Promise<number> {
  const { watchFile } = await import('../verifier/live/watch-file.js');
  let signalled: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (): void => signalled();
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  const writer = eventWriter(options);
  try {
    return await finishWatch(() => watchFile({
      path: options.path,
      stop,
      onEvent: writer.onEvent,
      onNotice: (message) => process.stderr.write(`watch: ${message}\n`),
      onRejected: (line, reason) => process.stderr.write(`watch: ${line.origin}: rejected: ${reason}\n`),
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.after === undefined ? {} : { after: options.after }),
      ...(options.statePath === undefined ? {} : { statePath: options.statePath }),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    }), writer, '(over-long or cut by a truncation)', options.failOnAlert);
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  }
}

/**
 * Watches any line source (the auditd plugin's stdin, netlink …) until it ends or SIGTERM/SIGINT closes it,
 * writing each change; returns the exit status. `virt-audit watch FILE` is this with the file follower
 * and the state file (followLog). A source that handles its own signals (the plugin source: SIGTERM ends it
 * after what is queued) is left to them.
 */
export async function watchLines(source: LiveLineSource, options: WatchWriting & { readonly sourceHandlesSignals?: boolean; readonly failOnAlert?: boolean }): Promise<number> {
  const { runWatch } = await import('../verifier/live/run-watch.js');
  const onSignal = (): void => void source.close();
  if (!options.sourceHandlesSignals) process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  else process.once('SIGINT', onSignal);
  const writer = eventWriter(options);
  try {
    return await finishWatch(() => runWatch({
      source,
      onEvent: writer.onEvent,
      onRejected: (line, reason) => process.stderr.write(`watch: ${line.origin}: rejected: ${reason}\n`),
    }), writer, 'by the source', options.failOnAlert);
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  }
}

/** The rule file, compiled; a bad one is a usage error naming the file and the place. */
async function loadRules(path: string): Promise<RuleEngine> {
  const { RuleEngine, RuleFileError } = await import('../verifier/live/rules.js');
  try {
    return RuleEngine.fromFile(path);
  } catch (error) {
    if (error instanceof RuleFileError) throw new UsageError(error.message);
    throw error;
  }
}

interface WatchFlags {
  format: WatchFormat;
  source: 'file' | 'plugin' | 'netlink';
  plugin?: boolean;
  node?: string;
  fromStart?: boolean;
  since?: string;
  after?: string;
  state?: string;
  poll: string;
  proof?: boolean;
  rules?: string;
  alertsOnly?: boolean;
  failOnAlert?: boolean;
  output?: string;
  syslog?: boolean | string;
}

export function watchCommand(): Command {
  return new Command('watch')
    .exitOverride()
    .description('follow the audit log as auditd writes it (or auditd\'s plugin input, or the kernel): each guest session started, ended or failed, resource assigned or released, audit gap, AVC or anomaly, as it happens; alerts from a rule file')
    .argument('[file]', "the log to follow (default: auditd.conf's log_file; --source file only)")
    .addOption(new Option('--source <source>', 'file (follow the log), plugin (auditd\'s dispatcher on stdin: plugins.d, format = string) or netlink (the kernel\'s audit multicast group; needs CAP_AUDIT_READ)').choices(['file', 'plugin', 'netlink']).default('file'))
    .option('--plugin', 'the same as --source plugin (for plugins.d\'s args)')
    .option('--node <name>', 'with --source netlink: the node name auditd writes (node=NAME), as its name_format gives it')
    .addOption(new Option('--format <format>', 'text (auvirt\'s columns after an event word) or ndjson (one event per line)').choices(['text', 'ndjson']).default('text'))
    .option('--from-start', 'read the current file from its start (default: only what is written from now)')
    .option('--since <date>', 'tell the changes from DATE [TIME] on (as auvirt --start: MM/DD/YY, today, recent …), reading the rotated files too')
    .option('--after <id>', 'tell the changes after the record node:seconds.millis:serial, reading the rotated files too')
    .option('--state <file>', 'keep the position and open sessions here; a restart goes on from it (--source file)')
    .option('--poll <ms>', 'check the file this often when nothing woke the watch', '250')
    .option('--proof', 'in text, the ids of the records behind each change')
    .option('--rules <file>', 'alert rules (JSON, schemas/watch-rules.schema.json): each alert is written beside the events')
    .option('--alerts-only', 'write the alerts only, not every change')
    .option('--fail-on-alert', 'exit 3 at the end when a rule raised an alert')
    .option('--output <file>', 'append to FILE instead of stdout (opened again on SIGHUP, for log rotation)')
    .option('--syslog [socket]', 'send each line to syslog / the journal (logger(1), tag virt-audit; the socket /dev/log unless given) instead of stdout; lines it cannot take are counted and make the exit status 1')
    .action(async (file: string | undefined, flags: WatchFlags) => {
      const source = flags.plugin ? 'plugin' : flags.source;
      const pollMs = Number(flags.poll);
      if (!Number.isInteger(pollMs) || pollMs < 10 || pollMs > 60_000) throw new UsageError(`--poll is milliseconds from 10 to 60000, not ${flags.poll}`);
      if (source !== 'file') {
        const fileOnly = [['a file', file], ['--from-start', flags.fromStart], ['--since', flags.since], ['--after', flags.after], ['--state', flags.state]] as const;
        const given = fileOnly.find(([, value]) => value !== undefined && value !== false);
        if (given) throw new UsageError(`${given[0]} is for --source file: the ${source} source hands on records as they come`);
      }
      if (flags.node !== undefined && source !== 'netlink') throw new UsageError('--node is for --source netlink (a file or plugin line carries its node= itself)');
      if (flags.output !== undefined && flags.syslog) throw new UsageError('--output and --syslog: choose one');
      if (flags.alertsOnly && flags.rules === undefined) throw new UsageError('--alerts-only needs --rules');
      let after: RecordId | undefined;
      if (flags.after !== undefined) {
        const parsed = parseRecordId(flags.after);
        if (parsed === null) throw new UsageError(`--after takes a record id node:seconds.millis:serial (as --proof shows), not "${flags.after}"`);
        after = parsed;
      }
      // Read again on the plugin's SIGHUP: the writer asks for the rules in force at each event.
      let rules = flags.rules === undefined ? undefined : await loadRules(flags.rules);
      const target: WatchSinkTarget = flags.output !== undefined ? { kind: 'file', path: flags.output } : flags.syslog === true ? { kind: 'syslog' } : typeof flags.syslog === 'string' ? { kind: 'syslog', socket: flags.syslog } : { kind: 'stdout' };
      const sink = openWatchSink(target);
      const writing = {
        format: flags.format,
        sink,
        ...(flags.proof ? { proof: true } : {}),
        ...(rules === undefined ? {} : { rules }),
        ...(flags.alertsOnly ? { alertsOnly: true } : {}),
        ...(flags.failOnAlert ? { failOnAlert: true } : {}),
      };
      try {
        if (source === 'file') {
          process.exitCode = await followLog({
            ...writing,
            path: file ?? configuredLogFile(),
            pollMs,
            ...(flags.fromStart ? { start: 'start' as const } : {}),
            ...(flags.since === undefined ? {} : { since: parseSince(flags.since) }),
            ...(after === undefined ? {} : { after }),
            ...(flags.state === undefined ? {} : { statePath: flags.state }),
          });
        } else if (source === 'plugin') {
          const { openPluginSource } = await import('../verifier/live/plugin-source.js');
          const lines = openPluginSource({
            // The kernel's EOE, which auditd hands plugins but never logs, ends an event at once: no wait for the next.
            keepEndOfEvent: true,
            // auditd reloaded (SIGHUP): the rule file is read again (kept as it was if the new one is bad) and the output file reopened.
            onReload: () => {
              sink.reopen();
              if (flags.rules === undefined) return;
              loadRules(flags.rules).then(
                (reloaded) => {
                  rules = reloaded;
                },
                (error: unknown) => process.stderr.write(`watch: ${error instanceof Error ? error.message : String(error)}; the rules in force are kept\n`),
              );
            },
            onDrop: (notice) => process.stderr.write(notice.state === 'dropping' ? `watch: dropping lines (${notice.reason}): the watch is behind auditd\n` : `watch: ${notice.dropped} lines dropped (${notice.reason}); ${notice.total} in all\n`),
          });
          process.exitCode = await watchLines(lines, { ...writing, get rules() { return rules; }, sourceHandlesSignals: true });
        } else {
          const { openNetlinkSource, NetlinkSourceError } = await import('../verifier/live/netlink-source.js');
          let lines;
          try {
            lines = await openNetlinkSource({
              keepEndOfEvent: true,
              ...(flags.node === undefined ? {} : { node: flags.node }),
              onDrop: (notice) => process.stderr.write(notice.state === 'dropping' ? `watch: dropping records (${notice.reason})\n` : `watch: ${notice.dropped} records dropped (${notice.reason}); ${notice.total} in all\n`),
            });
          } catch (error) {
            if (!(error instanceof NetlinkSourceError)) throw error;
            process.stderr.write(`watch: ${error.message}\n`);
            process.exitCode = WATCH_EXIT.failed;
            return;
          }
          process.exitCode = await watchLines(lines, writing);
        }
      } finally {
        await sink.close();
      }
    });
}
