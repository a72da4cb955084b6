// Where `virt-audit watch` writes its lines: stdout, a file (appended; opened again on SIGHUP, as log
// rotation expects), or syslog/the journal through logger(1) (one message per line, tag virt-audit).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeBlocking } from './blocking-write.js';

export interface WatchSink {
  write(text: string): void;
  /** The file is opened again (after logrotate moved it); nothing for stdout and syslog. */
  reopen(): void;
  close(): Promise<void>;
}

export type WatchSinkTarget = { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'syslog'; readonly socket?: string; readonly tag?: string };

const SYSLOG_BACKLOG_BYTES = 8 * 1024 * 1024;

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

export function openWatchSink(target: WatchSinkTarget): WatchSink {
  switch (target.kind) {
    case 'stdout':
      return { write: (text) => writeBlocking(1, Buffer.from(text, 'utf8')), reopen: () => {}, close: async () => {} };
    case 'file': {
      let fd = openSync(target.path, 'a', 0o640);
      return {
        write: (text) => writeAll(fd, Buffer.from(text, 'utf8')),
        reopen: () => {
          const next = openSync(target.path, 'a', 0o640);
          closeSync(fd);
          fd = next;
        },
        close: async () => closeSync(fd),
      };
    }
    case 'syslog': {
      // logger sends each line of its stdin as one message to the socket (/dev/log: syslog, journald). With
      // --socket-errors=on it fails, and says why, when nothing listens there (by default it drops them silently).
      const socket = target.socket ?? '/dev/log';
      const logger: ChildProcess = spawn('logger', ['--socket-errors=on', '--socket', socket, '--tag', target.tag ?? 'virt-audit', `--id=${process.pid}`], { stdio: ['pipe', 'ignore', 'pipe'] });
      let loggerSaid = '';
      logger.stderr!.setEncoding('utf8').on('data', (text: string) => (loggerSaid += text));
      let failed: string | undefined;
      const ended = new Promise<void>((resolve) => {
        logger.once('error', (error) => {
          failed ??= error.message;
          resolve();
        });
        logger.once('close', (code) => {
          if (code !== 0) failed ??= `logger exited ${code}${loggerSaid === '' ? '' : `: ${loggerSaid.trim()}`}`;
          resolve();
        });
      });
      logger.stdin!.on('error', (error) => (failed ??= `logger: ${error.message}`));
      let dropped = 0;
      let handed = 0;
      return {
        write: (text) => {
          // Lines syslog cannot take are counted, never held without bound: a dead logger, or a syslog slower
          // than the watch (past 8 MiB waiting).
          if (failed !== undefined || logger.stdin!.writableLength > SYSLOG_BACKLOG_BYTES) {
            if (dropped++ === 0) process.stderr.write(`watch: syslog (${socket}) is not taking lines${failed === undefined ? '' : `: ${failed}`}; they are counted\n`);
            return;
          }
          handed++;
          logger.stdin!.write(text);
        },
        reopen: () => {},
        close: async () => {
          logger.stdin!.end();
          await ended;
          // A logger that failed sent nothing we can vouch for: every line is counted as not delivered.
          if (failed !== undefined) process.stderr.write(`watch: syslog (${socket}) failed (${failed}): ${handed + dropped} lines not known to have reached it\n`);
          else if (dropped > 0) process.stderr.write(`watch: ${dropped} lines not handed to syslog (it did not keep up)\n`);
          if (failed !== undefined || dropped > 0) process.exitCode = 1;
        },
      };
    }
  }
}
