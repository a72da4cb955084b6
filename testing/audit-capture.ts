// What a virt manager's test suite reads its audit trail with: a private auditd started for the test, or
// the host's log followed from a watermark, the records read back as the project's reader parses them.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { parseLine } from '../src/reader/parse-line.js';
import type { AuditRecord } from '../src/model/audit-record.js';
import { PrivateAuditd } from '../scripts/private-auditd.js';
import { configuredLogFile } from '../src/reader/auditd-conf.js';

/** Where a capture reads: the file, and the byte offset and inode it began at. */
interface Watermark {
  readonly file: string;
  readonly inode: number;
  readonly offset: number;
}

/** How an {@link AuditCapture} starts and polls. */
export interface AuditCaptureOptions {
  /** auditd's log_format for a private daemon (default RAW). */
  readonly format?: 'RAW' | 'ENRICHED';
  /** How often `until` reads the log again (ms; default 100). */
  readonly pollMs?: number;
}

/** Which records {@link AuditCapture.records} and {@link AuditCapture.until} read. */
export interface RecordsOptions {
  /** Every record, not only VIRT_CONTROL, VIRT_RESOURCE and VIRT_MACHINE_ID. */
  readonly all?: boolean;
}

const VIRT_TYPES = new Set(['VIRT_CONTROL', 'VIRT_RESOURCE', 'VIRT_MACHINE_ID']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * auditd.conf's log_file (auditd's default when the file or the key is missing).
 *
 * @param conf - auditd.conf's path.
 * @returns The log file's path.
 */
export function auditdLogFile(conf = '/etc/audit/auditd.conf'): string {
  return configuredLogFile(conf);
}

function readFrom(file: string, offset: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    let at = 0;
    while (at < buffer.length) {
      const read = readSync(fd, buffer, at, buffer.length - at, offset + at);
      if (read === 0) break;
      at += read;
    }
    return buffer.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * The audit records written while a test runs. `AuditCapture.start()` starts a private auditd (root, and
 * no other audit daemon registered: the kernel takes one) whose log holds only this test's records;
 * `AuditCapture.follow()` reads the host's log from where it ends now, across one rotation. Neither writes
 * records: what the test does to its guests does.
 *
 * @example
 * ```ts
 * import { AuditCapture, assertWritten } from 'virt-audit/testing';
 * import { auditStop, parseDomainXml } from 'virt-audit/emitter';
 *
 * declare function virsh(...args: string[]): string;           // yours: runs virsh
 * declare const xml: string;                                   // the guest's XML
 * const capture = AuditCapture.follow();                       // the host's log from now on
 * virsh('destroy', 'web1');
 * await capture.until((record) => record.payloadValue('op') === 'stop');
 * assertWritten(capture, auditStop(parseDomainXml(xml), 'destroyed'));
 * await capture.stop();
 * ```
 */
export class AuditCapture {
  private stopped = false;
  private frozenText: string | undefined;

  private constructor(
    private readonly watermark: Watermark,
    private readonly daemon: PrivateAuditd | undefined,
    private readonly pollMs: number,
  ) {}

  /**
   * Starts a private auditd for the test; `stop()` stops it and puts the kernel's audit settings back.
   *
   * @param options - Its log format and how often `until` polls.
   * @returns The capture, reading the private daemon's log from its start.
   * @throws When not root, or when another audit daemon is registered with the kernel.
   */
  static async start(options: AuditCaptureOptions = {}): Promise<AuditCapture> {
    const daemon = await PrivateAuditd.start(options.format ?? 'RAW');
    return new AuditCapture({ file: daemon.logFile, inode: -1, offset: 0 }, daemon, options.pollMs ?? 100);
  }

  /**
   * Follows an existing log (default: auditd.conf's log_file) from its current end.
   *
   * @param logFile - The log to follow.
   * @param options - How often `until` polls.
   * @returns The capture.
   * @throws When the log does not exist.
   */
  static follow(logFile = auditdLogFile(), options: AuditCaptureOptions = {}): AuditCapture {
    const info = statSync(logFile);
    return new AuditCapture({ file: logFile, inode: info.ino, offset: info.size }, undefined, options.pollMs ?? 100);
  }

  /** The log file the capture reads. */
  get logFile(): string {
    return this.watermark.file;
  }

  /**
   * The log's text written since the capture began.
   *
   * @returns The text, one JS char per byte (as the reader reads it).
   */
  text(): string {
    if (this.frozenText !== undefined) return this.frozenText;
    const { file, inode, offset } = this.watermark;
    if (!existsSync(file)) return '';
    if (inode === -1) return readFrom(file, 0).toString('latin1');
    const now = statSync(file);
    if (now.ino === inode && now.size >= offset) return readFrom(file, offset).toString('latin1');
    // Rotated since the watermark: the rest of the old file (now FILE.1), then the new one.
    const rotated = `${file}.1`;
    const before = existsSync(rotated) && statSync(rotated).ino === inode ? readFrom(rotated, offset).toString('latin1') : '';
    return before + readFrom(file, 0).toString('latin1');
  }

  /**
   * The records written since the capture began, in log order: the VIRT records, or with `all` every one.
   *
   * @param options - Every record, or the VIRT ones (default).
   * @returns The records.
   */
  records(options: RecordsOptions = {}): AuditRecord[] {
    const records: AuditRecord[] = [];
    const lines = this.text().split('\n');
    for (let index = 0; index < lines.length; index++) {
      const parsed = parseLine(lines[index]!, { file: this.watermark.file, line: index + 1 });
      if (parsed.kind !== 'record') continue;
      if (options.all || VIRT_TYPES.has(parsed.record.type)) records.push(parsed.record);
    }
    return records;
  }

  /**
   * Waits until a record matching `predicate` is written.
   *
   * @param predicate - Which record to wait for.
   * @param timeoutMs - How long (default 30 s).
   * @param options - Which records are looked at (the VIRT ones by default).
   * @returns The first matching record.
   * @throws After `timeoutMs` (or once stopped), naming how many records were seen and the last.
   */
  async until(predicate: (record: AuditRecord) => boolean, timeoutMs = 30_000, options: RecordsOptions = {}): Promise<AuditRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.records(options);
      const found = seen.find(predicate);
      if (found !== undefined) return found;
      if (this.stopped || Date.now() >= deadline) {
        throw new Error(`AuditCapture.until: no matching record within ${timeoutMs} ms; ${seen.length} record(s) seen${seen.length > 0 ? `, the last: ${seen.at(-1)!.text}` : ''}`);
      }
      await sleep(this.pollMs);
    }
  }

  /** Ends the capture: a private auditd is stopped (its log flushed and kept); what was read stays readable. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.daemon) await this.daemon.stop();
    this.frozenText = this.text();
    this.stopped = true;
  }
}
