import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EmitError } from './errors.js';
import { LIBAUDIT_WORKER_SOURCE } from './libaudit-worker-source.js';

export interface BatchItem {
  readonly type: number;
  readonly message: string;
  readonly result: number;
}

type Request =
  | { op: 'open' }
  | { op: 'enabled' }
  | { op: 'close' }
  | { op: 'send'; type: number; message: string; tty: string | null; result: number }
  | { op: 'sendMany'; items: readonly BatchItem[]; tty: string | null };

export interface CallResult {
  readonly rc: number;
  readonly errno: number;
}

interface Pending {
  resolve: (result: CallResult & { results?: ReadonlyArray<readonly [number, number]> }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

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
   * audit_is_enabled(): 1 or 2 enabled, 0 disabled; null when it cannot be asked. libaudit also answers 0
   * when the kernel refused the question (ECONNREFUSED in a user namespace, EPERM without
   * CAP_AUDIT_CONTROL as non-root); only a 0 that left errno untouched means "disabled".
   */
  async enabled(): Promise<number | null> {
    await this.open();
    const { rc, errno } = await this.call({ op: 'enabled' });
    if (rc < 0 || (rc === 0 && errno !== 0)) return null;
    return rc;
  }

  async send(type: number, message: string, success: boolean, tty: string | null = ''): Promise<CallResult> {
    await this.open();
    return this.call({ op: 'send', type, message, tty, result: success ? 1 : 0 });
  }

  /** Many records in one worker round trip; results stop at the first record not delivered. */
  async sendMany(items: readonly BatchItem[], tty: string | null = ''): Promise<CallResult[]> {
    await this.open();
    const reply = await this.call({ op: 'sendMany', items, tty });
    return (reply.results ?? []).map(([rc, errno]) => ({ rc, errno }));
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
    worker.on('message', (message: { id: number; rc?: number; errno?: number; failure?: string; results?: Array<[number, number]> }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.settle(message.id);
      if (message.failure !== undefined) pending.reject(new EmitError('send-failed', `libaudit: ${message.failure}`));
      else pending.resolve({ rc: message.rc ?? 0, errno: message.errno ?? 0, ...(message.results ? { results: message.results } : {}) });
    });
    worker.on('error', (error) => this.abandon(worker, new EmitError('send-failed', `libaudit worker failed: ${error.message}`)));
    worker.unref();
    return worker;
  }

  private call(request: Request): Promise<CallResult & { results?: ReadonlyArray<readonly [number, number]> }> {
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
