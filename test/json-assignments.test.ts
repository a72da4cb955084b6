// auvirt --format json: a hot-plugged device is one assignment with its start and end, not an attach entry
// and a detach entry; a detach whose attach is not in the log, or that failed, is still shown.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RAW_CAPTURE, captureLines } from './support/examples.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-json-assignments-'));
const BASIC = 'uuid=7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01';
const raw = captureLines(RAW_CAPTURE);

interface Resource { kind: string; reason: string; value: string; success: boolean; start: string; end: string | null; endedBy: string | null }
function disks(lines: readonly string[]): Resource[] {
  const file = join(directory, `log-${lines.length}-${Math.random()}.log`);
  writeFileSync(file, Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
  const result = spawnSync(process.execPath, [AUVIRT, '--format', 'json', '--file', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(result.status, result.stderr).toBe(0);
  const sessions = (JSON.parse(result.stdout) as { sessions: Array<{ uuid: string; resources: Resource[] }> }).sessions;
  return sessions.filter((session) => BASIC.endsWith(session.uuid)).flatMap((session) => session.resources.filter((resource) => resource.kind === 'disk'));
}

describe('JSON assignments', () => {
  it('the real capture\'s hot-plugged disk is one assignment, attached then detached', () => {
    const hotPlug = disks(raw).filter((resource) => resource.value.endsWith('hot plug.qcow2'));
    expect(hotPlug).toHaveLength(1);
    expect(hotPlug[0]).toMatchObject({ reason: 'attach', success: true, endedBy: 'detach' });
    expect(hotPlug[0]!.end! > hotPlug[0]!.start).toBe(true);
  });

  it('a detach whose attach the log does not hold is shown', () => {
    const attach = raw.findIndex((line) => line.includes(BASIC) && line.includes('reason=attach'));
    const hotPlug = disks(raw.filter((_line, index) => index !== attach)).filter((resource) => resource.value.endsWith('hot plug.qcow2'));
    expect(hotPlug.map((resource) => resource.reason)).toEqual(['detach']);
  });

  it('a failed detach is shown beside the assignment it did not end', () => {
    const detach = raw.findIndex((line) => line.includes(BASIC) && line.includes('reason=detach'));
    const lines = raw.map((line, index) => (index === detach ? line.replace('res=success', 'res=failed') : line));
    const hotPlug = disks(lines).filter((resource) => resource.value.endsWith('hot plug.qcow2'));
    expect(hotPlug.map((resource) => [resource.reason, resource.success, resource.endedBy])).toEqual([['attach', true, 'stop'], ['detach', false, 'detach']]);
  });
});
