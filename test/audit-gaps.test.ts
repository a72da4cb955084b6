// auditd's end is not the host's end (default mode, through the installed auvirt): a guest running while
// auditd stops, aborts or restarts stays running, its session marked with the audit gap; only its own
// stop or the host's shutdown or boot ends it. `--compat` keeps auvirt 3.0.9's reading.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { T0, U1, resrc, start, stop } from './support/edge-logs.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-gaps-'));
let files = 0;

function auvirt(lines: readonly string[], ...args: string[]): string {
  const file = join(directory, `log-${files++}.log`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const result = spawnSync(process.execPath, [AUVIRT, '--file', file, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const host = (type: string, minute: number, serial: number) =>
  `type=${type} msg=audit(${T0 + minute * 60}.000:${serial}): op=${type === 'DAEMON_START' ? 'start' : 'terminate'} auid=0 pid=1 subj=? res=success`;
const iso = (minute: number) => new Date((T0 + minute * 60) * 1000).toISOString();

interface JsonSession {
  readonly name: string;
  readonly end: { readonly how: string } | null;
  readonly running: boolean;
  readonly durationMs: number | null;
  readonly gaps: ReadonlyArray<{ readonly from: string; readonly to: string | null }>;
  readonly resources: ReadonlyArray<{ readonly kind: string; readonly end: string | null; readonly endedBy: string | null }>;
}

const sessions = (lines: readonly string[]) => (JSON.parse(auvirt(lines, '--format', 'json')) as { sessions: JsonSession[] }).sessions;
const rows = (text: string, kind: string) => text.split('\n').filter((line) => line.startsWith(`${kind} `));

describe('an audit gap while a guest runs', () => {
  const running = [start(0, 1, 'web', U1, 7001), resrc(1, 2, 'web', U1, 'disk reason=attach old-disk="?" new-disk="/srv/a.img"')];

  it('auditd restarted (DAEMON_END, DAEMON_START, no stop): the guest is still running, the gap closed', () => {
    const lines = [...running, host('DAEMON_END', 5, 3), host('DAEMON_START', 6, 4)];
    const [web] = sessions(lines);
    expect(web).toMatchObject({ end: null, running: true, durationMs: null, gaps: [{ from: iso(5), to: iso(6) }] });
    expect(web!.resources.find((resource) => resource.kind === 'disk')).toMatchObject({ end: null, endedBy: null });
    const text = auvirt(lines, '--all-events');
    expect(rows(text, 'start')[0]).toContain('10:00 - running (audit gap)');
    expect(rows(text, 'down')).toEqual([]);
  });

  it('auditd aborted, then the guest stops: one session, ended by its stop, with the gap', () => {
    const lines = [...running, host('DAEMON_ABORT', 5, 3), host('DAEMON_START', 7, 4), stop(10, 5, 'web', U1)];
    const [web, ...others] = sessions(lines);
    expect(others).toEqual([]);
    expect(web).toMatchObject({ end: { how: 'stopped' }, running: false, durationMs: 600_000, gaps: [{ from: iso(5), to: iso(7) }] });
    expect(web!.resources.find((resource) => resource.kind === 'disk')).toMatchObject({ end: iso(10), endedBy: 'stop' });
    expect(rows(auvirt(lines, '--all-events'), 'start')[0]).toContain('10:00 - 10:10  (00:10) (audit gap)');
  });

  it('the log ends inside the gap: the guest is shown running, the gap open', () => {
    const [web] = sessions([...running, host('DAEMON_END', 5, 3)]);
    expect(web).toMatchObject({ end: null, running: true, gaps: [{ from: iso(5), to: null }] });
  });

  it('the host reboots during the gap: the boot ends the session (down) and the gap', () => {
    const boot = `type=SYSTEM_BOOT msg=audit(${T0 + 8 * 60}.000:5): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=' comm="systemd-update-utmp" exe="/usr/lib/systemd/systemd-update-utmp" hostname=? addr=? terminal=? res=success'`;
    const lines = [...running, host('DAEMON_END', 5, 3), boot];
    const [web] = sessions(lines);
    expect(web).toMatchObject({ end: { how: 'down' }, running: false, gaps: [{ from: iso(5), to: iso(8) }] });
    const text = auvirt(lines, '--all-events');
    expect(rows(text, 'start')[0]).toContain('10:00 - 10:08  (00:08) down (audit gap)');
    expect(rows(text, 'down')).toHaveLength(1);
  });

  it('a guest started after auditd came back has no gap; one that stopped before auditd ended has none either', () => {
    const lines = [start(0, 1, 'db', U1.replace(/.$/, '9'), 7002), stop(2, 2, 'db', U1.replace(/.$/, '9')), host('DAEMON_END', 5, 3), host('DAEMON_START', 6, 4), start(7, 5, 'web', U1, 7001)];
    expect(sessions(lines).map((session) => [session.name, session.gaps.length])).toEqual([['db', 0], ['web', 0]]);
  });
});
