import { readFileSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { type AuditTime, type LibvirtRecordType } from '../src/index.js';
import { renderAuditLine } from './audit-line.js';
import { EmitError, NotDelivered, SinkFailed } from './errors.js';
import { LibauditConnection, type ConnectionOptions, type ReadBack, type StatusRead, type StatusWait } from './libaudit-connection.js';
import type { LibauditTail, RecordHeader } from './process-identity.js';

/** One record ready to leave: its libvirt payload and what surrounds it on the way to the log. */
export interface OutgoingRecord {
  /** Its record type. */
  readonly type: LibvirtRecordType;
  /** Its type number (2500–2502). */
  readonly typeNumber: number;
  /** The text libvirt hands to audit_log_user_message. */
  readonly payload: string;
  /** Its res=: whether the operation succeeded. */
  readonly success: boolean;
  /** Used by the line sinks; libaudit and the kernel make their own. */
  readonly header: RecordHeader;
  /** libaudit's tail, for the line sinks. */
  readonly tail: LibauditTail;
  /** Its time stamp, for the line sinks. */
  readonly time: AuditTime;
  /** Its serial, for the line sinks. */
  readonly serial: number | bigint;
  /** Its node= name, for the line sinks. */
  readonly node: string | null;
  /** An ENRICHED block, for the line sinks. */
  readonly enrichment?: Readonly<Record<string, string | null>>;
}

/** A record's delivery. */
export interface Delivery {
  /** libaudit's netlink sequence number, or the line number for line sinks. */
  readonly sequence: number;
  /** The line written, for line sinks. */
  readonly line?: string;
}

/** How {@link Sink.deliverMany} sends. */
export interface DeliverOptions {
  /** Send nothing after the first record not delivered (the required policy). */
  readonly stopAtFirst?: boolean;
}

/** Where an {@link Emitter} sends records. */
export interface Sink {
  /** A name for messages: `libaudit`, `memory`, `stdout`, `file:PATH`. */
  readonly name: string;
  /** The exe= libaudit will write (the line sinks write the record's own). */
  readonly ownExe?: boolean;
  /**
   * Sends one record.
   *
   * @param record - The record.
   * @returns Its delivery.
   * @throws {@link EmitError} when it is not delivered.
   */
  deliver(record: OutgoingRecord): Promise<Delivery>;
  /**
   * Several records at once; one outcome per record, in order. Sinks without it get them one by one. With
   * stopAtFirst (the required policy) nothing is sent after the first record that is not delivered.
   *
   * @param records - The records, in order.
   * @param options - Whether to stop at the first record not delivered.
   * @returns Per record, its delivery or why it was not delivered.
   */
  deliverMany?(records: readonly OutgoingRecord[], options?: DeliverOptions): Promise<Array<Delivery | EmitError>>;
  /** Ends the sink's work (flushes, closes). */
  close(): Promise<void>;
}

function lineOf(record: OutgoingRecord): string {
  return renderAuditLine({
    type: record.type,
    node: record.node,
    time: record.time,
    serial: record.serial,
    header: record.header,
    payload: record.payload,
    tail: record.tail,
    result: record.success ? 'success' : 'failed',
    ...(record.enrichment === undefined ? {} : { enrichment: record.enrichment }),
  });
}

/** Keeps the lines in memory, for tests. */
export class MemorySink implements Sink {
  /** `memory`. */
  readonly name = 'memory';
  /** The audit.log lines auditd would write, in order. */
  readonly lines: string[] = [];
  /** The records as they reached the sink. */
  readonly records: OutgoingRecord[] = [];

  /**
   * Keeps the record and its line.
   *
   * @param record - The record.
   * @returns Its line and its number (from 1).
   */
  async deliver(record: OutgoingRecord): Promise<Delivery> {
    const line = lineOf(record);
    this.lines.push(line);
    this.records.push(record);
    return { sequence: this.lines.length, line };
  }

  /** Nothing to close. */
  async close(): Promise<void> {}
}

/** How a {@link LineSink} writes a file. */
export interface LineSinkOptions {
  /** fsync after every batch (the file is always fsynced at close). */
  readonly fsync?: boolean;
}

function sinkFailure(where: string, error: unknown): SinkFailed {
  const { code, errno, message } = error as NodeJS.ErrnoException;
  const name = code ?? 'EIO';
  const reason = /^[A-Z0-9]+: ([^,]+)/.exec(message ?? '')?.[1];
  return new SinkFailed(where, name, `cannot write ${where}: ${name}${reason ? ` (${reason})` : ''}`, errno === undefined ? undefined : Math.abs(errno));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Dry run: the complete audit.log line auditd would write, to stdout or a file. A record is delivered once
 * its bytes are written (and fsynced with the fsync option); a write that fails is a SinkFailed naming the
 * path and errno, never an 'error' event.
 */
export class LineSink implements Sink {
  private written = 0;
  private handle: Promise<FileHandle> | undefined;
  private failure: SinkFailed | undefined;
  private fileSize = 0;

  private constructor(
    /** `stdout` or `file:PATH`. */
    readonly name: string,
    private readonly target: { readonly fd: number } | { readonly path: string },
    private readonly options: LineSinkOptions,
  ) {}

  /**
   * A sink that writes the lines to standard output.
   *
   * @returns The sink.
   */
  static stdout(): LineSink {
    return new LineSink('stdout', { fd: 1 }, {});
  }

  /**
   * A sink that appends the lines to a file (made if need be).
   *
   * @param path - The file.
   * @param options - fsync after every batch.
   * @returns The sink.
   */
  static file(path: string, options: LineSinkOptions = {}): LineSink {
    return new LineSink(`file:${path}`, { path }, options);
  }

  private get where(): string {
    return 'path' in this.target ? this.target.path : 'stdout';
  }

  /**
   * Writes the record's line.
   *
   * @param record - The record.
   * @returns Its line and its line number.
   * @throws {@link SinkFailed} when the write fails.
   */
  async deliver(record: OutgoingRecord): Promise<Delivery> {
    const [outcome] = await this.deliverMany([record]);
    if (outcome instanceof EmitError) throw outcome;
    return outcome!;
  }

  /**
   * All the records' lines in one write. A failed write fails the sink for good: the lines written whole
   * before it are delivered, the others sink-failed, and a file is cut back to its last whole line.
   *
   * @param records - The records, in order.
   * @returns Per record, its delivery or the sink's failure.
   */
  async deliverMany(records: readonly OutgoingRecord[]): Promise<Array<Delivery | EmitError>> {
    if (this.failure) throw this.failure;
    const texts = records.map(lineOf);
    const lines = texts.map((text) => Buffer.from(`${text}\n`, 'utf8'));
    const bytes = Buffer.concat(lines);
    let done = 0;
    let failure: SinkFailed | undefined;
    try {
      if ('fd' in this.target) await writeFd(this.target.fd, bytes, (written) => (done = written));
      else {
        const handle = await this.open(this.target.path);
        while (done < bytes.length) done += (await handle.write(bytes, done)).bytesWritten;
        if (this.options.fsync) await handle.sync();
      }
    } catch (error) {
      failure = this.failure = sinkFailure(this.where, error);
    }
    let whole = 0;
    let wholeBytes = 0;
    while (whole < lines.length && wholeBytes + lines[whole]!.length <= done) wholeBytes += lines[whole++]!.length;
    if (failure !== undefined && 'path' in this.target) await this.cutTo(this.fileSize + wholeBytes);
    this.fileSize += wholeBytes;
    // With --fsync a failed fsync leaves even the written lines unconfirmed.
    const confirmed = failure !== undefined && this.options.fsync ? 0 : whole;
    return texts.map((line, index) => (index < confirmed ? { sequence: ++this.written, line } : failure!));
  }

  /** Drops a torn last line (best effort: the failure is already reported). */
  private async cutTo(size: number): Promise<void> {
    const handle = await this.handle?.catch(() => undefined);
    await handle?.truncate(size).catch(() => undefined);
  }

  private open(path: string): Promise<FileHandle> {
    this.handle ??= open(path, 'a').then(async (handle) => {
      this.fileSize = (await handle.stat()).size;
      return handle;
    });
    return this.handle;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle === undefined) return;
    const opened = await handle.catch(() => undefined);
    if (opened === undefined) return;
    try {
      if (this.failure === undefined) await opened.sync();
    } catch (error) {
      this.failure = sinkFailure(this.where, error);
      throw this.failure;
    } finally {
      await opened.close();
    }
  }
}

/** Writes all of bytes to a descriptor; a non-blocking one that is full is waited on, not dropped. */
async function writeFd(fd: number, bytes: Buffer, progress: (written: number) => void): Promise<void> {
  for (let offset = 0; offset < bytes.length; progress(offset)) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await sleep(1);
    }
  }
}

const ERRNO_NAMES: Readonly<Record<number, string>> = { 1: 'EPERM', 13: 'EACCES', 22: 'EINVAL', 111: 'ECONNREFUSED', 105: 'ENOBUFS' };

/** Why libaudit returned 0 (it hides these failures), from the errno the call left. */
export function notDeliveredCause(errno: number): string {
  switch (errno) {
    case 111:
      return 'ECONNREFUSED: the kernel refuses audit messages from outside the initial user namespace (a container, unshare -U) or has no audit support';
    case 1:
    case 13:
      return 'EPERM: the process lacks CAP_AUDIT_WRITE';
    default:
      return `errno ${errno}${ERRNO_NAMES[errno] ? ` (${ERRNO_NAMES[errno]})` : ''}`;
  }
}

/** How a {@link LibauditSink} sends and confirms. */
export interface LibauditSinkOptions extends ConnectionOptions {
  /**
   * Confirm every batch with the kernel's status (default true). Off, a record libaudit accepted counts as
   * delivered, as libvirt counts it: the kernel may still drop it (no daemon, audit disabled, lost).
   */
  readonly confirm?: boolean;
  /** Longest wait for the kernel's queue to be handed to the daemon after a batch (backlog 0). */
  readonly drainMs?: number;
  /** Longest wait for one status reply. */
  readonly statusTimeoutMs?: number;
  /**
   * Also read every record back from the kernel's audit multicast group (needs CAP_AUDIT_READ): a record the
   * kernel never emitted (dropped while audit was off, by the rate limit…) is then known one by one, and a
   * record seen there was accepted while auditing was on. Waits up to drainMs per batch for the records.
   */
  readonly readBack?: boolean;
}

function outcomeOf(rc: number, errno: number): Delivery {
  if (rc > 0) return { sequence: rc };
  if (rc === 0) throw new NotDelivered('not-delivered', `libaudit returned 0, the record was dropped: ${notDeliveredCause(errno)}`, errno);
  throw new EmitError('send-failed', `audit_log_user_message failed: ${notDeliveredCause(errno === 0 ? -rc : errno)}`, errno === 0 ? -rc : errno);
}

function unreadableCause(errno: number): string {
  switch (errno) {
    case 1:
    case 13:
      return 'EPERM: reading it needs CAP_AUDIT_CONTROL in the initial PID namespace';
    case 111:
      return 'ECONNREFUSED: the kernel refuses audit requests from outside the initial user namespace';
    case 110:
      return 'no reply within the status timeout';
    default:
      return `errno ${errno}${ERRNO_NAMES[errno] ? ` (${ERRNO_NAMES[errno]})` : ''}`;
  }
}

const DISABLED = 'auditing is disabled in the kernel (auditctl -e 0): it accepts user messages and drops them';

/**
 * What the kernel's status before and after a batch says of the records it accepted; null when they are
 * delivered: audit enabled at both ends, the same daemon registered, lost unchanged, the queue handed on.
 * Derived from kernel/audit.c: user messages are dropped uncounted while audit is disabled; with no daemon
 * kauditd prints them (rate-limited) and keeps them only when booted with audit=1; the rate limit, a full
 * backlog and a full retry queue drop them and count them in lost.
 */
export function batchVerdict(before: StatusRead, after: StatusRead | undefined, batch: number, records: number): EmitError | null {
  const where = `batch ${batch} (${records} records)`;
  if (!('status' in before)) return new EmitError('unconfirmed', `not confirmed: the kernel's audit status could not be read before ${where}: ${unreadableCause(before.errno)}`, before.errno);
  if (after === undefined || !('status' in after)) {
    const errno = after === undefined ? 0 : after.errno;
    return new EmitError('unconfirmed', `not confirmed: the kernel's audit status could not be read after ${where}: ${unreadableCause(errno)}`, errno);
  }
  const [start, end] = [before.status, after.status];
  if (end.enabled === 0) return new NotDelivered('audit-disabled', `${DISABLED}; it was disabled by the end of ${where}, so which of them it kept is not known`);
  if (start.pid === 0) return new EmitError('no-daemon', `no audit daemon was registered during ${where}: the kernel printed the records to its own log (printk, rate-limited) and keeps them for a later daemon only when booted with audit=1`);
  if (end.pid === 0) return new EmitError('no-daemon', `the audit daemon (pid ${start.pid}) went away during ${where}: the records the kernel had not handed to it were printed (printk) and dropped`);
  if (end.pid !== start.pid) return new EmitError('no-daemon', `the audit daemon changed during ${where} (pid ${start.pid} → ${end.pid}): records handed to the first may not have been written`);
  const lost = (end.lost - start.lost) >>> 0;
  if (lost > 0) return new EmitError('maybe-lost', `the kernel's lost counter rose by ${lost} during ${where} (rate limit ${end.rateLimit}/s, backlog limit ${end.backlogLimit}): up to ${Math.min(lost, records)} of its records may not reach the log`, undefined, { batch, lost, records });
  const state = daemonState(end.pid);
  if (state !== 'running') {
    return new EmitError('no-daemon', `the audit daemon (pid ${end.pid}) is ${state} after ${where}: the kernel cannot hand it records, and once its socket is full drops them uncounted (printk only, unless booted with audit=1)`);
  }
  if (end.backlog > 0) return new EmitError('unconfirmed', `not confirmed: the kernel still held ${end.backlog} records for the daemon after ${where}`);
  return null;
}

/**
 * Whether the registered daemon can take records, from /proc/PID/stat: a stopped daemon (SIGSTOP, a
 * debugger) still holds its registration, and kauditd then drops records without counting them as lost.
 * The status is only readable from the initial PID namespace, so the pid is ours to look up; when /proc
 * does not show it, nothing is concluded.
 */
function daemonState(pid: number): 'running' | 'stopped' | 'gone' {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'running';
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'T' || state === 't') return 'stopped';
  if (state === 'Z' || state === 'X') return 'gone';
  return 'running';
}

/**
 * audit_log_user_message through libaudit, as libvirtd calls it (hostname and addr NULL, tty ""), each batch
 * confirmed with the kernel's status (AUDIT_GET) read before the first record and after every batch.
 * This sink writes REAL records into the host's audit trail (it needs CAP_AUDIT_WRITE).
 */
export class LibauditSink implements Sink {
  /** `libaudit`. */
  readonly name = 'libaudit';
  readonly ownExe = true;
  private readonly connection: LibauditConnection;
  private readonly confirm: boolean;
  private readonly wait: StatusWait;
  private readonly readBack: boolean;
  /** The status after the last batch: the one before the next. */
  private last: StatusRead | undefined;
  private batches = 0;

  /**
   * A sink through libaudit (its calls run on a worker thread, each bounded by a timeout).
   *
   * @param options - libaudit's soname, timeouts, confirmation and read-back.
   */
  constructor(options: LibauditSinkOptions = {}) {
    this.connection = new LibauditConnection(options);
    this.confirm = options.confirm ?? true;
    this.wait = { statusTimeoutMs: options.statusTimeoutMs ?? 5000, drainMs: options.drainMs ?? 2000 };
    this.readBack = options.readBack ?? false;
  }

  /** @internal The kernel's audit status as last read (after the last batch), read now if it was not. */
  async status(): Promise<StatusRead> {
    this.last ??= await this.connection.status(this.wait);
    return this.last;
  }

  /**
   * Sends the record through libaudit and confirms it with the kernel's status.
   *
   * @param record - The record.
   * @returns Its netlink sequence number.
   * @throws {@link EmitError} when it is not delivered or not confirmed (its kind says which).
   */
  async deliver(record: OutgoingRecord): Promise<Delivery> {
    const [outcome] = await this.deliverMany([record], { stopAtFirst: true });
    if (outcome instanceof EmitError) throw outcome;
    return outcome!;
  }

  /**
   * Sends the records through libaudit in one round trip, the kernel's status read before and after.
   *
   * @param records - The records, in order.
   * @param options - Whether to stop at the first record not delivered.
   * @returns Per record, its delivery or why it was not delivered (or not confirmed).
   */
  async deliverMany(records: readonly OutgoingRecord[], options: DeliverOptions = {}): Promise<Array<Delivery | EmitError>> {
    if (records.length === 0) return [];
    const stopAtFirst = options.stopAtFirst ?? false;
    const batch = ++this.batches;
    const items = records.map((record) => ({ type: record.typeNumber, message: record.payload, result: record.success ? 1 : 0 }));
    if (!this.confirm) {
      const { results } = await this.connection.sendMany(items, { stopAtFirst });
      return records.map((_record, index) => this.outcome(results[index]));
    }
    const before = await this.status();
    const held = heldBack(before, stopAtFirst);
    if (held) {
      this.last = undefined;
      return records.map(() => held);
    }
    this.last = undefined;
    const { results, after, readBack } = await this.connection.sendMany(items, { stopAtFirst, confirm: this.wait, ...(this.readBack ? { readBackMs: this.wait.drainMs } : {}) });
    this.last = after;
    const accepted = results.filter((result) => result.rc > 0).length;
    const verdict = accepted > 0 ? batchVerdict(before, after, batch, accepted) : null;
    const unseen = readBack !== undefined && 'seen' in readBack ? results.filter((result, index) => result.rc > 0 && !readBack.seen[index]).length : 0;
    const seenVerdict = readBack !== undefined && accepted > 0 ? verdictWhenSeen(before, after, batch, accepted, unseen) : null;
    return records.map((_record, index) => {
      const outcome = this.outcome(results[index]);
      if (outcome instanceof EmitError) return outcome;
      if (readBack === undefined) return verdict ?? outcome;
      return readBackVerdict(readBack, index, before, after, batch, this.wait.drainMs) ?? seenVerdict ?? outcome;
    });
  }

  private outcome(result: { rc: number; errno: number } | undefined): Delivery | EmitError {
    if (result === undefined) return new EmitError('unsent', 'not sent: the required policy stopped at an earlier record of the batch');
    try {
      return outcomeOf(result.rc, result.errno);
    } catch (error) {
      return error as EmitError;
    }
  }

  /** Ends libaudit's worker thread and closes its audit socket. */
  async close(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * The verdict for a record the multicast group showed: it was accepted while auditing was on. The kernel
 * counts a record it drops before multicasting it (rate limit, backlog limit) in `lost`; so when `lost` rose by
 * no more than the batch's records that were not seen, and the kernel's queue is empty (none is still held),
 * the rise is theirs and says nothing of the seen ones.
 */
function verdictWhenSeen(before: StatusRead, after: StatusRead | undefined, batch: number, records: number, unseen: number): EmitError | null {
  const enabled = (read: StatusRead | undefined): StatusRead | undefined => (read !== undefined && 'status' in read ? { status: { ...read.status, enabled: 1 } } : read);
  let end = enabled(after);
  if (end !== undefined && 'status' in end && 'status' in before && end.status.backlog === 0 && ((end.status.lost - before.status.lost) >>> 0) <= unseen) {
    end = { status: { ...end.status, lost: before.status.lost } };
  }
  return batchVerdict(enabled(before)!, end, batch, records);
}

/** What the read-back says of one record the kernel accepted; null when it was seen. */
function readBackVerdict(readBack: ReadBack, index: number, before: StatusRead, after: StatusRead | undefined, batch: number, waitedMs: number): EmitError | null {
  if (!('seen' in readBack)) {
    return new EmitError('unconfirmed', `not confirmed: the kernel's audit multicast group could not be joined: ${readBack.errno === 1 ? 'EPERM: it needs CAP_AUDIT_READ' : `errno ${readBack.errno}`}`, readBack.errno);
  }
  if (readBack.seen[index]) return null;
  if (readBack.overflow) return new EmitError('unconfirmed', `not confirmed: the read-back socket overflowed (ENOBUFS) during batch ${batch}`);
  const disabled = readBack.enabledWhenSent === 0 || [before, after].some((read) => read !== undefined && 'status' in read && read.status.enabled === 0);
  if (disabled) return new NotDelivered('audit-disabled', `${DISABLED}: the record of batch ${batch} was not read back from the kernel's multicast group`);
  return new EmitError('maybe-lost', `the record of batch ${batch} was not read back from the kernel's multicast group within ${waitedMs} ms: the kernel dropped it, or is still holding it`, undefined, { batch, lost: 0, records: 1 });
}

/**
 * Records not sent at all: while audit is disabled the kernel drops every user message, and under the
 * required policy a batch is not sent to a kernel with no daemon to take it.
 */
function heldBack(before: StatusRead, stopAtFirst: boolean): EmitError | null {
  if (!('status' in before)) return null;
  if (before.status.enabled === 0) return new NotDelivered('audit-disabled', `not sent: ${DISABLED}`);
  if (before.status.pid === 0 && stopAtFirst) return new EmitError('no-daemon', 'not sent: no audit daemon is registered with the kernel (auditd is not running), so the record would reach no log');
  return null;
}
