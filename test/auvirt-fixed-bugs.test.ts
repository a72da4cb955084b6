// auvirt's known bugs (auvirt-behaviour.md §3), each fixed in the default (non --compat) mode: one test per bug.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, formatReportSummary, reportJson, type ReportFilter } from '../verifier/correlator/report-default.js';
import { correlateSessions } from '../verifier/correlator/run-sessions.js';
import { EDGE_CASES, T0, U1, avc, resrc, start, stop } from './support/edge-logs.js';

process.env.TZ = 'UTC';
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-fixed-'));
let files = 0;

function write(lines: readonly string[]): string {
  const file = join(directory, `log-${files++}.log`);
  writeFileSync(file, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  return file;
}

async function fixed(lines: readonly string[], options: { allEvents?: boolean; proof?: boolean; filter?: ReportFilter } = {}): Promise<string> {
  const correlator = await correlateSessions([{ kind: 'file', path: write(lines) }]);
  const text = formatReport(correlator, { allEvents: options.allEvents ?? true, showUuid: false, proof: options.proof ?? false }, options.filter ?? {});
  return Buffer.from(text, 'latin1').toString('utf8');
}

const realAuvirt = (lines: readonly string[], args: readonly string[] = ['--all-events']): string | null =>
  existsSync('/usr/bin/auvirt') ? spawnSync('/usr/bin/auvirt', ['--file', write(lines), ...args], { env: { ...process.env, TZ: 'UTC' } }).stdout.toString('utf8') : null;

const edge = (prefix: string): string[] => Object.entries(EDGE_CASES).find(([name]) => name.startsWith(prefix))![1];
const rows = (text: string, kind: string): string[] => text.split('\n').filter((line) => line.startsWith(`${kind} `));

describe('auvirt bugs fixed in the default mode', () => {
  it('§3.1 duration column truncated: the full duration, days included, and the end date', async () => {
    const lines = [start(0, 1, 'long', U1, 7001), stop(60 * 26 + 35, 2, 'long', U1)];
    expect(realAuvirt(lines, [])).toContain('(1+02:\n');
    expect(await fixed(lines, { allEvents: false })).toContain('Sun Mar 10 10:00 - Mar 11 12:35  (1+02:35)');
  });

  it('§3.2 anomaly correlation looks only at the list tail: every crash of a running guest is attributed', async () => {
    expect(rows(realAuvirt(edge('e2')) ?? 'anom \n', 'anom').length).toBeLessThan(3);
    const anomalies = rows(await fixed(edge('e2')), 'anom');
    expect(anomalies.map((row) => row.split(/\s+/)[1])).toEqual(['guest1', 'guest2', 'guest2']);
  });

  it('§3.3 no host-shutdown handling: SYSTEM_SHUTDOWN closes the node’s running sessions as down', async () => {
    const lines = [start(0, 1, 'web', U1, 7001), `type=SYSTEM_SHUTDOWN msg=audit(${T0 + 600}.000:2): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='comm="systemd-update-utmp" exe="/usr/lib/systemd/systemd-update-utmp" hostname=? addr=? terminal=? res=success'`];
    const text = await fixed(lines);
    expect(rows(text, 'start')[0]).toContain('10:00 - 10:10  (00:10) down');
    expect(rows(text, 'down')).toHaveLength(1);
  });

  it('§3.4 orphan stops dropped: a stop whose start is not in the log is shown, with its resources', async () => {
    const text = await fixed(edge('e9'));
    expect(rows(text, 'stop')[0]).toContain('(started before the log)');
    expect(rows(text, 'resrc')[0]).toContain('/srv/mid.img');
  });

  it('§3.5 failed stop and double start: a failed stop is shown and the guest keeps running; a second start ends the first', async () => {
    const text = await fixed(edge('e4'));
    const starts = rows(text, 'start');
    expect(starts[0]).toContain('10:00 - 10:06  (00:06) restarted');
    expect(rows(text, 'stop')[0]).toContain('10:05 - failed');
    expect(starts.at(-2)).toContain('10:12 - 10:13  (00:01) restarted');
    expect(starts.at(-1)).toContain('10:13 - 10:14  (00:01)');
  });

  it('§3.6 multi-host logs: sessions are paired per node, so a migration is two sessions', async () => {
    const correlator = await correlateSessions([{ kind: 'file', path: write(edge('e5')) }]);
    expect(correlator.sessions.map((session) => [session.node, session.end?.how, session.stops.map((stop) => stop.reason)])).toEqual([
      ['hostA', 'stopped', ['migrated']],
      ['hostB', 'stopped', ['destroyed']],
    ]);
  });

  it('§3.7 field-order dependence: records with fields in another order are still read', async () => {
    const correlator = await correlateSessions([{ kind: 'file', path: write(edge('e10')) }]);
    expect(correlator.rows.filter((row) => row.kind === 'resrc').map((row) => row.kind === 'resrc' && row.resource.value)).toEqual(['/srv/order.img', '/srv/order2.img']);
    // uuid before vm, the usual order, and one without res= (kept; its outcome unknown, so not a success).
    expect(correlator.rows.filter((row) => row.kind === 'start').map((row) => row.kind === 'start' && row.session.start?.success)).toEqual([true, true, false]);
  });

  it('§3.8 unquoted MAC addresses decoded as hex: old libvirt MACs read right', async () => {
    const text = await fixed(edge('e1'));
    expect(text).toContain('\t52:54:00:12:34:56\n');
    expect(text).toContain('\tfe:54:00:12:34:57\n');
  });

  it('§3.9 AVCs: kept without a SYSCALL record, not tied to a guest that has stopped, tied by tcontext for host processes', async () => {
    const text = await fixed([
      ...edge('e3'),
      start(30, 20, 'guest1', U1, 7101),
      ...avc(31, 21, `avc:  denied  { write } for  pid=1201 comm="virtqemud" name="img.qcow2" scontext=system_u:system_r:virtqemud_t:s0 tcontext=system_u:object_r:svirt_image_t:s0:c1,c2 tclass=file permissive=0`, 0),
    ]);
    const avcs = rows(text, 'avc').join('\n');
    expect(avcs).toContain('nosyscall');
    expect(avcs).not.toContain('afterstop');
    expect(avcs).toContain('virtqemud');
  });

  it('§3.10 AppArmor AVCs double-counted: each counted once', async () => {
    expect(rows(realAuvirt(edge('e6')) ?? '', 'avc').length).toBe(4);
    expect(rows(await fixed(edge('e6')), 'avc')).toHaveLength(3);
  });

  it('§3.11 unknown resource types ignored: every kind is listed', async () => {
    const text = await fixed(edge('e8'));
    expect(text).toContain('\tnet-open    \topen      \t/dev/net/tun');
    expect(text).toContain('\tdev         \tattach    \tusb USB redirdev');
  });

  it('§3.12 update_resource re-closes closed resources: a resource ends once', async () => {
    const text = await fixed(edge('e8'));
    expect(rows(text, 'resrc').find((row) => row.includes('\tmem ') && row.includes('\tstart'))).toContain('10:00 - 10:05  (00:05)');
  });

  it('§3.13 proof ids are serials only: ours carry node and time', async () => {
    const text = await fixed(edge('e5'), { proof: true });
    expect(text).toContain(`Proof:hostA:${T0}.000:1`);
    expect(text).toContain(`Proof:hostB:${T0 + 3600}.000:1`);
  });

  it('§3.14 --uuid is case-sensitive: an upper-case UUID finds the guest', async () => {
    const text = await fixed(edge('e9'), { filter: { uuid: U1.toUpperCase() } });
    expect(rows(text, 'stop')).toHaveLength(1);
  });

  it('§2.3 filtering before correlation: a session that starts before --start and ends inside it is shown', async () => {
    const lines = [start(0, 1, 'early', U1, 7001), resrc(1, 2, 'early', U1, 'disk reason=attach old-disk="?" new-disk="/srv/x.img"'), stop(120, 3, 'early', U1)];
    expect(realAuvirt(lines, ['--start', '03/10/24', '11:00'])).toBe('');
    expect(await fixed(lines, { allEvents: false, filter: { start: T0 + 3600 } })).toContain('10:00 - 12:00  (02:00)');
  });

  it('summary and JSON forms carry the same sessions', async () => {
    const path = write(edge('e4'));
    const correlator = await correlateSessions([{ kind: 'file', path }]);
    expect(formatReportSummary(correlator, {})).toContain('Number of guest starts:         4');
    const json = JSON.parse(reportJson(correlator.sessions, {}, correlator.unmatched)) as { sessions: Array<{ name: string; end: { how: string } | null; resources: unknown[] }> };
    expect(json.sessions.map((session) => [session.name, session.end?.how])).toEqual([
      ['guest1', 'restarted'], ['guest1', 'stopped'], ['a-guest-name-much-longer-than-twenty-two-bytes', 'restarted'], ['a-guest-name-much-longer-than-twenty-two-bytes', 'stopped'],
    ]);
  });

  it('user of ENRICHED records is the logged name, as in auvirt', async () => {
    expect(rows(await fixed(edge('e7')), 'start')[0]).toContain('\tqemu       \t');
  });
});

describe('the default report without every assignment detail', () => {
  it('is the same text, in every mode, on every edge-case log and the real captures', async () => {
    const paths = [...Object.values(EDGE_CASES).map((lines) => write(lines)), 'examples/libvirt-capture.raw.log', 'examples/libvirt-capture.enriched.log'];
    for (const path of paths) {
      const all = await correlateSessions([{ kind: 'file', path }]);
      const shown = await correlateSessions([{ kind: 'file', path }], { allDetails: false });
      for (const flags of [{ allEvents: true, showUuid: true, proof: true }, { allEvents: false, showUuid: false, proof: false }]) {
        expect(formatReport(shown, flags, {}), path).toBe(formatReport(all, flags, {}));
      }
      expect(formatReportSummary(shown, {}), path).toBe(formatReportSummary(all, {}));
      expect(shown.rows.filter((row) => row.kind === 'resrc' && row.resource.kind === 'cgroup').length, path).toBe(all.rows.filter((row) => row.kind === 'resrc' && row.resource.kind === 'cgroup').length);
    }
    const capture = await correlateSessions([{ kind: 'file', path: 'examples/libvirt-capture.raw.log' }]);
    expect(capture.rows.some((row) => row.kind === 'resrc' && row.resource.kind === 'cgroup'), 'the capture has cgroup rules').toBe(true);
  });
});

describe('the default report keeps names as they are', () => {
  it('a long name beyond Latin-1 comes out as UTF-8 in the text report and unchanged in JSON', async () => {
    const name = '日本語のとても長いゲスト名前です';
    const path = write([start(0, 1, name, U1, 4242), resrc(1, 2, name, U1, 'disk reason=attach old-disk="?" new-disk=/srv/ゲストのディスク画像.img'), stop(5, 3, name, U1)]);
    const correlator = await correlateSessions([{ kind: 'file', path }]);
    const text = Buffer.from(formatReport(correlator, { allEvents: true, showUuid: false, proof: false }, {}), 'latin1').toString('utf8');
    // auvirt's name column is 22 bytes: the name is cut there, on a byte boundary as printf cuts it.
    expect(text).toContain(Buffer.from(name, 'utf8').subarray(0, 22).toString('utf8').replace(/\uFFFD$/, ''));
    expect(text).toContain('/srv/ゲストのディスク画像.img');
    const json = JSON.parse(reportJson(correlator.sessions, {}, correlator.unmatched)) as { sessions: Array<{ name: string; resources: Array<{ value: string }> }> };
    expect(json.sessions.map((session) => session.name)).toEqual([name]);
    expect(json.sessions[0]!.resources.map((resource) => resource.value)).toEqual(['/srv/ゲストのディスク画像.img']);
  });
});
