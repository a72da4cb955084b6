import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EmitError } from './errors.js';
import { LIBAUDIT_WORKER_SOURCE } from './libaudit-worker-source.js';

export interface BatchItem {
  readonly type: number;
  readonly message: string;
  readonly result: number;
}

/** The kernel's audit status (struct audit_status, read with AUDIT_GET). */
export interface KernelAuditStatus {
  /** 0 disabled, 1 enabled, 2 enabled and locked. */
  readonly enabled: number;
  readonly failure: number;
  /** The registered audit daemon's pid, 0 when none is registered. */
  readonly pid: number;
  readonly rateLimit: number;
  readonly backlogLimit: number;
  /** Records the kernel dropped (rate limit, backlog or retry queue overflow, out of memory) since boot. */
  readonly lost: number;
  /** Records in the kernel's queue, not yet handed to the daemon. */
  readonly backlog: number;
  readonly backlogWaitTime: number;
}

/** A status read: the status, or the errno that kept it from being read (EPERM without CAP_AUDIT_CONTROL…). */
export type StatusRead = { readonly status: KernelAuditStatus } | { readonly errno: number };

/** How a status read waits: for the reply, and for the kernel's queue to be handed on (backlog 0). */
export interface StatusWait {
  readonly statusTimeoutMs: number;
  readonly drainMs: number;
}

/** Which records of a batch the kernel's multicast group showed, or why it could not be read. */
export type ReadBack = { readonly seen: readonly boolean[]; readonly overflow: boolean; readonly enabledWhenSent?: number } | { readonly errno: number };

type Request =
  | { op: 'open' }
  | { op: 'close' }
  | ({ op: 'status' } & StatusWait)
  | { op: 'send'; type: number; message: string; tty: string | null; result: number }
  | { op: 'sendMany'; items: readonly BatchItem[]; tty: string | null; stopAtFirst: boolean; confirm?: StatusWait; readBack?: { timeoutMs: number } };

export interface CallResult {
  readonly rc: number;
  readonly errno: number;
}

interface Reply extends CallResult {
  readonly results?: ReadonlyArray<readonly [number, number]>;
  readonly status?: StatusRead;
  readonly readBack?: ReadBack;
}

/** The records of one sendMany: each one's rc and errno (up to where it stopped), and the status after them. */
export interface BatchReply {
  readonly results: CallResult[];
  readonly after?: StatusRead;
  readonly readBack?: ReadBack;
}

interface Pending {
  resolve: (result: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** How libaudit is loaded and called. */
export interface ConnectionOptions {
  /** libaudit's soname. */
  readonly library?: string;
  /** Longest wait for one libaudit call; libaudit itself may wait ~40 s for the kernel's ACK. */
  readonly timeoutMs?: number;
}

/**
 * libaudit in a worker thread: every call is bounded by a timeout and never blocks the event loop.
 * After a timeout the worker is abandoned (it finishes its call and exits) and a new one opens a new
 * audit socket for the next call.
 */
export class LibauditConnection {
  private worker: Worker | undefined;
  private opened = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly library: string;
  readonly timeoutMs: number;

  constructor(options: ConnectionOptions = {}) {
    this.library = options.library ?? 'libaudit.so.1';
    this.timeoutMs = options.timeoutMs ?? 45_000;
  }

  /** audit_open(); throws when the kernel has no audit support or the socket cannot be made. */
  async open(): Promise<void> {
    if (this.opened) return;
    const { rc, errno } = await this.call({ op: 'open' });
    if (rc < 0) {
      const unsupported = errno === 22 || errno === 93 || errno === 97; // EINVAL, EPROTONOSUPPORT, EAFNOSUPPORT
      throw new EmitError(
        'send-failed',
        unsupported
          ? `audit_open failed (errno ${errno}): the kernel has no audit support, or a seccomp profile (a container's default) refuses the audit socket`
          : `audit_open failed (errno ${errno})`,
        errno,
      );
    }
    this.opened = true;
  }

  /**
   * The kernel's audit status (audit_request_status + audit_get_reply on a socket of its own), read again
   * every 0.2 ms while the kernel's queue holds records, for at most wait.drainMs.
   */
  async status(wait: StatusWait): Promise<StatusRead> {
    await this.open();
    const reply = await this.call({ op: 'status', ...wait });
    return reply.status ?? { errno: reply.errno };
  }

  async send(type: number, message: string, success: boolean, tty: string | null = ''): Promise<CallResult> {
    await this.open();
    return this.call({ op: 'send', type, message, tty, result: success ? 1 : 0 });
  }

  /**
   * Many records in one worker round trip, then (with confirm) the kernel's status after them. With
   * stopAtFirst, results stop at the first record libaudit refuses.
   */
  async sendMany(items: readonly BatchItem[], options: { stopAtFirst: boolean; confirm?: StatusWait; readBackMs?: number; tty?: string | null }): Promise<BatchReply> {
    await this.open();
    const { confirm, readBackMs } = options;
    const reply = await this.call({
      op: 'sendMany', items, tty: options.tty ?? '', stopAtFirst: options.stopAtFirst, ...(confirm ? { confirm } : {}), ...(readBackMs === undefined ? {} : { readBack: { timeoutMs: readBackMs } }),
    });
    const results = (reply.results ?? []).map(([rc, errno]) => ({ rc, errno }));
    return { results, ...(reply.status ? { after: reply.status } : {}), ...(reply.readBack ? { readBack: reply.readBack } : {}) };
  }

  async close(): Promise<void> {
    if (this.worker === undefined) return;
    if (this.opened) await this.call({ op: 'close' }).catch(() => undefined);
    this.opened = false;
    const worker = this.worker;
    this.worker = undefined;
    await worker.terminate();
  }

  private spawn(): Worker {
    const koffiPath = createRequire(import.meta.url).resolve('koffi');
    const worker = new Worker(LIBAUDIT_WORKER_SOURCE, { eval: true, workerData: { koffiPath, library: this.library } });
    worker.on('message', (message: { id: number; rc?: number; errno?: number; failure?: string; results?: Array<[number, number]>; status?: StatusRead; readBack?: ReadBack }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.settle(message.id);
      if (message.failure !== undefined) pending.reject(new EmitError('send-failed', `libaudit: ${message.failure}`));
      else pending.resolve({ rc: message.rc ?? 0, errno: message.errno ?? 0, ...(message.results ? { results: message.results } : {}), ...(message.status ? { status: message.status } : {}), ...(message.readBack ? { readBack: message.readBack } : {}) });
    });
    worker.on('error', (error) => this.abandon(worker, new EmitError('send-failed', `libaudit worker failed: ${error.message}`)));
    worker.unref();
    return worker;
  }

  private call(request: Request): Promise<Reply> {
    this.worker ??= this.spawn();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.abandon(worker, new EmitError('timeout', `libaudit did not answer ${request.op} within ${this.timeoutMs} ms (kernel ACK wait)`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.ref();
      worker.postMessage({ id, ...request });
    });
  }

  private settle(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private abandon(worker: Worker, error: EmitError): void {
    for (const [id, pending] of [...this.pending]) {
      this.settle(id);
      pending.reject(error);
    }
    if (this.worker === worker) {
      this.worker = undefined;
      this.opened = false;
    }
    void worker.terminate();
  }
}
