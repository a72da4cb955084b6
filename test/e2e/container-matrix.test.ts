// The emitter inside containers (testcontainers 12.0.1 against Debian's podman, a locally built image),
// where audit sends often fail silently: each case must either reach the host's auditd and pass verify,
// or be reported as not delivered — never lost without a word. Skipped, with the reason printed, where no
// container runtime can be started.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../verifier/index.js';
import { EMITTER_IMAGE, PodmanService, podmanUnavailable } from '../../scripts/lab/podman-service.js';
import { PrivateAuditd, auditdUnavailable } from '../../scripts/private-auditd.js';
import { withTimeout } from '../../scripts/lab/bounded.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const unavailable = podmanUnavailable() ?? auditdUnavailable();
if (unavailable) console.warn(`[skip] container fault matrix: ${unavailable}`);

interface Case {
  readonly key: string;
  readonly name: string;
  readonly capabilities: readonly string[];
  readonly securityOptions: readonly string[];
  /** A wrapper the emitter runs under inside the container. */
  readonly wrapper: readonly string[];
}

const CASES: Record<'defaults' | 'noAuditWrite' | 'userNamespace' | 'auditWrite', Case> = {
  defaults: { key: 'defaults', name: 'default capabilities', capabilities: [], securityOptions: [], wrapper: [] },
  noAuditWrite: { key: 'noAuditWrite', name: 'no CAP_AUDIT_WRITE', capabilities: [], securityOptions: ['seccomp=unconfined'], wrapper: [] },
  userNamespace: { key: 'userNamespace', name: 'a user namespace', capabilities: ['AUDIT_WRITE'], securityOptions: ['seccomp=unconfined'], wrapper: ['unshare', '--user', '--map-root-user'] },
  auditWrite: { key: 'auditWrite', name: '--cap-add AUDIT_WRITE', capabilities: ['AUDIT_WRITE'], securityOptions: [], wrapper: [] },
};

describe.skipIf(unavailable !== null)('the emitter in a container (podman, testcontainers)', () => {
  let auditd: PrivateAuditd | undefined;
  let podman: PodmanService | undefined;
  let runtimeProblem: string | null = null;
  const started: StartedTestContainer[] = [];
  const uuid = randomUUID();

  beforeAll(async () => {
    auditd = await PrivateAuditd.start('RAW');
    try {
      podman = await PodmanService.start();
      podman.ensureImage();
      process.env.DOCKER_HOST = `unix://${podman.socket}`;
      process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'; // Ryuk's image is on a registry this host cannot reach
      await withTimeout(getContainerRuntimeClient(), 60_000, 'testcontainers to reach podman');
    } catch (error) {
      runtimeProblem = `no container runtime could be started: ${(error as Error).message}`;
      console.warn(`[skip] container fault matrix: ${runtimeProblem}`);
    }
  }, 1_200_000);

  afterAll(async () => {
    for (const container of started) await container.stop({ timeout: 10_000 }).catch(() => {});
    podman?.stopExecMonitors(started.map((container) => container.getId()));
    await podman?.stop();
    await auditd?.stop();
  }, 120_000);

  /** Starts a container for the case and runs `virt-audit emit --policy required` for one record in it. */
  async function emitIn(testCase: Case) {
    let container = new GenericContainer(EMITTER_IMAGE)
      .withNetworkMode('none')
      .withCommand(['/bin/sleep', 'infinity'])
      .withBindMounts([
        { source: process.execPath, target: '/usr/local/bin/node', mode: 'ro' },
        { source: ROOT, target: '/virt-audit', mode: 'ro' },
      ]);
    if (testCase.capabilities.length > 0) container = container.withAddedCapabilities(...testCase.capabilities);
    if (testCase.securityOptions.length > 0) container = container.withSecurityOpt(...testCase.securityOptions);
    const running = await withTimeout(container.start(), 120_000, `start a container (${testCase.name})`);
    started.push(running);
    const command = [
      ...testCase.wrapper, '/usr/local/bin/node', '/virt-audit/dist/cli/virt-audit.js', 'emit', '--policy', 'required', '--timeout', '20000',
      '--type', 'VIRT_CONTROL', '--set', 'virt=kvm', '--set', 'op=start', '--set', 'reason=booted',
      '--set', `vm=container-${testCase.key}`, '--set', `uuid=${uuid}`, '--set', 'vm-pid=4242', '--set', 'res=success',
    ];
    return withTimeout(running.exec(command), 60_000, `emit in the container (${testCase.name})`);
  }

  it('default capabilities: the audit socket is refused, and the emitter says so', async (context) => {
    if (runtimeProblem) return context.skip(runtimeProblem);
    const result = await emitIn(CASES.defaults);
    expect(result.stderr).toMatch(/virt-audit emit: 1 records: 0 delivered, 1 send-failed\n$/);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/audit_open failed \(errno 22\).*seccomp/);
  });

  it('no CAP_AUDIT_WRITE: libaudit returns 0, reported as NotDelivered (EPERM)', async (context) => {
    if (runtimeProblem) return context.skip(runtimeProblem);
    const result = await emitIn(CASES.noAuditWrite);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/not-delivered — .*EPERM/);
    expect(result.stderr).toMatch(/virt-audit emit: 1 records: 0 delivered, 1 not-delivered\n$/);
  });

  it('a user namespace: libaudit returns 0, reported as NotDelivered (ECONNREFUSED)', async (context) => {
    if (runtimeProblem) return context.skip(runtimeProblem);
    const result = await emitIn(CASES.userNamespace);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/not-delivered — .*ECONNREFUSED/);
    expect(result.stderr).toMatch(/virt-audit emit: 1 records: 0 delivered, 1 not-delivered\n$/);
  });

  it('--cap-add AUDIT_WRITE: sent, but unconfirmed (the status needs CAP_AUDIT_CONTROL and the host PID namespace), exit 1', async (context) => {
    if (runtimeProblem) return context.skip(runtimeProblem);
    const result = await emitIn(CASES.auditWrite);
    expect(result.stderr).toMatch(/unconfirmed — .*EPERM/);
    expect(result.stderr).toMatch(/virt-audit emit: 1 records: 0 delivered, 1 unconfirmed\n$/);
    expect(result.exitCode).toBe(1);
  });

  it("afterwards the host auditd's log holds exactly the record sent with AUDIT_WRITE (unconfirmed is not lost), and it passes verify", async (context) => {
    if (runtimeProblem) return context.skip(runtimeProblem);
    await auditd!.stop();
    const lines = auditd!.log().split('\n').filter((line) => line.includes(uuid));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`vm="container-${CASES.auditWrite.key}"`);
    expect(lines[0]).toContain('exe="/usr/local/bin/node"');
    const result = await verify([{ kind: 'file', path: auditd!.logFile }]);
    expect(result.problems).toEqual([]);
    expect(result.summary.valid).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
