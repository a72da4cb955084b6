// README's first command ends in `npm start`: on the bundled captures it must pass, with no warning left
// unexplained (each capture is verified on its own: together they would read as one stream with a gap).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('npm start', () => {
  it('verifies the bundled captures with no violation and no warning, then prints the report', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const result = spawnSync('sh', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 24 });
    expect(result.status, result.stderr).toBe(0);
    const warnings = [...result.stdout.matchAll(/^warnings: (.*)$/gm)].map((match) => match[1]);
    expect(warnings).toEqual(['0', '0']);
    expect(result.stdout).toMatch(/^start\s+vacap-basic/m);
  }, 120_000);
});
