import { createWriteStream, type WriteStream } from 'node:fs';
import { type AuditTime, type LibvirtRecordType } from '../src/index.js';
import { renderAuditLine } from './audit-line.js';
import { EmitError, NotDelivered } from './errors.js';
import { LibauditConnection, type ConnectionOptions } from './libaudit-connection.js';
import type { LibauditTail, RecordHeader } from './process-identity.js';

/** One record ready to leave: its libvirt payload and what surrounds it on the way to the log. */
export interface OutgoingRecord {
  readonly type: LibvirtRecordType;
  readonly typeNumber: number;
  readonly payload: string;
  readonly success: boolean;
  /** Used by the line sinks; libaudit and the kernel make their own. */
  readonly header: RecordHeader;
  readonly tail: LibauditTail;
  readonly time: AuditTime;
  readonly serial: number | bigint;
  readonly node: string | null;
  readonly enrichment?: Readonly<Record<string, string | null>>;
}

export interface Delivery {
  /** libaudit's netlink sequence number, or the line number for line sinks. */
  readonly sequence: number;
  readonly line?: string;
}

export interface Sink {
  readonly name: string;
  /** The exe= libaudit will write (the line sinks write the record's own). */
  readonly ownExe?: boolean;
  deliver(record: OutgoingRecord): Promise<Delivery>;
  /** Several records at once; one outcome per record, in order. Sinks without it get them one by one. */
  deliverMany?(records: readonly OutgoingRecord[]): Promise<Array<Delivery | EmitError>>;
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
  readonly name = 'memory';
  readonly lines: string[] = [];
  readonly records: OutgoingRecord[] = [];

  async deliver(record: OutgoingRecord): Promise<Delivery> {
    const line = lineOf(record);
    this.lines.push(line);
    this.records.push(record);
    return { sequence: this.lines.length, line };
  }

  async close(): Promise<void> {}
}

/** Dry run: the complete audit.log line auditd would write, to stdout or a file. */
export class LineSink implements Sink {
  private written = 0;

  constructor(
    readonly name: string,
    private readonly stream: NodeJS.WritableStream,
    private readonly ownsStream: boolean,
  ) {}

  static stdout(): LineSink {
    return new LineSink('stdout', process.stdout, false);
  }

  static file(path: string): LineSink {
    return new LineSink(`file:${path}`, createWriteStream(path, { flags: 'a' }), true);
  }

  async deliver(record: OutgoingRecord): Promise<Delivery> {
    const line = lineOf(record);
    if (!this.stream.write(`${line}\n`)) await new Promise((resolve) => this.stream.once('drain', resolve));
    return { sequence: ++this.written, line };
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return;
    await new Promise<void>((resolve, reject) => (this.stream as WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
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

export interface LibauditSinkOptions extends ConnectionOptions {
  /** How long an answer of audit_is_enabled is trusted before asking again. */
  readonly enabledCheckEveryMs?: number;
}

function outcomeOf(rc: number, errno: number): Delivery {
  if (rc > 0) return { sequence: rc };
  if (rc === 0) throw new NotDelivered('not-delivered', `libaudit returned 0, the record was dropped: ${notDeliveredCause(errno)}`, errno);
  throw new EmitError('send-failed', `audit_log_user_message failed: ${notDeliveredCause(errno === 0 ? -rc : errno)}`, errno === 0 ? -rc : errno);
}

/** audit_log_user_message through libaudit, as libvirtd calls it (hostname and addr NULL, tty ""). */
export class LibauditSink implements Sink {
  readonly name = 'libaudit';
  readonly ownExe = true;
  private readonly connection: LibauditConnection;
  private readonly enabledCheckEveryMs: number;
  private enabledCheckedAt = -Infinity;
  private enabledState: number | null = null;

  constructor(options: LibauditSinkOptions = {}) {
    this.connection = new LibauditConnection(options);
    this.enabledCheckEveryMs = options.enabledCheckEveryMs ?? 1000;
  }

  async deliver(record: OutgoingRecord): Promise<Delivery> {
    await this.checkEnabled();
    const { rc, errno } = await this.connection.send(record.typeNumber, record.payload, record.success);
    return outcomeOf(rc, errno);
  }

  async deliverMany(records: readonly OutgoingRecord[]): Promise<Array<Delivery | EmitError>> {
    await this.checkEnabled();
    const results = await this.connection.sendMany(records.map((record) => ({ type: record.typeNumber, message: record.payload, result: record.success ? 1 : 0 })));
    return records.map((_record, index) => {
      const result = results[index];
      if (result === undefined) return new EmitError('send-failed', 'not sent: an earlier record of the batch was not delivered');
      try {
        return outcomeOf(result.rc, result.errno);
      } catch (error) {
        return error as EmitError;
      }
    });
  }

  private async checkEnabled(): Promise<void> {
    const now = Date.now();
    if (now - this.enabledCheckedAt >= this.enabledCheckEveryMs) {
      this.enabledState = await this.connection.enabled();
      this.enabledCheckedAt = now;
    }
    if (this.enabledState === 0) {
      throw new NotDelivered('audit-disabled', 'auditing is disabled in the kernel (auditctl -e 0): it accepts user messages and drops them');
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
