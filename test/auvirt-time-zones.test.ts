// auvirt prints local times (ctime). Our rows cache the text of each minute; in zones with half- and
// quarter-hour offsets and across DST changes the bytes must still be the real auvirt's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderScenario, scenario } from './support/lifecycle-log.js';

const REAL_AUVIRT = '/usr/bin/auvirt';
const OURS = join(import.meta.dirname, '..', 'dist', 'cli', 'auvirt.js');
const VIRT_AUDIT = join(import.meta.dirname, '..', 'dist', 'cli', 'virt-audit.js');
const ZONES = ['America/New_York', 'Asia/Kolkata', 'America/St_Johns', 'Asia/Kathmandu', 'Australia/Lord_Howe'];

describe.skipIf(!existsSync(REAL_AUVIRT) || !existsSync('/usr/sbin/aureport'))('auvirt --compat and aureport in other time zones, against the real tools', () => {
  it('print the same local times as the real auvirt and aureport', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-zones-'));
    const logs = fc.sample(scenario, { numRuns: 12, seed: 20261122 });
    for (const [index, generated] of logs.entries()) {
      const file = join(directory, `${index}.log`);
      writeFileSync(file, await renderScenario(generated), 'latin1');
      for (const zone of ZONES) {
        const env = { ...process.env, TZ: zone, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
        const args = ['--all-events', '--file', file];
        const real = spawnSync(REAL_AUVIRT, args, { env, timeout: 60_000 });
        const ours = spawnSync(process.execPath, [OURS, '--compat', ...args], { env, timeout: 60_000 });
        expect(ours.status, `${zone} ${file}`).toBe(real.status);
        expect(ours.stdout.toString('latin1'), `${zone} ${file}`).toBe(real.stdout.toString('latin1'));
        const realReport = spawnSync('/usr/sbin/aureport', ['--input', file, '--virt'], { env, timeout: 60_000 });
        const ourReport = spawnSync(process.execPath, [VIRT_AUDIT, 'aureport', file], { env, timeout: 60_000 });
        expect(ourReport.stdout.toString('latin1'), `aureport ${zone} ${file}`).toBe(realReport.stdout.toString('latin1'));
      }
    }
  }, 120_000);
});
