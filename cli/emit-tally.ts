// What `virt-audit emit` did with every record it read, its last line on stderr, and its exit code.
import { DeliveryStopped, EmitError, SinkFailed, type EmitErrorKind, type EmitInput, type EmitResult, type Emitter } from '../emitter/index.js';

/** An outcome counted in the tally: delivered, skipped (libvirt writes no such record), not sent by --policy off, or why not. */
export type TallyKey = 'delivered' | 'skipped' | 'policy-off' | EmitErrorKind;

const ORDER: readonly TallyKey[] = [
  'delivered', 'maybe-lost', 'no-daemon', 'audit-disabled', 'not-delivered', 'unconfirmed', 'timeout', 'send-failed', 'sink-failed',
  'too-long', 'invalid-record', 'nul-byte', 'unsafe-value', 'unsent', 'policy-off', 'skipped',
];

export class EmitTally {
  private readonly counts = new Map<TallyKey, number>();
  /** The rise of the kernel's lost counter of each batch reported maybe-lost. */
  private readonly lostByBatch = new Map<number, number>();
  sinkFailed = false;

  count(key: TallyKey, records = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + records);
  }

  add(result: EmitResult): void {
    if (result.status === 'delivered') this.count('delivered');
    else if (result.status === 'skipped') this.count(result.reason === 'policy-off' ? 'policy-off' : 'skipped');
    else this.count(result.error.kind);
  }

  /** A record reported maybe-lost: its batch's rise of the lost counter, counted once per batch. */
  addLoss(error: EmitError): void {
    if (error.loss === undefined) return;
    this.lostByBatch.set(error.loss.batch, Math.max(this.lostByBatch.get(error.loss.batch) ?? 0, error.loss.lost));
  }

  private get kernelLost(): number {
    let total = 0;
    for (const lost of this.lostByBatch.values()) total += lost;
    return total;
  }

  get records(): number {
    let total = 0;
    for (const value of this.counts.values()) total += value;
    return total;
  }

  of(key: TallyKey): number {
    return this.counts.get(key) ?? 0;
  }

  /** One line: every record read, once, under its outcome. */
  line(): string {
    const parts = ORDER.filter((key) => key === 'delivered' || this.of(key) > 0).map((key) => `${this.of(key)} ${key}`);
    const loss = this.kernelLost > 0 ? `; the kernel's lost counter rose by ${this.kernelLost} during the maybe-lost batches` : '';
    return `virt-audit emit: ${this.records} records: ${parts.join(', ')}${loss}`;
  }

  /** 0 when every record is delivered (or skipped as libvirt skips it), 2 when a sink failed, else 1 (--policy off too: nothing was delivered). */
  exitCode(): number {
    if (this.sinkFailed) return 2;
    return this.records === this.of('delivered') + this.of('skipped') ? 0 : 1;
  }
}

const BATCH = 100;

/**
 * Emits records in batches (one libaudit round trip and one status read each). Each record is checked
 * first, so a bad one is reported at its place and the others still go. Under `required` the first record
 * not delivered stops the sending; every record read after it is counted as unsent.
 */
export class BatchingEmitter {
  private batch: EmitInput[] = [];
  private stopped = false;

  constructor(
    private readonly emitter: Emitter,
    readonly tally: EmitTally,
    private readonly report: (line: string) => void,
  ) {}

  /** A line of input that is not a record at all (not JSON, not an object with a type). */
  reject(where: string, reason: string): void {
    this.tally.count('invalid-record');
    this.report(`${where}: ${reason}`);
  }

  async add(input: EmitInput, where: string): Promise<void> {
    if (this.stopped) {
      this.tally.count('unsent');
      return;
    }
    try {
      if (this.emitter.policy !== 'off') this.emitter.check(input);
    } catch (error) {
      if (!(error instanceof EmitError)) throw error;
      this.tally.count(error.kind);
      this.report(`${where}: ${error.kind} — ${error.message}`);
      return;
    }
    this.batch.push(input);
    if (this.batch.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    let results: readonly EmitResult[];
    try {
      results = await this.emitter.emitMany(batch);
    } catch (error) {
      if (!(error instanceof DeliveryStopped)) throw error;
      results = error.results;
      this.stopped = true;
      this.tally.sinkFailed ||= error.kind === 'sink-failed';
      // A reader that went away (head, a closed pipe) is not an error to shout about; the tally says it.
      if (!(error.failure instanceof SinkFailed && error.failure.code === 'EPIPE')) this.report(`virt-audit emit: ${error.kind} — ${error.message}`);
    }
    for (const result of results) {
      this.tally.add(result);
      if (result.status === 'dropped') this.tally.addLoss(result.error);
    }
  }
}
