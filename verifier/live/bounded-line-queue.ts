// The queue between a live source's reader and its consumer: bounded in lines and bytes, so a slow consumer
// costs dropped lines (counted, announced) and never memory or a blocked producer (auditd, the kernel).
import type { LiveLine } from './live-event.js';

/**
 * Why lines were dropped: a full queue, a line over the length limit, a kernel overrun (ENOBUFS), a netlink
 * datagram that ended inside a message, or close().
 */
export type DropReason = 'queue-full' | 'line-too-long' | 'overrun' | 'malformed' | 'closed';

/**
 * A burst of drops, told twice: when it begins (`dropping`, dropped 1) and when the next line is kept or the
 * source ends (`resumed`, with the burst's count). `total` is every line the source dropped so far.
 */
export interface DropNotice {
  readonly state: 'dropping' | 'resumed';
  readonly reason: DropReason;
  /** Lines dropped in this burst (an overrun counts 1: the kernel does not say how many it lost). */
  readonly dropped: number;
  readonly total: number;
}

export interface QueueLimits {
  /** Most lines held at once. */
  readonly maxLines: number;
  /** Most bytes of text held at once (one byte per char: the sources decode latin1). */
  readonly maxBytes: number;
}

export class BoundedLineQueue implements AsyncIterable<LiveLine> {
  private items: LiveLine[] = [];
  private head = 0;
  private bytes = 0;
  private droppedLines = 0;
  private burst: { reason: DropReason; count: number } | null = null;
  private ended = false;
  private failure: Error | null = null;
  private waiter: { resolve: (result: IteratorResult<LiveLine>) => void; reject: (error: Error) => void } | null = null;

  constructor(
    private readonly limits: QueueLimits,
    private readonly onDrop?: (notice: DropNotice) => void,
    /** Called when the consumer leaves its loop early (break, throw): the source stops reading. */
    private readonly onReturn?: () => void,
  ) {
    if (!(limits.maxLines >= 1) || !(limits.maxBytes >= 1)) throw new RangeError(`queue limits must be at least 1 (lines ${limits.maxLines}, bytes ${limits.maxBytes})`);
  }

  get dropped(): number {
    return this.droppedLines;
  }

  /** Lines waiting for the consumer. */
  get length(): number {
    return this.items.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Hands a line on or queues it; false (and counted) when the queue is full or input has ended. */
  offer(line: LiveLine): boolean {
    if (this.ended) return false;
    if (this.waiter !== null) {
      this.closeBurst();
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve({ value: line, done: false });
      return true;
    }
    if (this.length >= this.limits.maxLines || this.bytes + line.text.length > this.limits.maxBytes) {
      this.drop('queue-full');
      return false;
    }
    this.closeBurst();
    this.items.push(line);
    this.bytes += line.text.length;
    return true;
  }

  drop(reason: DropReason, count = 1): void {
    if (count <= 0) return;
    this.droppedLines += count;
    if (this.burst !== null && this.burst.reason !== reason) this.closeBurst();
    if (this.burst === null) {
      this.burst = { reason, count: 0 };
      this.onDrop?.({ state: 'dropping', reason, dropped: count, total: this.droppedLines });
    }
    this.burst.count += count;
  }

  /** No more input: iteration ends once the queued lines are taken. */
  end(): void {
    if (!this.ended) this.finish();
  }

  /** Input failed: iteration throws `error` once the queued lines are taken. */
  fail(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.end();
  }

  /** Ends iteration now; queued lines are dropped and counted (`closed`). */
  abort(): void {
    const left = this.length;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    if (left > 0) this.drop('closed', left);
    this.finish();
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveLine> {
    return {
      next: () => this.next(),
      return: async () => {
        this.onReturn?.();
        this.abort();
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<LiveLine>> {
    if (this.head < this.items.length) {
      const line = this.items[this.head]!;
      this.items[this.head] = undefined as never;
      this.head++;
      this.bytes -= line.text.length;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value: line, done: false });
    }
    if (this.ended) return this.failure === null ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.failure);
    if (this.waiter !== null) return Promise.reject(new Error('a live source has one consumer: next() called while another next() waits'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private finish(): void {
    this.ended = true;
    this.closeBurst();
    this.wake();
  }

  private wake(): void {
    if (this.waiter === null || this.head < this.items.length) return;
    const waiter = this.waiter;
    this.waiter = null;
    if (this.failure === null) waiter.resolve({ value: undefined, done: true });
    else waiter.reject(this.failure);
  }

  private closeBurst(): void {
    if (this.burst === null) return;
    const { reason, count } = this.burst;
    this.burst = null;
    this.onDrop?.({ state: 'resumed', reason, dropped: count, total: this.droppedLines });
  }
}
