// readAuditEvents with the reading (splitting, grouping, parsing) on a worker thread, so it runs beside
// the consumer's own work. The consumer sees the same events in the same order. Used where a worker can
// be started from compiled code and every input is a file; otherwise it reads on the calling thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readEventBatch } from './event-batch.js';
import type { AuditEvent } from './event-grouper.js';
import { InputError, type AuditInput } from './input-set.js';
import { readAuditEvents, type ReadEventsOptions } from './read-events.js';
import type { ReadWorkerData, ReadWorkerMessage } from './read-worker.js';
import { typeSelector, type TypeSelection } from './type-selection.js';

export interface ThreadedReadOptions extends Omit<ReadEventsOptions, 'keepEvent' | 'afterChunk'> {
  /** Which events the consumer reads, by their first record's type. */
  readonly keepTypes: TypeSelection;
  /** false: always read on the calling thread. */
  readonly threaded?: boolean;
}

const WORKER_FILE = fileURLToPath(new URL('./read-worker.js', import.meta.url));
const MAX_BATCHES_IN_FLIGHT = 8;

/** Whether this build can read on a worker thread (compiled JS, not the TypeScript sources under a test runner). */
export const canReadOnWorker = (): boolean => import.meta.url.endsWith('.js') && existsSync(WORKER_FILE);

function rebuiltError(failure: Extract<ReadWorkerMessage, { kind: 'failed' }>): Error {
  if (failure.name === 'InputError' && failure.path !== undefined && failure.message.startsWith(`${failure.path}: `)) {
    return new InputError(failure.path, failure.message.slice(failure.path.length + 2));
  }
  return Object.assign(new Error(failure.message), { name: failure.name });
}

function startWorker(data: ReadWorkerData): Worker {
  // A worker inherits the process's flags, but --input-type is about an --eval string, never a file.
  const inputType = process.execArgv.some((flag) => flag.startsWith('--input-type'));
  const execArgv = inputType ? { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) } : {};
  return new Worker(WORKER_FILE, { workerData: data, ...execArgv });
}

export async function readAuditEventsThreaded(inputs: readonly AuditInput[], onEvent: (event: AuditEvent) => void, options: ThreadedReadOptions): Promise<void> {
  const { keepTypes, threaded = true, ...rest } = options;
  if (!threaded || !canReadOnWorker() || inputs.some((input) => input.kind !== 'file')) {
    await readAuditEvents(inputs, onEvent, { ...rest, keepEvent: typeSelector(keepTypes) });
    return;
  }
  const data: ReadWorkerData = {
    inputs,
    forms: [...options.forms],
    keepTypes,
    maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT,
    ...(options.order === undefined ? {} : { order: options.order }),
    ...(options.eoeTimeoutMs === undefined ? {} : { eoeTimeoutMs: options.eoeTimeoutMs }),
    ...(options.maxOpenEvents === undefined ? {} : { maxOpenEvents: options.maxOpenEvents }),
  };
  let worker: Worker;
  try {
    worker = startWorker(data);
  } catch {
    // Flags this process was started with that a worker refuses (per-process V8 flags): read here.
    await readAuditEvents(inputs, onEvent, { ...rest, keepEvent: typeSelector(keepTypes) });
    return;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(error);
      };
      worker.on('message', (message: ReadWorkerMessage) => {
        if (settled) return;
        try {
          if (message.kind === 'batch') {
            readEventBatch(message.batch, onEvent);
            options.onProgress?.(message.bytesRead);
            worker.postMessage('handled');
          } else if (message.kind === 'done') finish();
          else finish(rebuiltError(message));
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) => finish(new Error(`the reading thread stopped (exit code ${code}) before the end of the input`)));
    });
  } finally {
    await worker.terminate();
  }
}
