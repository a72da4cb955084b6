// What the netlink worker hands the main thread, into the source's queue: each datagram's records made
// into auditd's lines, what auditd would not log passed over, and every loss counted (the worker's drops,
// kernel overruns, datagrams cut inside a message).
import type { BoundedLineQueue } from './bounded-line-queue.js';
import { auditdLineOf, splitNetlinkDatagram, type RecordLineOptions } from './netlink-record-line.js';

/** One poll round of the worker: the datagrams it read, the records it dropped (no room), its ENOBUFS count. */
export interface NetlinkBatch {
  readonly datagrams: readonly Uint8Array[];
  readonly dropped: number;
  readonly overruns: number;
}

export class NetlinkIntake {
  /** Records received (those the worker dropped too; not an overrun's, whose count is unknown). */
  received = 0;
  /** Records auditd does not log, passed over. */
  skipped = 0;
  /** ENOBUFS seen. */
  overruns = 0;

  constructor(
    private readonly queue: BoundedLineQueue,
    private readonly typeName: (type: number) => string | null,
    private readonly options: RecordLineOptions,
  ) {}

  take(batch: NetlinkBatch): void {
    for (const bytes of batch.datagrams) {
      const { messages, malformed } = splitNetlinkDatagram(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      for (const record of messages) {
        this.received++;
        const text = auditdLineOf(record, this.typeName, this.options);
        if (text === null) this.skipped++;
        else this.queue.offer({ text, origin: `netlink:${this.received}` });
      }
      if (malformed) this.queue.drop('malformed');
    }
    if (batch.dropped > 0) {
      this.received += batch.dropped;
      this.queue.drop('queue-full', batch.dropped);
    }
    if (batch.overruns > 0) {
      this.overruns += batch.overruns;
      this.queue.drop('overrun', batch.overruns);
    }
  }
}
