// A private auditd for system tests and benchmarks: its own auditd.conf and log in a temporary directory, started by
// hand, stopped by its pid, kernel audit settings put back. Only one auditd can be registered with the
// kernel, so tests that use it run in one file, one after another.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AuditStatus {
  readonly enabled: number;
  readonly pid: number;
  readonly lost: number;
  readonly backlogLimit: number;
}

export function auditStatus(): AuditStatus {
  const text = execFileSync('auditctl', ['-s'], { encoding: 'utf8', timeout: 10_000 });
  const value = (name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { enabled: value('enabled'), pid: value('pid'), lost: value('lost'), backlogLimit: value('backlog_limit') };
}

/** Why a private auditd cannot run here, or null when it can. */
export function auditdUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (auditd and audit netlink control)';
  for (const tool of ['/usr/sbin/auditd', '/usr/sbin/auditctl']) if (!existsSync(tool)) return `${tool} is not installed`;
  try {
    const status = auditStatus();
    if (status.pid !== 0) return `another audit daemon (pid ${status.pid}) is registered with the kernel`;
  } catch (error) {
    return `auditctl -s failed: ${(error as Error).message}`;
  }
  return null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PrivateAuditd {
  readonly directory: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private readonly before: AuditStatus;

  /** `conf`: auditd.conf settings over the defaults below (e.g. a tiny max_log_file that rotates). */
  private constructor(readonly format: 'RAW' | 'ENRICHED', conf: Readonly<Record<string, string>> = {}) {
    this.before = auditStatus();
    this.directory = mkdtempSync(join(tmpdir(), 'virt-audit-auditd-'));
    mkdirSync(join(this.directory, 'etc'));
    this.logFile = join(this.directory, 'audit.log');
    const settings = new Map([
      'local_events = yes', 'write_logs = yes', `log_file = ${this.logFile}`, `log_format = ${format}`,
      'flush = INCREMENTAL_ASYNC', 'freq = 50', 'max_log_file = 1000', 'num_logs = 2', 'max_log_file_action = IGNORE',
      'space_left = 2', 'space_left_action = IGNORE', 'admin_space_left = 1', 'admin_space_left_action = IGNORE',
      'disk_full_action = IGNORE', 'disk_error_action = IGNORE', 'name_format = NONE', 'q_depth = 20000',
    ].map((line) => line.split(' = ') as [string, string]));
    for (const [name, value] of Object.entries(conf)) settings.set(name, value);
    const confFile = join(this.directory, 'etc', 'auditd.conf');
    writeFileSync(confFile, `${[...settings].map(([name, value]) => `${name} = ${value}`).join('\n')}\n`);
    chmodSync(confFile, 0o640);
  }

  static async start(format: 'RAW' | 'ENRICHED' = 'RAW', conf: Readonly<Record<string, string>> = {}): Promise<PrivateAuditd> {
    const auditd = new PrivateAuditd(format, conf);
    const child = spawn('/usr/sbin/auditd', ['-n', '-c', join(auditd.directory, 'etc'), '-s', 'enable'], { stdio: 'ignore' });
    auditd.child = child;
    // auditd registers its pid, then enables auditing (-s enable): ready once both are seen.
    for (let waited = 0; !auditd.ready(child.pid); waited += 100) {
      if (waited > 10_000 || child.exitCode !== null) {
        await auditd.stop();
        throw new Error(`auditd did not register with the kernel (exit ${child.exitCode})`);
      }
      await sleep(100);
    }
    return auditd;
  }

  private ready(pid: number | undefined): boolean {
    const status = auditStatus();
    return status.pid === pid && status.enabled !== 0;
  }

  /** The daemon's pid while it runs. */
  get pid(): number | undefined {
    return this.child !== undefined && this.running(this.child) ? this.child.pid : undefined;
  }

  private running(child: ChildProcess): boolean {
    return child.exitCode === null && child.signalCode === null;
  }

  /** Stops auditd by its pid (it flushes the log on SIGTERM) and puts the kernel's settings back. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && this.running(child)) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (this.running(child)) child.kill('SIGKILL');
    }
    execFileSync('auditctl', ['-e', String(this.before.enabled), '-b', String(this.before.backlogLimit)], { stdio: 'ignore', timeout: 10_000 });
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'latin1') : '';
  }
}
