// auvirt --format json (through the built bin) carries each session's AVC denials and anomalies themselves —
// the fields the --all-events rows show, and the record that proves each — and `durationMs`/`running` that
// agree with the session's start and end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Session } from '../verifier/sessions.js';
import { EDGE_CASES, U1, avc, start } from './support/edge-logs.js';
import { RAW_CAPTURE } from './support/examples.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-json-entries-'));
let files = 0;

function auvirt(lines: readonly string[] | string, ...args: string[]): string {
  let file = lines as string;
  if (typeof lines !== 'string') writeFileSync((file = join(directory, `log-${files++}.log`)), `${lines.join('\n')}\n`);
  const result = spawnSync(process.execPath, [AUVIRT, '--file', file, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const edge = (prefix: string): string[] => Object.entries(EDGE_CASES).find(([name]) => name.startsWith(prefix))![1];
const document = (lines: readonly string[] | string) => JSON.parse(auvirt(lines, '--format', 'json')) as { sessions: Session[]; unmatched: { avcs: number; anomalies: number } };
const rows = (text: string, kind: string) => text.split('\n').filter((line) => line.startsWith(`${kind} `));

describe('auvirt --format json: the entries, not only their counts', () => {
  it('each AVC row of --all-events is an entry of its session, with its permissions, command, target and proof', () => {
    const log = [
      ...edge('e3'),
      start(30, 20, 'guest1', U1, 7101),
      ...avc(31, 21, 'avc:  denied  { write } for  pid=1201 comm="virtqemud" name="img.qcow2" scontext=system_u:system_r:virtqemud_t:s0 tcontext=system_u:object_r:svirt_image_t:s0:c1,c2 tclass=file permissive=0', 0),
    ];
    const { sessions } = document(log);
    const entries = sessions.flatMap((session) => session.avcs.map((entry) => ({ name: session.name, ...entry })));
    const text = rows(auvirt(log, '--all-events', '--proof'), 'avc');
    expect(entries).toHaveLength(text.length);
    expect(entries.length).toBeGreaterThan(0);
    const written = entries.find((entry) => entry.comm === 'virtqemud')!;
    expect(written).toMatchObject({ result: 'denied', permissions: ['write'], target: 'img.qcow2', matchedBy: 'tcontext-level' });
    expect(written.proof).toMatch(/^\d+\.\d{3}:21$/);
    expect(written.time).toBe(new Date(Number(written.proof.split(':')[0]) * 1000).toISOString());
  });

  it('each anomaly row is an entry of the session whose QEMU it was, with its type and pid', () => {
    const log = edge('e2');
    const { sessions } = document(log);
    const entries = sessions.flatMap((session) => session.anomalies.map((entry) => ({ name: session.name, ...entry })));
    const text = rows(auvirt(log, '--all-events'), 'anom');
    expect(entries.map((entry) => entry.name)).toEqual(text.map((row) => row.split(/\s+/)[1]));
    for (const entry of entries) expect(entry).toMatchObject({ type: expect.stringMatching(/^ANOM_/) as unknown, pid: expect.any(Number) as unknown, proof: expect.any(String) as unknown });
  });

  it('durationMs is end minus start, running is a successful start with no end, on the capture', () => {
    const { sessions } = document(RAW_CAPTURE);
    expect(sessions.length).toBeGreaterThan(3);
    for (const session of sessions) {
      expect(session.running, session.name).toBe(session.start !== null && session.start.success && session.end === null);
      expect(session.durationMs, session.name).toBe(session.start && session.end ? Date.parse(session.end.time) - Date.parse(session.start.time) : null);
    }
    expect(sessions.some((session) => session.running)).toBe(true);
    expect(sessions.some((session) => (session.durationMs ?? 0) > 0)).toBe(true);
  });
});
