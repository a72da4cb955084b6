// Audit records straight from the kernel: a NETLINK_AUDIT socket bound to the multicast group
// AUDIT_NLGRP_READLOG (Linux 3.16 and later, CAP_AUDIT_READ). kauditd sends every record there before it
// hands it to the audit daemon, so this reads beside any auditd, or with none. It never registers as the
// daemon and changes no kernel setting.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import koffi from 'koffi';
import { BoundedLineQueue, type DropNotice } from './bounded-line-queue.js';
import type { LiveLine, LiveLineSource } from './live-event.js';
import { NetlinkIntake } from './netlink-intake.js';
import { NETLINK_WORKER_SOURCE } from './netlink-worker-source.js';
import { DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_LINES } from './plugin-source.js';

export interface NetlinkSourceOptions {
  /** The node name auditd would write (`node=NAME ` first), as its name_format gives it; default none. */
  readonly node?: string | null;
  /** Most lines held for a slow consumer (default 65,536); past it lines are dropped and counted. */
  readonly maxQueuedLines?: number;
  /** Most bytes held for a slow consumer (default 32 MiB). */
  readonly maxQueuedBytes?: number;
  /** The socket's receive buffer (default 8 MiB; SO_RCVBUFFORCE, SO_RCVBUF where that is refused). */
  readonly receiveBufferBytes?: number;
  /** A burst of drops (or a kernel overrun) began or ended. */
  readonly onDrop?: (notice: DropNotice) => void;
  /** Hand on EOE records too (auditd dispatches them but never logs them). */
  readonly keepEndOfEvent?: boolean;
  /** libaudit's soname, for the record type names (default libaudit.so.1). */
  readonly library?: string;
}

/** Why the multicast group cannot be read. */
export type NetlinkSourceErrorKind = 'no-permission' | 'no-group' | 'no-audit' | 'no-libaudit' | 'failed';

export class NetlinkSourceError extends Error {
  constructor(readonly kind: NetlinkSourceErrorKind, message: string, readonly errno: number | null = null) {
    super(message);
    this.name = 'NetlinkSourceError';
  }
}

const EPERM = 1;
const ENOENT = 2;
const EACCES = 13;
const EINVAL = 22;
const EPROTONOSUPPORT = 93;
const EAFNOSUPPORT = 97;
/** Datagrams posted by the worker and not yet taken here; past it the worker drops and counts. */
const MAX_PENDING_DATAGRAMS = 8192;

function errorOf(step: string, errno: number): NetlinkSourceError {
  if (step === 'bind' && (errno === EPERM || errno === EACCES)) {
    return new NetlinkSourceError('no-permission', `netlink: reading the audit multicast group needs CAP_AUDIT_READ (bind: errno ${errno}, EPERM); run as root, or give the program the capability (setcap cap_audit_read+ep, or systemd's AmbientCapabilities=CAP_AUDIT_READ)`, errno);
  }
  if (step === 'bind' && (errno === EINVAL || errno === ENOENT)) {
    return new NetlinkSourceError('no-group', `netlink: this kernel has no audit multicast group (AUDIT_NLGRP_READLOG needs Linux 3.16 or later; bind: errno ${errno})`, errno);
  }
  if (step === 'socket' && (errno === EPROTONOSUPPORT || errno === EAFNOSUPPORT || errno === EINVAL)) {
    return new NetlinkSourceError('no-audit', `netlink: the kernel has no audit support, or a seccomp profile (a container's default) refuses the audit socket (socket: errno ${errno})`, errno);
  }
  if (step === 'socket' && (errno === EPERM || errno === EACCES)) {
    return new NetlinkSourceError('no-permission', `netlink: the audit socket was refused (socket: errno ${errno}); a container needs the host's network namespace and CAP_AUDIT_READ`, errno);
  }
  return new NetlinkSourceError('failed', `netlink: ${step} failed (errno ${errno})`, errno);
}

/** libaudit's audit_msg_type_to_name, each type asked once. */
function typeNamer(library: string): (type: number) => string | null {
  let toName: (type: number) => string | null;
  try {
    toName = koffi.load(library).func('const char *audit_msg_type_to_name(int msg_type)') as (type: number) => string | null;
  } catch (error) {
    throw new NetlinkSourceError('no-libaudit', `netlink: cannot load ${library} for the record type names: ${(error as Error).message}`);
  }
  const names = new Map<number, string | null>();
  return (type) => {
    let name = names.get(type);
    if (name === undefined) {
      name = toName(type) ?? null;
      names.set(type, name);
    }
    return name;
  };
}

interface WorkerMessage {
  readonly kind: 'ready' | 'failed' | 'batch' | 'closed';
  readonly step?: string;
  readonly errno?: number;
  readonly datagrams?: Uint8Array[];
  readonly dropped?: number;
  readonly overruns?: number;
}

/**
 * Lines auditd would log (RAW) for the records the kernel multicasts, with origin `netlink:N` (N counts the
 * records received). Overruns (the socket's buffer full: ENOBUFS) count 1 dropped each, as the kernel does
 * not say how many it lost, and are told through onDrop with reason `overrun`.
 */
export class NetlinkLineSource implements LiveLineSource {
  private readonly queue: BoundedLineQueue;
  private readonly shared: Int32Array;
  private readonly intake: NetlinkIntake;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    typeName: (type: number) => string | null,
    options: NetlinkSourceOptions,
    shared: SharedArrayBuffer,
  ) {
    this.shared = new Int32Array(shared);
    this.queue = new BoundedLineQueue(
      { maxLines: options.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES, maxBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES },
      options.onDrop,
      () => void this.close(),
    );
    this.intake = new NetlinkIntake(this.queue, typeName, options);
  }

  /** Binds the socket; rejects with a NetlinkSourceError naming what is missing (capability, group, audit). */
  static async open(options: NetlinkSourceOptions = {}): Promise<NetlinkLineSource> {
    const typeName = typeNamer(options.library ?? 'libaudit.so.1');
    const shared = new SharedArrayBuffer(8);
    const koffiPath = createRequire(import.meta.url).resolve('koffi');
    const worker = new Worker(NETLINK_WORKER_SOURCE, {
      eval: true,
      workerData: { koffiPath, shared, maxPending: MAX_PENDING_DATAGRAMS, receiveBufferBytes: options.receiveBufferBytes ?? 8 * 1024 * 1024 },
    });
    const source = new NetlinkLineSource(worker, typeName, options, shared);
    let ready = false;
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage): void => {
        if (ready) source.take(message);
        else if (message.kind === 'ready') {
          ready = true;
          worker.off('error', onError);
          resolve();
        } else if (message.kind === 'failed') {
          worker.off('error', onError);
          void worker.terminate();
          reject(errorOf(message.step ?? 'netlink', message.errno ?? 0));
        }
      };
      const onError = (error: Error): void => reject(new NetlinkSourceError('failed', `netlink worker failed: ${error.message}`));
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
    worker.on('error', (error) => source.queue.fail(new NetlinkSourceError('failed', `netlink worker failed: ${error.message}`)));
    worker.on('exit', () => {
      if (source.closing === null) source.queue.fail(new NetlinkSourceError('failed', 'netlink: the reading thread ended unexpectedly'));
    });
    return source;
  }

  get dropped(): number {
    return this.queue.dropped;
  }

  /** Records received from the kernel (dropped ones too, overruns not: their count is unknown). */
  get recordsReceived(): number {
    return this.intake.received;
  }

  /** Records auditd does not log (EOE, netlink control), passed over. */
  get recordsSkipped(): number {
    return this.intake.skipped;
  }

  /** Times the socket's buffer overflowed (ENOBUFS): records were lost, how many the kernel does not say. */
  get overruns(): number {
    return this.intake.overruns;
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveLine> {
    return this.queue[Symbol.asyncIterator]();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      Atomics.store(this.shared, 1, 1);
      const exited = new Promise((resolve) => this.worker.once('exit', resolve));
      // The worker sees the stop flag within its poll timeout (100 ms); terminate is the fallback.
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      await this.worker.terminate();
      this.queue.abort();
    })();
    return this.closing;
  }

  private take(message: WorkerMessage): void {
    if (message.kind === 'failed') {
      this.queue.fail(errorOf(message.step ?? 'recv', message.errno ?? 0));
      return;
    }
    if (message.kind !== 'batch') return;
    const datagrams = message.datagrams ?? [];
    Atomics.sub(this.shared, 0, datagrams.length);
    this.intake.take({ datagrams, dropped: message.dropped ?? 0, overruns: message.overruns ?? 0 });
  }
}

/** Opens the kernel's audit multicast group as a live source. */
export function openNetlinkSource(options: NetlinkSourceOptions = {}): Promise<NetlinkLineSource> {
  return NetlinkLineSource.open(options);
}
