// A private libvirt host for end-to-end runs: its own auditd (scripts/private-auditd.ts), virtlogd and
// libvirtd started by hand with their own configuration, pid files and sockets in a temporary directory,
// every one of them stopped by its pid when done. Only one auditd can be registered with the kernel, so
// the lab owns it for its duration. libvirt is the host's (9.0) or a newer one run from a Debian 13
// chroot (scripts/libvirt-chroot.sh): its daemons, guests and lab directory then live in the chroot,
// which is mounted for the lab's duration and unmounted when it stops.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './project-root.js';
import { PrivateAuditd, auditStatus, auditdUnavailable } from '../private-auditd.js';
import { run, sleep, waitFor } from './bounded.js';

const TOOLS = ['/usr/sbin/libvirtd', '/usr/sbin/virtlogd', '/usr/bin/virsh', '/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-img'];

function processRunning(name: string): number | null {
  const result = spawnSync('pgrep', ['-x', name], { encoding: 'utf8', timeout: 5_000 });
  const pid = Number(result.stdout.trim().split('\n')[0]);
  return pid > 0 ? pid : null;
}

/** The names the lab's scenario and matrix give their <shmem> devices. */
const LAB_SHMEM_PREFIXES = ['vacap-shm', 'vamx-shm'];

/** The libvirt versions the lab runs: the host's, and those of the chroots scripts/libvirt-chroot.sh builds. */
export const LAB_LIBVIRT_VERSIONS = ['9.0', '11.3', '12.9'] as const;
export type LabLibvirtVersion = typeof LAB_LIBVIRT_VERSIONS[number];
export const HOST_LIBVIRT_VERSION: LabLibvirtVersion = '9.0';

const chrootScript = () => join(projectRoot(), 'scripts', 'libvirt-chroot.sh');

/** The chroot directory of a newer libvirt, '' for the host's own, or null when that chroot is not built. */
export function libvirtRoot(version: LabLibvirtVersion): string | null {
  if (version === HOST_LIBVIRT_VERSION) return '';
  const result = spawnSync('bash', [chrootScript(), 'path', version], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Builds (once) the chroot of a newer libvirt: several minutes the first time, needs Debian's archive. */
export function buildLibvirtChroot(version: LabLibvirtVersion, say: (message: string) => void): string {
  say(`building the libvirt ${version} chroot (scripts/libvirt-chroot.sh build ${version})`);
  return run('bash', [chrootScript(), 'build', version], { timeoutMs: 1_800_000 }).trim();
}

/** Why the lab cannot run on this machine (with that libvirt), or null when it can. */
export function labUnavailable(version: LabLibvirtVersion = HOST_LIBVIRT_VERSION): string | null {
  const auditd = auditdUnavailable();
  if (auditd) return auditd;
  for (const tool of TOOLS) if (!existsSync(tool)) return `${tool} is not installed (scripts/install-host-deps.sh installs it)`;
  if (libvirtRoot(version) === null) return `the libvirt ${version} chroot is not built (bash scripts/libvirt-chroot.sh build ${version})`;
  for (const daemon of ['libvirtd', 'virtlogd', 'virtqemud']) {
    const pid = processRunning(daemon);
    // The QEMU driver's state directories (/run/libvirt/qemu, /var/lib/libvirt/qemu) are fixed for a
    // privileged daemon, so a host's own libvirt would share them.
    if (pid !== null) return `a ${daemon} (pid ${pid}) is already running; the lab starts its own`;
  }
  return null;
}

/** A started daemon: stopped by its pid, SIGTERM then SIGKILL after a bound. */
class DaemonPid {
  constructor(readonly name: string, readonly pid: number) {}

  alive(): boolean {
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    if (!this.alive()) return;
    process.kill(this.pid, 'SIGTERM');
    for (let waited = 0; this.alive() && waited < 15_000; waited += 100) await sleep(100);
    if (this.alive()) process.kill(this.pid, 'SIGKILL');
  }
}

/** Pids still to stop if the process exits early (a test runner killed on timeout). */
const pidsToKillOnExit = new Set<number>();
process.once('exit', () => {
  for (const pid of pidsToKillOnExit) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * libvirt checks that /dev/kvm is usable by the qemu user; where it is 0600 root that check contradicts
 * its cached QEMU probe and every define re-probes QEMU (~40 s). Debian's usual root:kvm 0660 while the
 * lab runs; the original mode is put back at the end.
 */
class KvmDeviceMode {
  private readonly before: { gid: number; mode: number } | null;

  constructor() {
    const kvmGroup = spawnSync('getent', ['group', 'kvm'], { encoding: 'utf8', timeout: 5_000 }).stdout.split(':')[2];
    if (!existsSync('/dev/kvm') || kvmGroup === undefined) {
      this.before = null;
      return;
    }
    const info = statSync('/dev/kvm');
    this.before = { gid: info.gid, mode: info.mode & 0o777 };
    run('chgrp', ['kvm', '/dev/kvm']);
    chmodSync('/dev/kvm', 0o660);
  }

  restore(): void {
    if (!this.before) return;
    run('chgrp', [String(this.before.gid), '/dev/kvm']);
    chmodSync('/dev/kvm', this.before.mode);
  }
}

export interface HostLabOptions {
  readonly format: 'RAW' | 'ENRICHED';
  /** The libvirt to run (default the host's 9.0); a newer one needs its chroot built. */
  readonly libvirt?: LabLibvirtVersion;
  /**
   * A second libvirtd beside a running lab (a migration's destination): it writes into that lab's auditd,
   * which it neither starts nor stops. Stop it before the lab it shares.
   */
  readonly besides?: HostLab;
  /** libvirtd.conf host_uuid: libvirt refuses to migrate between two daemons that report the same host. */
  readonly hostUuid?: string;
  /** auditd.conf settings over the private auditd's defaults (PrivateAuditd.start). */
  readonly auditdConf?: Readonly<Record<string, string>>;
}

export class HostLab {
  /** The lab's directory as libvirt and QEMU see it (inside the chroot for a newer libvirt). */
  readonly directory: string;
  readonly uri: string;
  /** The chroot libvirtd runs in, '' for the host's. */
  readonly root: string;
  readonly libvirt: LabLibvirtVersion;
  /** `libvirtd --version`'s number ("9.0.0"). */
  libvirtRelease = '';
  libvirtdPid: number | undefined;
  readonly auditd: PrivateAuditd;
  private readonly daemons: DaemonPid[] = [];
  private readonly kvm: KvmDeviceMode;
  private readonly auditEnabledBefore: number;
  private stopped = false;
  /** Whether this lab started its auditd (false beside another lab). */
  private ownsAuditd = true;
  private hostUuid: string | undefined;

  private constructor(auditd: PrivateAuditd, kvm: KvmDeviceMode, auditEnabledBefore: number, libvirt: LabLibvirtVersion, root: string) {
    this.auditd = auditd;
    this.kvm = kvm;
    this.auditEnabledBefore = auditEnabledBefore;
    this.libvirt = libvirt;
    this.root = root;
    const hostDirectory = mkdtempSync(join(root === '' ? tmpdir() : join(root, 'tmp'), 'virt-audit-lab-'));
    this.directory = hostDirectory.slice(root.length);
    chmodSync(hostDirectory, 0o755); // qemu runs as libvirt-qemu and must reach the images
    this.uri = `qemu:///system?socket=${this.hostPath(join(this.directory, 'run', 'libvirt-sock'))}`;
  }

  /** A path as libvirt sees it, as this process reaches it. */
  hostPath(path: string): string {
    return `${this.root}${path}`;
  }

  /** The lab's images directory (made, readable by QEMU's user), as libvirt names it. */
  imagesDirectory(): string {
    const images = join(this.directory, 'images');
    mkdirSync(this.hostPath(images), { recursive: true });
    chmodSync(this.hostPath(images), 0o755);
    return images;
  }

  /** The journal's header: which libvirtd wrote the capture (its version and pid) on which host. */
  journalHeader(): { libvirt: string; libvirtdPid?: number; host: { cpu?: string; kernel: string } } {
    const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    return {
      libvirt: this.libvirtRelease,
      ...(this.libvirtdPid === undefined ? {} : { libvirtdPid: this.libvirtdPid }),
      host: { ...(cpu ? { cpu } : {}), kernel: release() },
    };
  }

  /** The qemu.conf libvirtd reads, as this process reaches it. */
  get qemuConf(): string {
    return this.hostPath('/etc/libvirt/qemu.conf');
  }

  static async start(options: HostLabOptions): Promise<HostLab> {
    const libvirt = options.libvirt ?? HOST_LIBVIRT_VERSION;
    // beside a running lab, its own daemons are the ones labUnavailable would find
    const unavailable = options.besides === undefined ? labUnavailable(libvirt)
      : libvirtRoot(libvirt) === null ? `the libvirt ${libvirt} chroot is not built (bash scripts/libvirt-chroot.sh build ${libvirt})` : null;
    if (unavailable) throw new Error(`the lab cannot run here: ${unavailable}`);
    const root = libvirtRoot(libvirt)!;
    if (root !== '') run('bash', [chrootScript(), 'mount', libvirt]);
    const auditEnabledBefore = auditStatus().enabled;
    const kvm = new KvmDeviceMode();
    let auditd: PrivateAuditd;
    try {
      auditd = options.besides?.auditd ?? await PrivateAuditd.start(options.format, options.auditdConf);
    } catch (error) {
      kvm.restore();
      if (root !== '') run('bash', [chrootScript(), 'umount', libvirt]);
      throw error;
    }
    const lab = new HostLab(auditd, kvm, auditEnabledBefore, libvirt, root);
    lab.ownsAuditd = options.besides === undefined;
    lab.hostUuid = options.hostUuid;
    if (lab.ownsAuditd && auditd.pid !== undefined) pidsToKillOnExit.add(auditd.pid);
    try {
      await lab.startLibvirt();
    } catch (error) {
      await lab.stop();
      throw error;
    }
    return lab;
  }

  /** A command of the libvirt in use: the host's, or run chrooted with a clean environment. */
  private libvirtCommand(command: string, args: readonly string[], timeoutMs = 30_000): string {
    if (this.root === '') return run(command, args, { timeoutMs });
    return run('chroot', [this.root, '/usr/bin/env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', command, ...args], { timeoutMs });
  }

  private async startDaemon(name: string, args: readonly string[]): Promise<DaemonPid> {
    const pidFile = join(this.directory, `${name}.pid`);
    this.libvirtCommand(`/usr/sbin/${name}`, ['--daemon', '--pid-file', pidFile, ...args]);
    const hostPidFile = this.hostPath(pidFile);
    await waitFor(`${name} to write ${pidFile}`, 15_000, () => existsSync(hostPidFile) && readFileSync(hostPidFile, 'utf8').trim() !== '');
    const daemon = new DaemonPid(name, Number(readFileSync(hostPidFile, 'utf8').trim()));
    this.daemons.push(daemon);
    pidsToKillOnExit.add(daemon.pid);
    return daemon;
  }

  private async startLibvirt(): Promise<void> {
    this.libvirtRelease = /(\d+\.\d+\.\d+)\s*$/.exec(this.libvirtCommand('/usr/sbin/libvirtd', ['--version']).trim())?.[1] ?? '?';
    const runDirectory = join(this.directory, 'run');
    mkdirSync(this.hostPath(runDirectory));
    const virtlogdConf = join(this.directory, 'virtlogd.conf');
    writeFileSync(this.hostPath(virtlogdConf), `log_outputs = "3:file:${join(this.directory, 'virtlogd.log')}"\n`);
    await this.startDaemon('virtlogd', ['--config', virtlogdConf]);
    const libvirtdConf = join(this.directory, 'libvirtd.conf');
    // audit_level 2: libvirtd refuses to start when it cannot open the audit socket.
    writeFileSync(this.hostPath(libvirtdConf), [
      `unix_sock_dir = "${runDirectory}"`, 'audit_level = 2', 'audit_logging = 0',
      ...(this.hostUuid === undefined ? [] : [`host_uuid = "${this.hostUuid}"`]),
      `log_outputs = "3:file:${join(this.directory, 'libvirtd.log')}"`, '',
    ].join('\n'));
    this.libvirtdPid = (await this.startDaemon('libvirtd', ['--config', libvirtdConf])).pid;
    await waitFor('libvirtd to answer on its private socket', 60_000, () => {
      return spawnSync('virsh', ['-c', this.uri, 'version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
    });
  }

  /** virsh against the lab's libvirtd, for what the binding lacks (device attach/detach, managed save). */
  virsh(args: readonly string[], timeoutMs = 60_000): string {
    return run('virsh', ['-q', '-c', this.uri, ...args], { timeoutMs });
  }

  /** The run-time state libvirt keeps for a running guest: its QEMU pid. */
  qemuPid(name: string): number {
    return Number(readFileSync(this.hostPath(`/run/libvirt/qemu/${name}.pid`), 'utf8').trim());
  }

  /** Stops auditd (flushing its log) and returns the log's path; the rest keeps running. */
  async stopAuditd(): Promise<string> {
    await sleep(1_000); // let the last records reach auditd
    await this.auditd.stop();
    return this.auditd.logFile;
  }

  /**
   * Removes the lab's guests with audit off (so no stray record waits in the kernel's backlog for the
   * next auditd), then stops the daemons newest first, each by its pid, and puts audit and /dev/kvm back.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    const attempt = async (step: () => void | Promise<void>) => {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    };
    const auditdPid = this.auditd.pid;
    if (this.ownsAuditd) {
      await attempt(() => this.auditd.stop());
      if (auditdPid !== undefined) pidsToKillOnExit.delete(auditdPid);
      await attempt(() => void run('auditctl', ['-e', '0']));
    }
    await attempt(() => this.removeGuests());
    for (const daemon of [...this.daemons].reverse()) {
      await attempt(() => daemon.stop());
      pidsToKillOnExit.delete(daemon.pid);
    }
    if (this.ownsAuditd) await attempt(() => void run('auditctl', ['-e', String(this.auditEnabledBefore)]));
    await attempt(() => this.kvm.restore());
    await attempt(() => rmSync(this.hostPath(this.directory), { recursive: true, force: true }));
    // QEMU leaves the lab's ivshmem backing files (named after the guests' shmem) in /dev/shm.
    await attempt(() => {
      for (const entry of readdirSync('/dev/shm')) if (LAB_SHMEM_PREFIXES.some((prefix) => entry.startsWith(prefix))) rmSync(join('/dev/shm', entry), { force: true });
    });
    if (this.root !== '') await attempt(() => void run('bash', [chrootScript(), 'umount', this.libvirt]));
    if (errors.length > 0) throw new AggregateError(errors, 'the lab did not stop cleanly');
  }

  private removeGuests(): void {
    if (!this.daemons.some((daemon) => daemon.name === 'libvirtd' && daemon.alive())) return;
    const names = this.virsh(['list', '--all', '--name']).split('\n').map((name) => name.trim()).filter(Boolean);
    for (const name of names) {
      spawnSync('virsh', ['-q', '-c', this.uri, 'destroy', name], { stdio: 'ignore', timeout: 30_000 });
      spawnSync('virsh', ['-q', '-c', this.uri, 'undefine', name, '--managed-save', '--nvram', '--snapshots-metadata'], { stdio: 'ignore', timeout: 30_000 });
    }
  }
}
