// The live sources against the real kernel and a real, private auditd 3.0.9 (run under the host lock: it
// registers an audit daemon). The plugin source runs as auditd's plugin (format = string) through the
// built live-echo script, the netlink source in this process; both must give, for the same records, the
// very lines auditd logged. Then auditd stops and the netlink source still reads. Skipped, with the
// reason printed, where that cannot run (not root, no auditd, another auditd registered).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emitter, LibauditSink, type EmitInput } from '../../emitter/index.js';
import { PrivateAuditd, auditStatus, auditdUnavailable } from '../../scripts/private-auditd.js';
import { NetlinkLineSource, openNetlinkSource } from '../../verifier/live/netlink-source.js';
import { SAMPLES } from '../support/samples.js';

const ECHO = fileURLToPath(new URL('../../dist/scripts/live-echo.js', import.meta.url));
const unavailable = auditdUnavailable() ?? (existsSync(ECHO) ? null : `${ECHO} is not built (npm test builds it)`);
if (unavailable) console.warn(`[skip] live source system tests: ${unavailable}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !test(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const linesWith = (text: string, ...markers: string[]): string[] => text.split('\n').filter((line) => markers.some((marker) => line.includes(marker)));

describe.skipIf(unavailable !== null)('live sources beside a private auditd 3.0.9', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-live-'));
  const pluginOut = join(directory, 'plugin-out.log');
  const marker = randomUUID();
  const quietMarker = randomUUID();
  let auditd: PrivateAuditd | undefined;
  let netlink: NetlinkLineSource;
  const netlinkLines: string[] = [];
  let reading: Promise<void>;
  let enabledBefore: number;

  beforeAll(async () => {
    enabledBefore = auditStatus().enabled;
    // The plugin exactly as an administrator would install it: root-owned binary, two args, format = string.
    mkdirSync(join(directory, 'plugins.d'));
    const node = realpathSync(process.execPath);
    writeFileSync(join(directory, 'plugins.d', 'virt-audit-live.conf'), ['active = yes', 'direction = out', `path = ${node}`, 'type = always', `args = ${ECHO} ${pluginOut}`, 'format = string', ''].join('\n'));
    chmodSync(join(directory, 'plugins.d', 'virt-audit-live.conf'), 0o640);
    netlink = await openNetlinkSource();
    reading = (async () => {
      for await (const line of netlink) netlinkLines.push(line.text);
    })();
    auditd = await PrivateAuditd.start('RAW', { plugin_dir: join(directory, 'plugins.d') });
  }, 60_000);

  afterAll(async () => {
    await auditd?.stop();
    await netlink?.close();
    await reading;
    execFileSync('auditctl', ['-e', String(enabledBefore)], { stdio: 'ignore' });
  }, 60_000);

  const uuid = randomUUID();
  const sent = Object.values(SAMPLES).map((sample) => ({ ...sample, uuid, vm: `live ${marker} ü` })) as EmitInput[];

  it('the plugin, the netlink source and auditd\'s log hold the same lines for VIRT records and user messages', async () => {
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    for (const record of sent) await emitter.emit(record);
    await emitter.close();
    for (let index = 0; index < 5; index++) execFileSync('auditctl', ['-m', `virt-audit live ${marker} message ${index} with 'quotes' and spaces  `]);
    const expected = sent.length + 5;
    // The VIRT records name the guest in hex (a space and ü in vm=): they are found by their uuid.
    const ours = (text: string): string[] => linesWith(text, marker, uuid);
    await until('auditd to log every record', () => ours(auditd!.log()).length === expected);
    await until('the plugin to write every record', () => existsSync(pluginOut) && ours(readFileSync(pluginOut, 'latin1')).length === expected);
    await until('the netlink source to read every record', () => ours(netlinkLines.join('\n')).length === expected);

    const logged = ours(auditd!.log());
    expect(logged.filter((line) => line.startsWith('type=VIRT_'))).toHaveLength(sent.length);
    expect(ours(readFileSync(pluginOut, 'latin1'))).toEqual(logged);
    expect(ours(netlinkLines.join('\n'))).toEqual(logged);
  });

  it('the plugin wrote every line auditd logged while it ran (its own records and the kernel\'s), none missing', async () => {
    const pluginLines = readFileSync(pluginOut, 'latin1').split('\n').filter((line) => line !== '');
    const logged = auditd!.log().split('\n').filter((line) => line !== '');
    // From the first line the plugin got to the last: auditd's log in the same order, nothing left out.
    const first = logged.indexOf(pluginLines[0]!);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(pluginLines).toEqual(logged.slice(first, first + pluginLines.length));
    expect(first).toBeLessThanOrEqual(1); // at most DAEMON_START, logged before the dispatcher started its plugin
  });

  it('a netlink source whose consumer does not read keeps its queue and counts every other record as dropped', async () => {
    const floodMarker = randomUUID();
    const notices: string[] = [];
    const stalled = await openNetlinkSource({ maxQueuedLines: 5, onDrop: (notice) => notices.push(`${notice.state} ${notice.reason}`) });
    try {
      for (let index = 0; index < 50; index++) execFileSync('auditctl', ['-m', `virt-audit live ${floodMarker} flood ${index}`]);
      await until('the flood to reach the stalled source', () => stalled.dropped >= 45);
      await sleep(200);
      const logged = stalled.recordsReceived - stalled.recordsSkipped;
      const iterator = stalled[Symbol.asyncIterator]();
      const queued: string[] = [];
      for (let index = 0; index < 5; index++) queued.push((await iterator.next()).value!.text);
      expect(queued.length + stalled.dropped).toBe(logged);
      expect(notices[0]).toBe('dropping queue-full');
      expect(stalled.overruns).toBe(0);
    } finally {
      await stalled.close();
    }
  });

  it('the netlink source goes on reading when no audit daemon runs at all', async () => {
    await auditd!.stop();
    auditd = undefined;
    expect(auditStatus().pid).toBe(0);
    execFileSync('auditctl', ['-e', '1'], { stdio: 'ignore' });
    try {
      for (let index = 0; index < 3; index++) execFileSync('auditctl', ['-m', `virt-audit live ${quietMarker} no daemon ${index}`]);
      await until('the netlink source to read the records sent with no daemon', () => netlinkLines.filter((line) => line.includes(quietMarker)).length === 3);
      const lines = netlinkLines.filter((line) => line.includes(quietMarker));
      lines.forEach((line, index) => expect(line).toMatch(new RegExp(`^type=USER msg=audit\\(\\d+\\.\\d{3}:\\d+\\): pid=${'\\d+'} .*msg='text=virt-audit live ${quietMarker} no daemon ${index} exe=`)));
      expect(netlink.dropped).toBe(0);
    } finally {
      execFileSync('auditctl', ['-e', String(enabledBefore)], { stdio: 'ignore' });
    }
  });
});

describe.skipIf(process.getuid?.() !== 0 || !existsSync(ECHO))('the netlink source without CAP_AUDIT_READ', () => {
  it('fails with a clear error naming the capability (exit 4), reading nothing', async () => {
    const child = spawn('setpriv', ['--inh-caps=-audit_read', '--bounding-set=-audit_read', process.execPath, ECHO, '--source', 'netlink'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toMatch(/needs CAP_AUDIT_READ \(bind: errno 1, EPERM\)/);
    expect(code).toBe(4);
  });
});
