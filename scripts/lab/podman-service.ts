// A container runtime for the fault matrix: Debian's podman (rootful, runc, explicit ulimits: crun and
// podman's default nofile fail on this kind of host) serving the Docker API on a private socket, started
// by hand and stopped by its pid; and a local image built from debootstrap (no registry is reachable).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sleep, waitFor } from './bounded.js';

export const EMITTER_IMAGE = 'localhost/virt-audit-bookworm:minbase';

/** Podman's default capability set as containers-common ships it (no CAP_AUDIT_WRITE). */
export const PODMAN_DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/** Why no container can be started here, or null. */
export function podmanUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (rootful podman; a rootless container cannot reach the audit socket at all)';
  for (const tool of ['/usr/bin/podman', '/usr/sbin/runc', '/usr/sbin/debootstrap']) {
    if (!existsSync(tool)) return `${tool} is not installed (scripts/install-host-deps.sh installs podman, runc and debootstrap)`;
  }
  return null;
}

export class PodmanService {
  private constructor(
    readonly directory: string,
    readonly socket: string,
    readonly environment: NodeJS.ProcessEnv,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<PodmanService> {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-podman-'));
    const conf = join(directory, 'containers.conf');
    // CONTAINERS_CONF replaces the whole configuration chain, so podman's usual default capability set
    // (containers-common's containers.conf: no AUDIT_WRITE) is spelled out; podman's built-in fallback
    // would add AUDIT_WRITE, NET_RAW and MKNOD like Docker.
    writeFileSync(conf, [
      '[containers]',
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      `default_capabilities = [${PODMAN_DEFAULT_CAPABILITIES.map((name) => `"${name}"`).join(', ')}]`,
      '', '[engine]', 'runtime = "runc"', '',
    ].join('\n'));
    const environment = { ...process.env, CONTAINERS_CONF: conf };
    const socket = join(directory, 'podman.sock');
    const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env: environment, stdio: 'ignore' });
    const service = new PodmanService(directory, socket, environment, child);
    try {
      await waitFor('podman to serve its socket', 30_000, () => {
        if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode}`);
        return existsSync(socket);
      });
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  podman(args: readonly string[], timeoutMs = 300_000): string {
    return run('podman', args, { timeoutMs, env: this.environment });
  }

  /**
   * A Debian 12 minbase image (with libaudit1) imported from a debootstrap tree cached under
   * ~/.cache/virt-audit; the emitter runs in it with the host's node and the package bind-mounted.
   */
  ensureImage(): void {
    if (spawnSync('podman', ['image', 'exists', EMITTER_IMAGE], { env: this.environment, timeout: 60_000 }).status === 0) return;
    const cache = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'virt-audit');
    const tarball = join(cache, 'bookworm-minbase.tar');
    if (!existsSync(tarball)) {
      mkdirSync(cache, { recursive: true });
      const rootfs = mkdtempSync(join(cache, 'rootfs-'));
      try {
        run('debootstrap', ['--variant=minbase', '--include=libaudit1', 'bookworm', rootfs, 'http://deb.debian.org/debian'], { timeoutMs: 900_000 });
        run('tar', ['-C', rootfs, '-cf', `${tarball}.tmp`, '.'], { timeoutMs: 300_000 });
        renameSync(`${tarball}.tmp`, tarball);
      } finally {
        rmSync(rootfs, { recursive: true, force: true });
      }
    }
    this.podman(['import', '--change', 'CMD ["/bin/sleep", "infinity"]', tarball, EMITTER_IMAGE]);
  }

  /**
   * conmon keeps watching a finished `exec` for 5 minutes (--exit-delay 300) even after its container
   * is removed; those monitors were started for the lab's containers, so they are stopped here too.
   */
  stopExecMonitors(containerIds: readonly string[]): void {
    for (const id of containerIds) spawnSync('pkill', ['-f', `^/usr/bin/conmon .*-c ${id} `], { timeout: 10_000 });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}
