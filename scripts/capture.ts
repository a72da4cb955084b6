// npm run capture: refreshes the real libvirt capture in examples/ — a RAW pass and an ENRICHED pass of
// the lab scenario (scripts/lab), the journal of each, and the real auvirt / ausearch / aureport outputs
// on both logs. Needs root, a kernel with audit, Debian's auditd, libvirt and QEMU, and no other auditd
// or libvirtd running (the lab starts its own and stops them by pid).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { capturePass, projectRoot } from './lab/capture-pass.js';
import { labUnavailable } from './lab/host-lab.js';
import { realToolOutputs } from './lab/real-tools.js';

function version(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '?';
}

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const out = positionals[0] ?? join(projectRoot(), 'examples');
  const say = (message: string) => process.stderr.write(`capture: ${message}\n`);
  const unavailable = labUnavailable();
  if (unavailable) {
    say(`cannot capture here: ${unavailable}`);
    process.exit(2);
  }
  const outputs = join(out, 'outputs');
  rmSync(join(out, 'domains'), { recursive: true, force: true });
  mkdirSync(outputs, { recursive: true });
  for (const format of ['RAW', 'ENRICHED'] as const) {
    const pass = await capturePass(format, out, say);
    chmodSync(pass.log, 0o644);
    realToolOutputs(pass.log, outputs);
  }
  writeFileSync(join(outputs, 'CAPTURE-INFO.txt'), [
    `# Produced by npm run capture (scripts/capture.ts) on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `libvirt: ${version('libvirtd', ['--version'])}`,
    `qemu: ${version('qemu-system-x86_64', ['--version'])}`,
    `auditd: ${version('dpkg-query', ['-W', '-f', '${Version}', 'auditd'])}`,
    `kernel: ${version('uname', ['-r'])}`,
    'tools run with TZ=UTC LANG=C.UTF-8', '',
  ].join('\n'));
  say(`done: ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`capture: error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
