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

export type WatchSinkTarget = { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'syslog'; readonly tag?: string };

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
      // logger sends each line of its stdin as one message to /dev/log (journald takes them too).
      const logger: ChildProcess = spawn('logger', ['--tag', target.tag ?? 'virt-audit', '--id', String(process.pid)], { stdio: ['pipe', 'ignore', 'inherit'] });
      const ended = new Promise<void>((resolve, reject) => {
        logger.once('error', reject);
        logger.once('close', () => resolve());
      });
      ended.catch(() => {});
      let dropped = 0;
      return {
        write: (text) => {
          // A syslog slower than the watch: past 8 MiB waiting, lines are dropped and counted, never held without bound.
          if (logger.stdin!.writableLength > SYSLOG_BACKLOG_BYTES) {
            if (dropped++ === 0) process.stderr.write('watch: syslog is not keeping up: lines dropped (counted at the end)\n');
            return;
          }
          logger.stdin!.write(text);
        },
        reopen: () => {},
        close: async () => {
          logger.stdin!.end();
          await ended;
          if (dropped > 0) process.stderr.write(`watch: ${dropped} lines not handed to syslog (it did not keep up)\n`);
        },
      };
    }
  }
}
