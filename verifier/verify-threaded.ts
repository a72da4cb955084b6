// verify with its reading half (verify-lines) on a worker thread, beside the checks of VIRT records on
// this one. The findings are those of one thread, in the same order: each batch of records comes with
// the reading half's problems and kept warnings placed among them.
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { readEventBatch } from '../src/reader/event-batch.js';
import type { AuditInput } from '../src/reader/input-set.js';
import { canStartThread, onlyFiles, startThread } from '../src/reader/read-events-threaded.js';
import { dispatchThreadMessage } from '../src/reader/thread-failure.js';
import type { LineCounts } from './verify-lines.js';
import type { VerifyWorkerData, VerifyWorkerMessage, PlacedDiagnostic } from './verify-thread-protocol.js';
import type { Findings, VerifyOptions } from './verify.js';
import type { VirtRecordChecker } from './virt-record-check.js';

const WORKER_FILE = fileURLToPath(new URL('./verify-worker.js', import.meta.url));
const MAX_BATCHES_IN_FLIGHT = 8;
/** Batches not yet handled here from which the reading thread checks records itself. */
const CHECK_THERE_FROM = 3;

/**
 * Reads `inputs` on a worker thread, checking their VIRT records here into `findings` with the checker
 * `checker()` gives, and returns the reading half's counts; null, with nothing read, where a worker cannot
 * read them (stdin, a build run from TypeScript sources, process flags a worker refuses): the caller reads
 * on this thread. The thread is started before this returns its promise.
 */
export async function verifyReadingOnThread(inputs: readonly AuditInput[], options: VerifyOptions, findings: Findings, checker: () => VirtRecordChecker): Promise<LineCounts | null> {
  if (!canStartThread(WORKER_FILE) || !onlyFiles(inputs)) return null;
  const data: VerifyWorkerData = {
    inputs,
    maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT,
    // The JSON forms of --records and a validator of the caller's are here: then every record is checked here.
    checkHereFrom: options.onVirtRecord === undefined && options.validator === undefined ? (options.readingThreadChecksFrom ?? CHECK_THERE_FROM) : null,
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    ...(options.eoeTimeoutMs === undefined ? {} : { eoeTimeoutMs: options.eoeTimeoutMs }),
  };
  let worker: Worker;
  try {
    worker = startThread(WORKER_FILE, data);
  } catch {
    return null;
  }
  const report = (placed: PlacedDiagnostic): void => (placed.kind === 'problem' ? findings.problem(placed.diagnostic) : findings.warn(placed.diagnostic));
  try {
    return await new Promise<LineCounts>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the reading thread stopped (exit code ${code}) before the end of the input`)));
      const handlers = {
        batch: (message: Extract<VerifyWorkerMessage, { kind: 'batch' }>) => {
          const placed = message.diagnostics;
          const check = checker();
          let next = 0;
          let record = 0;
          readEventBatch(message.batch, (event) => {
            while (next < placed.length && placed[next]!.before <= record) report(placed[next++]!);
            check.check(event.records[0]!);
            record++;
          });
          while (next < placed.length) report(placed[next++]!);
          options.onProgress?.(message.bytesRead);
        },
        done: (message: Extract<VerifyWorkerMessage, { kind: 'done' }>) => {
          for (const [rule, count] of message.unpostedWarnings) findings.countWarnings(rule, count);
          const summary = findings.summary;
          summary.virtRecords += message.checked.virtRecords;
          summary.valid += message.checked.valid;
          summary.invalid += message.checked.invalid;
          summary.foreign += message.checked.foreign;
          resolve(message.counts);
        },
        error: reject,
      };
      worker.on('message', (message: VerifyWorkerMessage) => dispatchThreadMessage(message, worker, handlers));
    });
  } finally {
    await worker.terminate();
  }
}
