// man/virt-audit.1 and man/auvirt.8 are what `npm run gen:man` makes from the commands' own option tables
// (stale pages fail here), render without a groff warning, and name every option --help names.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auvirtMan, virtAuditMan } from '../scripts/gen-man.js';

const MAN = join(import.meta.dirname, '../man');

describe('man pages', () => {
  it('are the generated ones (run npm run gen:man after changing an option)', async () => {
    expect(readFileSync(join(MAN, 'virt-audit.1'), 'utf8') === (await virtAuditMan()), 'man/virt-audit.1 is stale').toBe(true);
    expect(readFileSync(join(MAN, 'auvirt.8'), 'utf8') === auvirtMan(), 'man/auvirt.8 is stale').toBe(true);
  });

  it.runIf(existsSync('/usr/bin/groff'))('render without a groff warning', () => {
    for (const page of ['virt-audit.1', 'auvirt.8']) {
      const result = spawnSync('groff', ['-man', '-ww', '-z', join(MAN, page)], { encoding: 'utf8' });
      expect([result.status, result.stderr], page).toEqual([0, '']);
    }
  });

  it('name every option of every command', () => {
    const page = readFileSync(join(MAN, 'virt-audit.1'), 'utf8').replaceAll('\\-', '-');
    for (const command of ['verify', 'emit', 'lifecycle', 'search', 'aureport', 'conform']) {
      const help = spawnSync(process.execPath, [join(import.meta.dirname, '../dist/cli/virt-audit.js'), command, '--help'], { encoding: 'utf8' }).stdout;
      for (const option of help.match(/--[a-z][a-z-]+/g) ?? []) expect(page, `${command} ${option}`).toContain(option);
    }
    const auvirt = readFileSync(join(MAN, 'auvirt.8'), 'utf8').replaceAll('\\-', '-');
    for (const option of ['--all-events', '--summary', '--file', '--stdin', '--start', '--end', '--uuid', '--vm', '--show-uuid', '--proof', '--debug', '--compat', '--format', '--version']) expect(auvirt).toContain(option);
  });
});
