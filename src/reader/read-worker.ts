// The reading thread of readAuditEventsThreaded: reads, groups and parses, and posts the kept events in
// batches, waiting while the main thread has too many of them still to handle.
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordForm } from '../model/audit-record.js';
import { EventBatchWriter, transferListOf } from './event-batch.js';
import { InFlight } from './in-flight.js';
import type { GroupingOptions } from './event-grouper.js';
import type { AuditInput } from './input-set.js';
import { readAuditEventLines } from './read-events.js';
import { failureOf, type ThreadFailure } from './thread-failure.js';
import { typeSelector, type TypeSelection } from './type-selection.js';
import type { UnreadLines } from './unread-lines.js';

export interface ReadWorkerData extends GroupingOptions {
  readonly inputs: readonly AuditInput[];
  readonly forms: readonly RecordForm[];
  readonly keepTypes: TypeSelection;
  readonly maxBatchesInFlight: number;
  readonly indexBodies: boolean;
  readonly auparse?: boolean;
}

export type ReadWorkerMessage =
  | { readonly kind: 'batch'; readonly batch: import('./event-batch.js').EventBatch; readonly bytesRead: number }
  | { readonly kind: 'done'; readonly unread: UnreadLines }
  | ThreadFailure;

const data = workerData as ReadWorkerData;
const port = parentPort!;
const keeps = typeSelector(data.keepTypes);
const writer = new EventBatchWriter(data.indexBodies);
const inFlight = new InFlight(data.maxBatchesInFlight);
let bytesRead = 0;

port.on('message', () => inFlight.acknowledged());

function post(): void {
  if (writer.empty) return;
  const batch = writer.take();
  inFlight.sent();
  port.postMessage({ kind: 'batch', batch, bytesRead } satisfies ReadWorkerMessage, transferListOf(batch));
}

try {
  const unread = await readAuditEventLines(
    data.inputs,
    (event) => {
      writer.add(event);
      if (writer.full) post();
    },
    {
      forms: new Set(data.forms),
      keepEvent: keeps,
      ...(data.order === undefined ? {} : { order: data.order }),
      ...(data.eoeTimeoutMs === undefined ? {} : { eoeTimeoutMs: data.eoeTimeoutMs }),
      ...(data.maxOpenEvents === undefined ? {} : { maxOpenEvents: data.maxOpenEvents }),
      ...(data.auparse === true ? { auparse: true } : {}),
      onProgress: (bytes) => (bytesRead = bytes),
      afterChunk: () => inFlight.room(),
    },
  );
  post();
  port.postMessage({ kind: 'done', unread } satisfies ReadWorkerMessage);
} catch (error) {
  port.postMessage(failureOf(error) satisfies ReadWorkerMessage);
}
