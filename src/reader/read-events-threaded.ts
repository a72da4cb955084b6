// readAuditEvents with the reading (splitting, grouping, parsing) on a worker thread, so it runs beside
// the consumer's own work. The consumer sees the same events in the same order. Used where a worker can
// be started from compiled code and every input is a file; otherwise it reads on the calling thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditEvent } from './event-grouper.js';
import type { AuditInput } from './input-set.js';
import { ALL_BUT_INTERPRETED } from './line-forms.js';
import type { ReadEventsOptions } from './read-events.js';
import type { ReadWorkerData, ReadWorkerMessage } from './read-worker.js';
import { dispatchThreadMessage } from './thread-failure.js';
import { typeSelector, type TypeSelection } from './type-selection.js';
import type { UnreadLines } from './unread-lines.js';

export interface ThreadedReadOptions extends Omit<ReadEventsOptions, 'keepEvent' | 'afterChunk'> {
  /** Which events the consumer reads, by their first record's type. */
  readonly keepTypes: TypeSelection;
  /** false: always read on the calling thread. */
  readonly threaded?: boolean;
  /**
   * The reading thread finds where each kept record's fields lie, and the consumer's field lookups
   * (`headerRaw`, `payloadValue`) use that: for consumers that read fields of every record they keep.
   */
  readonly indexBodies?: boolean;
}

const WORKER_FILE = fileURLToPath(new URL('./read-worker.js', import.meta.url));
const MAX_BATCHES_IN_FLIGHT = 8;

/** Whether this build can run `file` on a worker thread (compiled JS, not the TypeScript sources under a test runner). */
export const canStartThread = (file: string): boolean => import.meta.url.endsWith('.js') && existsSync(file);

/** Whether this build can read on a worker thread. */
export const canReadOnWorker = (): boolean => canStartThread(WORKER_FILE);

/** A worker reads files only: a worker's process.stdin is not the process's. */
const readsOnWorker = (inputs: readonly AuditInput[], options: ThreadedReadOptions): boolean =>
  options.threaded !== false && canReadOnWorker() && onlyFiles(inputs);

export const onlyFiles = (inputs: readonly AuditInput[]): boolean => inputs.every((input) => input.kind === 'file');

/** A thread running `file`; throws for flags this process was started with that a worker refuses. */
export function startThread(file: string, data: unknown): Worker {
  // A worker inherits the process's flags, but --input-type is about an --eval string, never a file.
  const inputType = process.execArgv.some((flag) => flag.startsWith('--input-type'));
  const execArgv = inputType ? { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) } : {};
  return new Worker(file, { workerData: data, ...execArgv });
}

function workerDataOf(inputs: readonly AuditInput[], options: ThreadedReadOptions): ReadWorkerData {
  return {
    inputs,
    forms: [...options.forms],
    keepTypes: options.keepTypes,
    maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT,
    indexBodies: options.indexBodies ?? false,
    ...(options.order === undefined ? {} : { order: options.order }),
    ...(options.eoeTimeoutMs === undefined ? {} : { eoeTimeoutMs: options.eoeTimeoutMs }),
    ...(options.maxOpenEvents === undefined ? {} : { maxOpenEvents: options.maxOpenEvents }),
    ...(options.auparse === true ? { auparse: true } : {}),
  };
}

/** A reading begun: its events are handed on once `consume` is called (those that came before wait). */
export interface Reading {
  /** Hands on the events; resolves, at the end of the input, to the lines the reading passed over. */
  consume(onEvent: (event: AuditEvent) => void): Promise<UnreadLines>;
  /** Stops a reading that will not be consumed: its thread would otherwise keep the process alive. */
  cancel(): Promise<void>;
}

/**
 * `load()` — what the reading's consumer needs, loaded while the reading thread boots — or, when that
 * fails, the reading cancelled and the failure thrown on.
 */
export async function loadBeside<T>(reading: Reading, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    await reading.cancel();
    throw error;
  }
}

/** Reads the inputs, hands every kept event to `onEvent`, and returns the lines it passed over. */
export async function readAuditEventsThreaded(inputs: readonly AuditInput[], onEvent: (event: AuditEvent) => void, options: ThreadedReadOptions): Promise<UnreadLines> {
  return startReading(inputs, options).consume(onEvent);
}

/**
 * Starts reading now — the worker boots while the caller loads what it needs — and returns the reading.
 * On the calling thread (see the module comment) nothing happens before `consume`.
 */
export function startReading(inputs: readonly AuditInput[], options: ThreadedReadOptions): Reading {
  const { keepTypes, indexBodies: _onlyForTheThread, ...rest } = options;
  const onThisThread: Reading = {
    consume: async (onEvent) => {
      const { readAuditEvents } = await import('./read-events.js');
      return readAuditEvents(inputs, onEvent, { ...rest, keepEvent: typeSelector(keepTypes) });
    },
    cancel: async () => {},
  };
  if (!readsOnWorker(inputs, options)) return onThisThread;
  let worker: Worker;
  try {
    worker = startThread(WORKER_FILE, workerDataOf(inputs, options));
  } catch {
    // Flags this process was started with that a worker refuses (per-process V8 flags): read here.
    return onThisThread;
  }
  const reading = readingFrom(worker, options.onProgress);
  worker.on('error', reading.fail);
  worker.on('exit', (code) => reading.fail(new Error(`the reading thread stopped (exit code ${code}) before the end of the input`)));
  return {
    consume: async (onEvent) => {
      try {
        return await reading.consume(onEvent);
      } finally {
        await worker.terminate();
      }
    },
    cancel: async () => {
      await worker.terminate();
    },
  };
}

interface MessageSource {
  on(event: 'message', listener: (message: ReadWorkerMessage) => void): unknown;
  postMessage(message: unknown): void;
}

/**
 * The events of a reading thread, from its messages: batches handed on in order, each acknowledged so
 * the thread may send more. Messages that come before `consume` wait (at most MAX_BATCHES_IN_FLIGHT).
 */
function readingFrom(source: MessageSource, onProgress?: (bytesRead: number) => void): Pick<Reading, 'consume'> & { fail(error: Error): void } {
  const waiting: ReadWorkerMessage[] = [];
  let deliver: ((message: ReadWorkerMessage) => void) | undefined;
  let failure: Error | undefined;
  let onFailure: ((error: Error) => void) | undefined;
  source.on('message', (message) => (deliver === undefined ? waiting.push(message) : deliver(message)));
  return {
    fail: (error) => {
      failure ??= error;
      onFailure?.(failure);
    },
    consume: async (onEvent) => {
      // The record model is loaded while the thread boots, not before it starts.
      const { readEventBatch } = await import('./event-batch.js');
      return new Promise<UnreadLines>((resolve, reject) => {
        let settled = false;
        let unread: UnreadLines | undefined;
        const finish = (error?: Error): void => {
          if (settled) return;
          settled = true;
          if (error === undefined) resolve(unread!);
          else reject(error);
        };
        const handlers = {
          batch: (message: Extract<ReadWorkerMessage, { kind: 'batch' }>) => {
            readEventBatch(message.batch, onEvent);
            onProgress?.(message.bytesRead);
          },
          done: (message: Extract<ReadWorkerMessage, { kind: 'done' }>) => {
            unread = message.unread;
            finish();
          },
          error: finish,
        };
        deliver = (message) => {
          if (!settled) dispatchThreadMessage(message, source, handlers);
        };
        onFailure = finish;
        for (const message of waiting.splice(0)) deliver(message);
        if (failure !== undefined) finish(failure);
      });
    },
  };
}

/**
 * Reading as auparse (and so auvirt) reads, begun now: every line form but ausearch -i output, events in
 * stamp order, only those whose first record's type is in `keepTypes`.
 */
export function startAuparseReading(
  inputs: readonly AuditInput[],
  keepTypes: TypeSelection,
  options: { readonly onProgress?: ((bytesRead: number) => void) | undefined; readonly indexBodies?: boolean; readonly auparseLines?: boolean } = {},
): Reading {
  const { onProgress, indexBodies = false } = options;
  return startReading(inputs, { forms: ALL_BUT_INTERPRETED, order: 'stamp', keepTypes, indexBodies, ...(options.auparseLines === true ? { auparse: true } : {}), ...(onProgress === undefined ? {} : { onProgress }) });
}
