import { type AuditTime, type LibvirtRecordType } from '../src/index.js';
import type { LibvirtRecord, RecordEnvelope } from '../src/model/virt-records.js';
import { VIRT_CONTROL, VIRT_MACHINE_ID, VIRT_RESOURCE } from '../src/tables/record-types.js';
import { renderAuditLine, renderMessage } from './audit-line.js';
import { EmitError, SinkFailed } from './errors.js';
import { buildPayload, layoutForRecord } from './payload.js';
import { currentHeader, currentTail, type LibauditTail, type RecordHeader } from './process-identity.js';
import {
  checkKeys, enrichmentOf, headerOf, nodeOf, serialOf, successOf, tailOf, timeOf, type AuditSerial,
} from './record-envelope.js';
import { LibauditSink, type Delivery, type OutgoingRecord, type Sink } from './sinks.js';

/** Like libvirt's audit_level: off (send nothing), best-effort (warn and go on), required (throw). */
export type EmitPolicy = 'off' | 'best-effort' | 'required';

/** The kernel keeps at most this many bytes of a user message (AUDIT_MESSAGE_TEXT_MAX); libaudit's own buffer is 8970. */
export const MAX_MESSAGE_BYTES = 8560;

/** auditd formats a record's RAW text into MAX_AUDIT_MESSAGE_LENGTH (8970) bytes with its NUL; a line sink keeps the whole line within it. */
export const MAX_LINE_BYTES = 8969;

const TYPE_NUMBERS: Readonly<Record<LibvirtRecordType, number>> = {
  VIRT_CONTROL,
  VIRT_RESOURCE,
  VIRT_MACHINE_ID,
};

/** What became of one record. */
export type EmitResult =
  | {
      /** Delivered: accepted by libaudit and confirmed by the kernel's status, or written by a line sink. */
      readonly status: 'delivered';
      /** libaudit's netlink sequence number, or the line number for line sinks. */
      readonly sequence: number;
      /** The line written, for line sinks. */
      readonly line?: string;
    }
  | {
      /** Not sent: libvirt would not have emitted it, or the policy is `off`. */
      readonly status: 'skipped';
      /** `libvirt-skip-rule`: a device record with neither an old nor a new value; `policy-off`: the policy. */
      readonly reason: 'libvirt-skip-rule' | 'policy-off';
    }
  | {
      /** Not delivered, or not confirmed; the best-effort policy went on after warning. */
      readonly status: 'dropped';
      /** Why (its kind says which). */
      readonly error: EmitError;
    };

/**
 * Thrown under the required policy at the first record not delivered (and under any policy when a line
 * sink fails): results holds the outcome of every record of that round, delivered, dropped or unsent.
 */
export class DeliveryStopped extends EmitError {
  override readonly name = 'DeliveryStopped';

  /**
   * A stopped delivery.
   *
   * @param failure - The first failure.
   * @param results - The outcome of every record of the round.
   */
  constructor(
    /** The failure that stopped delivery. */
    readonly failure: EmitError,
    /** The outcome of every record of the round, in order: delivered, dropped or unsent. */
    readonly results: readonly EmitResult[],
  ) {
    super(failure.kind, failure.message, failure.errno, failure.loss);
  }
}

/** How an {@link Emitter} sends. */
export interface EmitterOptions {
  /**
   * Where records go. Default: a {@link LibauditSink}, which writes REAL records into the host's audit trail
   * (CAP_AUDIT_WRITE); give a {@link MemorySink} or a {@link LineSink} for a dry run.
   */
  readonly sink?: Sink;
  /** What a record not delivered does (default `best-effort`): see {@link EmitPolicy}. */
  readonly policy?: EmitPolicy;
  /** Called once per kind of failure (not per record) under best-effort. */
  readonly onWarning?: (error: EmitError) => void;
  /** Defaults for records that do not carry their own (line sinks only). */
  readonly header?: RecordHeader;
  /** Defaults for libaudit's tail of records that do not carry their own (line sinks only; libaudit writes its own). */
  readonly tail?: LibauditTail;
  /** The node= name line sinks write (default none). */
  readonly node?: string | null;
  /** The time line sinks stamp records with (default now). */
  readonly clock?: () => AuditTime;
  /** The serial of the first record line sinks write (default 1). */
  readonly firstSerial?: number;
}

/**
 * A record in the JSON form (see `LibvirtRecord` of `virt-audit`); res is required, the other envelope fields
 * (time, serial, pid…, exe…, enrichment) are optional. What the lifecycle builders return.
 */
export type EmitInput = Readonly<Record<string, unknown>> & {
  /** The record type: VIRT_CONTROL, VIRT_RESOURCE or VIRT_MACHINE_ID. */
  readonly type: string;
};

// res is never assumed: a record says whether the operation succeeded.
type WithoutEnvelope<Record> = Record extends unknown ? Omit<Record, keyof RecordEnvelope> & Partial<Omit<RecordEnvelope, 'res'>> & Pick<RecordEnvelope, 'res'> : never;

/** The typed form of an emitter input: one of libvirt 9.0's records, envelope optional. */
export type LibvirtRecordInput = WithoutEnvelope<LibvirtRecord>;

const now = (): AuditTime => {
  const millis = Date.now();
  return { sec: Math.floor(millis / 1000), ms: millis % 1000 };
};

/**
 * Sends VIRT records byte for byte as libvirt does: each record is checked against libvirt 9.0's layouts and
 * refused (EmitError) when it could not be written faithfully, then handed to the sink.
 *
 * @example
 * ```ts
 * import { Emitter, MemorySink, auditStart, parseDomainXml } from 'virt-audit/emitter';
 *
 * declare const xml: string;                                      // the guest's live XML (virsh dumpxml)
 * const sink = new MemorySink();                                  // a dry run: nothing leaves the process
 * const emitter = new Emitter({ sink, policy: 'required' });
 * await emitter.emitMany(auditStart(parseDomainXml(xml), { vmPid: 4242 }));
 * console.log(sink.lines.join('\n'));                             // the lines auditd would write
 * ```
 */
export class Emitter {
  /** Where records go. */
  readonly sink: Sink;
  /** What a record not delivered does. */
  readonly policy: EmitPolicy;
  private readonly onWarning: (error: EmitError) => void;
  private readonly header: RecordHeader;
  private readonly tail: LibauditTail;
  private readonly node: string | null;
  private readonly clock: () => AuditTime;
  private serial: number;
  private readonly warned = new Set<EmitError['kind']>();

  /**
   * @param options - Sink, policy, and the defaults line sinks write. Without a sink, records go to
   * the host's audit trail through libaudit.
   * @throws {@link FieldError} when a default header, tail or node could not be written faithfully.
   */
  constructor(options: EmitterOptions = {}) {
    this.sink = options.sink ?? new LibauditSink();
    this.policy = options.policy ?? 'best-effort';
    this.onWarning = options.onWarning ?? ((error) => process.emitWarning(error.message, { code: `VIRT_AUDIT_${error.kind.toUpperCase().replaceAll('-', '_')}` }));
    // The defaults are checked as a record's own values would be: they go on the same lines.
    this.header = options.header === undefined ? currentHeader() : headerOf({ ...options.header }, { pid: 0, uid: 0, auid: 0, ses: 0 });
    this.tail = tailOf({ ...options.tail }, currentTail());
    this.node = nodeOf({ node: options.node }, null);
    this.clock = options.clock ?? now;
    this.serial = options.firstSerial ?? 1;
  }

  /**
   * Throws the EmitError this record would meet, without using a serial or sending anything.
   *
   * @param input - The record.
   * @throws {@link EmitError} (or {@link FieldError}) when it cannot be written faithfully.
   */
  check(input: EmitInput): void {
    this.build(input);
  }

  private build(input: EmitInput): Omit<OutgoingRecord, 'serial'> & { readonly serial: AuditSerial | undefined } | null {
    const layout = layoutForRecord(input);
    checkKeys(input, layout);
    const payload = buildPayload(input, layout);
    if (payload === null) return null;
    const success = successOf(input);
    const tail = tailOf(input, this.tail);
    const sentTail = this.sink.ownExe ? currentTail() : tail;
    const bytes = Buffer.byteLength(renderMessage(payload, sentTail, success ? 'success' : 'failed'));
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new EmitError('too-long', `the message is ${bytes} bytes; the kernel keeps ${MAX_MESSAGE_BYTES} (libaudit's buffer is 8970) and would cut it silently`);
    }
    const enrichment = enrichmentOf(input);
    const record = {
      type: layout.recordType,
      typeNumber: TYPE_NUMBERS[layout.recordType],
      payload,
      success,
      header: headerOf(input, this.header),
      tail,
      time: timeOf(input, this.clock, !this.sink.ownExe),
      serial: serialOf(input, !this.sink.ownExe),
      node: nodeOf(input, this.node),
      ...(enrichment === undefined ? {} : { enrichment }),
    };
    if (!this.sink.ownExe) {
      const lineBytes = Buffer.byteLength(renderAuditLine({ ...record, serial: record.serial ?? this.serial, result: success ? 'success' : 'failed' }));
      if (lineBytes > MAX_LINE_BYTES) {
        throw new EmitError('too-long', `the audit line is ${lineBytes} bytes; auditd formats a record in ${MAX_LINE_BYTES + 1} bytes and would cut it`);
      }
    }
    return record;
  }

  /**
   * Builds the record exactly as libvirt would, using the next serial, without sending it.
   *
   * @param input - The record.
   * @returns The record ready for a sink; null when libvirt would not write it (no old and no new value).
   * @throws {@link EmitError} for a record that cannot be sent faithfully.
   */
  prepare(input: EmitInput): OutgoingRecord | null {
    const built = this.build(input);
    if (built === null) return null;
    return { ...built, serial: built.serial ?? this.serial++ };
  }

  /**
   * {@link Emitter.emit} with the record's fields checked at compile time.
   *
   * @param record - One of libvirt 9.0's records; envelope fields other than res optional.
   * @returns What became of it.
   */
  emitRecord(record: LibvirtRecordInput): Promise<EmitResult> {
    return this.emit(record);
  }

  /**
   * Sends one record.
   *
   * @param input - The record.
   * @returns What became of it: delivered, skipped, or dropped (best-effort).
   * @throws {@link EmitError} for a record that cannot be written faithfully; {@link DeliveryStopped} under
   * `required` when it is not delivered, and under any policy when a line sink fails.
   */
  async emit(input: EmitInput): Promise<EmitResult> {
    if (this.policy === 'off') return { status: 'skipped', reason: 'policy-off' };
    const [result] = await this.deliverPrepared([this.prepare(input)]);
    return result!;
  }

  /**
   * Several records in order, in one round trip where the sink allows it (a lifecycle is a few dozen).
   * Every record is built and checked before any is sent; under `required` the first one not delivered
   * throws, after the ones before it were sent.
   *
   * @param inputs - The records, in order.
   * @returns What became of each, in order.
   * @throws {@link EmitError} for a record that cannot be written faithfully (nothing is sent then);
   * {@link DeliveryStopped} as for {@link Emitter.emit}.
   */
  async emitMany(inputs: readonly EmitInput[]): Promise<EmitResult[]> {
    if (this.policy === 'off') return inputs.map(() => ({ status: 'skipped', reason: 'policy-off' }) as const);
    return this.deliverPrepared(inputs.map((input) => this.prepare(input)));
  }

  /**
   * Records in order, in volume: each chunk is built and checked, then handed to the sink, and the next
   * chunk is built while it is sent. One chunk is in the sink at a time, so, as in emitMany, a record that
   * cannot be built throws, and under `required` so does the first one not delivered, after the records
   * before it were sent and before any after it is.
   *
   * @param inputs - The records, in order (any iterable: they are read as they are sent).
   * @param chunkSize - Records per round trip (default 256).
   * @returns What became of each, in order.
   * @throws {@link EmitError} and {@link DeliveryStopped} as for {@link Emitter.emitMany}.
   */
  async emitAll(inputs: Iterable<EmitInput>, chunkSize = 256): Promise<EmitResult[]> {
    const results: EmitResult[] = [];
    if (this.policy === 'off') {
      for (const _input of inputs) results.push({ status: 'skipped', reason: 'policy-off' });
      return results;
    }
    let sending: Promise<EmitResult[]> | undefined;
    try {
      let chunk: EmitInput[] = [];
      const flush = async (): Promise<void> => {
        let prepared: Array<OutgoingRecord | null>;
        try {
          prepared = chunk.map((input) => this.prepare(input));
        } finally {
          chunk = [];
          // What was handed over before is settled first: its failure comes before this chunk's.
          if (sending !== undefined) results.push(...(await sending));
          sending = undefined;
        }
        sending = this.deliverPrepared(prepared);
        // Nothing waits on it until the next chunk is built; a rejection then is not an unhandled one.
        sending.catch(() => undefined);
        // The sink hands the chunk over a few promise steps later: let it, before building the next.
        await new Promise((resolve) => setImmediate(resolve));
      };
      for (const input of inputs) {
        chunk.push(input);
        if (chunk.length >= chunkSize) await flush();
      }
      if (chunk.length > 0) await flush();
      if (sending !== undefined) results.push(...(await sending));
      sending = undefined;
    } finally {
      if (sending !== undefined) await (sending as Promise<EmitResult[]>).catch(() => undefined);
    }
    return results;
  }

  private async deliverPrepared(prepared: ReadonlyArray<OutgoingRecord | null>): Promise<EmitResult[]> {
    const outgoing = prepared.filter((record): record is OutgoingRecord => record !== null);
    const stopAtFirst = this.policy === 'required';
    let outcomes: Array<Delivery | EmitError>;
    let sinkFailure: SinkFailed | undefined;
    if (outgoing.length === 0) outcomes = [];
    else if (this.sink.deliverMany) {
      try {
        outcomes = await this.sink.deliverMany(outgoing, { stopAtFirst });
      } catch (error) {
        // A libaudit timeout or worker failure leaves every record of the round unknown; a line sink's is its end.
        if (error instanceof EmitError && !(error instanceof SinkFailed)) outcomes = outgoing.map(() => error);
        else {
          sinkFailure = asSinkFailure(error);
          outcomes = outgoing.map(() => sinkFailure!);
        }
      }
    } else {
      outcomes = [];
      let stopped = false;
      for (const record of outgoing) {
        if (sinkFailure !== undefined || stopped) {
          outcomes.push(sinkFailure ?? new EmitError('unsent', 'not sent: the required policy stopped at an earlier record'));
          continue;
        }
        try {
          outcomes.push(await this.sink.deliver(record));
        } catch (error) {
          if (error instanceof SinkFailed || !(error instanceof EmitError)) {
            sinkFailure = asSinkFailure(error);
            outcomes.push(sinkFailure);
          } else {
            outcomes.push(error);
            stopped = stopAtFirst;
          }
        }
      }
    }
    sinkFailure ??= outcomes.find((outcome): outcome is SinkFailed => outcome instanceof SinkFailed);
    let next = 0;
    const results = prepared.map((record): EmitResult => (record === null ? { status: 'skipped', reason: 'libvirt-skip-rule' } : resultOf(outcomes[next++]!)));
    const firstFailure = results.find((result): result is Extract<EmitResult, { status: 'dropped' }> => result.status === 'dropped');
    if (firstFailure === undefined) return results;
    if (sinkFailure !== undefined || this.policy === 'required') throw new DeliveryStopped(sinkFailure ?? firstFailure.error, results);
    for (const result of results) {
      if (result.status !== 'dropped' || this.warned.has(result.error.kind)) continue;
      this.warned.add(result.error.kind);
      this.onWarning(result.error);
    }
    return results;
  }

  /** Closes the sink (a line sink's file is fsynced; libaudit's worker ends). */
  async close(): Promise<void> {
    await this.sink.close();
  }
}

function resultOf(outcome: Delivery | EmitError): EmitResult {
  if (outcome instanceof EmitError) return { status: 'dropped', error: outcome };
  return outcome.line === undefined ? { status: 'delivered', sequence: outcome.sequence } : { status: 'delivered', sequence: outcome.sequence, line: outcome.line };
}

/** A sink's own failure: a SinkFailed as thrown, anything else it threw as one naming the sink. */
function asSinkFailure(error: unknown): SinkFailed {
  if (error instanceof SinkFailed) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SinkFailed('sink', 'EIO', `the sink failed: ${message}`);
}
