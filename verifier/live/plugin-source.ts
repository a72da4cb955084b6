// An auditd 3.0.9 plugin's input: what the dispatcher (audisp/audispd.c) writes to the plugin's stdin, a
// socketpair, with `format = string` in its plugins.d file. One event per line:
//   - RAW log and name_format = NONE (protocol 1): "type=NAME msg=" + the kernel's text, then "\n"; newlines
//     inside the text become spaces. auditd's log line is the same, less one trailing space (format_raw trims it).
//   - a node name or ENRICHED (protocol 2): the line exactly as auditd formatted it for its log, then "\n".
//   - EOE records are dispatched but never logged (auditd.c distribute_event): skipped here unless asked.
// The dispatcher's write blocks while the socket is full, and a blocked dispatcher fills auditd's queue
// (q_depth) until it drops events itself: so stdin is read all the time, into a bounded queue.
import type { Readable } from 'node:stream';
import type { EventEmitter } from 'node:events';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type SourceLine } from '../../src/reader/line-splitter.js';
import { BoundedLineQueue, type DropNotice } from './bounded-line-queue.js';
import type { LiveLine, LiveLineSource } from './live-event.js';

export interface PluginSourceOptions {
  /** The dispatcher's socket (default: process.stdin). */
  readonly input?: Readable;
  /** Most lines held for a slow consumer (default 65,536); past it lines are dropped and counted. */
  readonly maxQueuedLines?: number;
  /** Most bytes held for a slow consumer (default 32 MiB). */
  readonly maxQueuedBytes?: number;
  /** Longest line kept (default 64 KiB); a longer one is dropped and counted, its bytes never held whole. */
  readonly maxLineBytes?: number;
  /** Where SIGHUP and SIGTERM come from (default: process); null: the caller handles signals. */
  readonly signals?: EventEmitter | null;
  /** SIGHUP: auditd reloaded its configuration, the plugin should reload its own. */
  readonly onReload?: () => void;
  /** A burst of drops began or ended. */
  readonly onDrop?: (notice: DropNotice) => void;
  /** Hand on EOE lines too (auditd dispatches them but never logs them). */
  readonly keepEndOfEvent?: boolean;
}

export const DEFAULT_MAX_QUEUED_LINES = 65_536;
export const DEFAULT_MAX_QUEUED_BYTES = 32 * 1024 * 1024;

const END_OF_EVENT = /^(?:node=\S* )?type=EOE /;

/**
 * The line auditd wrote to its log for a line its dispatcher handed a plugin: protocol 1 lines (they start
 * with `type=` and carry no ENRICHED block) lose the one trailing space auditd's format_raw trims.
 */
export function logLineOfPluginLine(text: string): string {
  if (text.endsWith(' ') && text.startsWith('type=') && !text.includes('\x1d')) return text.slice(0, -1);
  return text;
}

/**
 * Lines from auditd's dispatcher as auditd logs them (latin1: one char per byte, nothing altered), with
 * `origin` `<stdin>:N` (N counts every line received). Iteration ends at stdin's end (auditd gone), after
 * SIGTERM once the queued lines are taken, or at close().
 */
export class PluginLineSource implements LiveLineSource {
  private readonly queue: BoundedLineQueue;
  private readonly input: Readable;
  private readonly signals: EventEmitter | null;
  private readonly splitter: LineSplitter;
  private readonly keepEndOfEvent: boolean;
  private skippedEndOfEvent = 0;
  private received = 0;
  private reading = true;

  private readonly onData = (chunk: Buffer | string): void => {
    this.splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  };
  private readonly onEnd = (): void => {
    this.splitter.end();
    this.stopReading();
    this.queue.end();
  };
  private readonly onError = (error: Error): void => {
    if (!this.reading) return;
    this.stopReading();
    this.queue.fail(new Error(`plugin input (stdin) failed: ${error.message}`));
  };
  private readonly onHangup = (): void => this.reload?.();
  private readonly onTerminate = (): void => {
    this.stopReading();
    this.queue.end();
  };

  private readonly reload: (() => void) | undefined;

  constructor(options: PluginSourceOptions = {}) {
    this.input = options.input ?? process.stdin;
    this.signals = options.signals === undefined ? process : options.signals;
    this.reload = options.onReload;
    this.keepEndOfEvent = options.keepEndOfEvent ?? false;
    this.queue = new BoundedLineQueue(
      { maxLines: options.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES, maxBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES },
      options.onDrop,
      () => this.stopReading(),
    );
    this.splitter = new LineSplitter((line) => this.take(line), options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.signals?.on('SIGHUP', this.onHangup);
    this.signals?.on('SIGTERM', this.onTerminate);
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onError);
    this.input.resume();
  }

  /** Lines dropped: a full queue, a line over the limit, or queued when close() was called. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Lines received from the dispatcher, every one (EOE and dropped lines too). */
  get linesReceived(): number {
    return this.received;
  }

  /** EOE lines passed over (auditd does not log them). */
  get endOfEventSkipped(): number {
    return this.skippedEndOfEvent;
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveLine> {
    return this.queue[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    this.stopReading();
    this.queue.abort();
  }

  private take(line: SourceLine): void {
    this.received = line.line;
    if (!this.reading) return;
    if (line.tooLong) {
      this.queue.drop('line-too-long');
      return;
    }
    if (!this.keepEndOfEvent && END_OF_EVENT.test(line.text)) {
      this.skippedEndOfEvent++;
      return;
    }
    this.queue.offer({ text: logLineOfPluginLine(line.text), origin: `<stdin>:${line.line}` });
  }

  private stopReading(): void {
    if (!this.reading) return;
    this.reading = false;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    // Stays attached (it ignores what comes now): a late error must not be an unhandled one.
    this.input.destroy();
    this.signals?.off('SIGHUP', this.onHangup);
    this.signals?.off('SIGTERM', this.onTerminate);
  }
}

/** The auditd plugin source on process.stdin (or `options.input`). */
export function openPluginSource(options: PluginSourceOptions = {}): PluginLineSource {
  return new PluginLineSource(options);
}
