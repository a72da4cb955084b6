// The reading thread of a threaded verify: runs verify's reading half (verify-lines) and posts the VIRT
// records in batches, each with the problems and kept warnings found around them and where they fall
// among its records, so the checking thread reports everything in the order one thread would. While the
// checking thread is behind, this thread checks records itself and posts only what they showed.
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../src/model/audit-record.js';
import { EventBatchWriter, transferListOf } from '../src/reader/event-batch.js';
import { InFlight } from '../src/reader/in-flight.js';
import type { AuditInput } from '../src/reader/input-set.js';
import { readInputs } from '../src/reader/read-inputs.js';
import { failureOf } from '../src/reader/thread-failure.js';
import { KeptWarnings, type Diagnostic } from './verify-diagnostics.js';
import { LineVerifier } from './verify-lines.js';
import type { CheckCounts, VerifyWorkerData, VerifyWorkerMessage, PlacedDiagnostic } from './verify-thread-protocol.js';
import type { VirtRecordChecker } from './virt-record-check.js';

const data = workerData as VerifyWorkerData;
const port = parentPort!;
const writer = new EventBatchWriter();
const inFlight = new InFlight(data.maxBatchesInFlight);
/** Diagnostics still to post, placed among the records of the batch being written. */
let placed: PlacedDiagnostic[] = [];
let recordsInBatch = 0;
let bytesRead = 0;
/** Warnings per rule, and per rule those posted (the ones a report keeps; the rest are only counted). */
const warningsByRule = new Map<string, number>();
const kept = new KeptWarnings();
const postedByRule = new Map<string, number>();
/** A batch goes once it holds this many diagnostics, records or not. */
const MAX_PLACED = 1024;
/**
 * Read a file this much at a time, waiting for room among the batches in flight between: a chunk of short
 * rejected lines makes a diagnostic per line, posted in batches beyond the limit until its end.
 */
const CHUNK_BYTES = 64 * 1024;

port.on('message', () => inFlight.acknowledged());

function post(): void {
  const batch = writer.take();
  inFlight.sent();
  const message: VerifyWorkerMessage = { kind: 'batch', batch, diagnostics: placed, bytesRead };
  port.postMessage(message, transferListOf(batch));
  placed = [];
  recordsInBatch = 0;
}

function place(kind: PlacedDiagnostic['kind'], diagnostic: Diagnostic): void {
  placed.push({ before: recordsInBatch, kind, diagnostic });
  if (placed.length >= MAX_PLACED) post();
}

/** Counted, and posted while fewer than the kept number of its file and rule were. */
function warning(diagnostic: Diagnostic): void {
  warningsByRule.set(diagnostic.rule, (warningsByRule.get(diagnostic.rule) ?? 0) + 1);
  if (!kept.keeps(diagnostic)) return;
  postedByRule.set(diagnostic.rule, (postedByRule.get(diagnostic.rule) ?? 0) + 1);
  place('warning', diagnostic);
}

const checked: CheckCounts = { virtRecords: 0, valid: 0, invalid: 0, foreign: 0 };
// The checks (and the schema validator they load) only where this thread makes them, loaded while it
// reads: until then every record goes to the checking thread, as while that one keeps up.
let checker: VirtRecordChecker | null = null;
if (data.checkHereFrom !== null) {
  void import('./virt-record-check.js').then(({ VirtRecordChecker: Checker }) => {
    checker = new Checker({ summary: checked, problem: (diagnostic) => place('problem', diagnostic), warn: warning }, data.profile === undefined ? {} : { profile: data.profile });
  });
}

const lines = new LineVerifier(
  {
    virtRecord: (record: AuditRecord) => {
      if (checker !== null && inFlight.count >= data.checkHereFrom!) return checker.check(record);
      writer.add({ node: record.node, time: record.time, serial: record.serial, records: [record] });
      recordsInBatch++;
      if (writer.full) post();
    },
    problem: (diagnostic) => place('problem', diagnostic),
    warning,
  },
  data.eoeTimeoutMs,
);

try {
  await readInputs(data.inputs as AuditInput[], lines.onLine, {
    prefilter: lines.prefilter,
    ...(data.maxLineBytes === undefined ? {} : { maxLineBytes: data.maxLineBytes }),
    onProgress: (bytes) => (bytesRead = bytes),
    afterChunk: () => inFlight.room(),
    chunkBytes: CHUNK_BYTES,
  });
  lines.finish();
  post();
  const unposted = [...warningsByRule].map(([rule, count]): [string, number] => [rule, count - (postedByRule.get(rule) ?? 0)]).filter(([, count]) => count > 0);
  port.postMessage({ kind: 'done', counts: lines.counts, checked, unpostedWarnings: unposted } satisfies VerifyWorkerMessage);
} catch (error) {
  port.postMessage(failureOf(error) satisfies VerifyWorkerMessage);
}
