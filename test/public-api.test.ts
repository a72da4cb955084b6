// The library as a user meets it: a fresh strict TypeScript project with the package installed lists the
// sessions per guest of a log through the public API in under ten lines, type-checked by tsc --strict.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../verifier/sessions.js';
import { RAW_CAPTURE } from './support/examples.js';

const ROOT = join(import.meta.dirname, '..');

const CONSUMER = `import { readSessions } from 'virt-audit/sessions';
const byGuest = new Map<string, string[]>();
for await (const session of readSessions([process.argv[2]!])) {
  byGuest.set(session.name, [...(byGuest.get(session.name) ?? []), \`\${session.start?.reason ?? '?'}-\${session.end?.how ?? 'running'}\`]);
}
for (const [name, sessions] of byGuest) console.log(\`\${name}: \${sessions.join(', ')}\`);
`;

describe('the public API in a fresh strict TypeScript project', () => {
  it('lists the sessions per guest in under ten lines, type-checked', async () => {
    expect(CONSUMER.trim().split('\n').length).toBeLessThan(10);
    const project = mkdtempSync(join(tmpdir(), 'virt-audit-consumer-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'virt-audit'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: false, outDir: 'out', noUncheckedIndexedAccess: true },
      include: ['list.ts'],
    }));
    writeFileSync(join(project, 'list.ts'), CONSUMER);
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
    const printed = execFileSync(process.execPath, [join(project, 'out/list.js'), RAW_CAPTURE], { encoding: 'utf8' });
    const expected = new Map<string, string[]>();
    for await (const session of readSessions([RAW_CAPTURE])) expected.set(session.name, [...(expected.get(session.name) ?? []), `${session.start?.reason ?? '?'}-${session.end?.how ?? 'running'}`]);
    expect(printed).toBe([...expected].map(([name, sessions]) => `${name}: ${sessions.join(', ')}\n`).join(''));
    expect(printed).toContain('vacap-running: booted-running');
    expect(printed).toContain('vacap-broken: booted-failed-start');
  }, 120_000);
});
