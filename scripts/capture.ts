// npm run capture: refreshes a real libvirt capture in examples/ — a RAW pass and an ENRICHED pass of
// the lab scenario (scripts/lab), the journal of each, and the real auvirt / ausearch / aureport outputs
// on both logs. Needs root, a kernel with audit, Debian's auditd, libvirt and QEMU, and no other auditd
// or libvirtd running (the lab starts its own and stops them by pid).
//
//   npm run capture [-- [--libvirt 9.0|11.3|12.9] [--matrix [--only REGEX]] [OUTDIR]]
//   npm run capture -- --migration --libvirt 11.3|12.9 [OUTDIR]
//
// --libvirt 11.3 / 12.9 runs libvirt from a Debian 13 chroot (scripts/libvirt-chroot.sh; built on first
// use), writing into the same private auditd; default OUTDIR examples/libvirt-VERSION. --matrix runs the
// capture matrix (scripts/lab/matrix.ts) instead, one RAW pass, into examples/matrix/libvirt-VERSION;
// --only runs the matrix guests whose role matches REGEX (a trial: give a scratch OUTDIR). --migration
// migrates a guest live from the host's 9.0 to that chroot's libvirt, both running at once, into
// examples/migration/libvirt-9.0-to-VERSION.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { capturePass, migrationPass, projectRoot } from './lab/capture-pass.js';
import { HOST_LIBVIRT_VERSION, LAB_LIBVIRT_VERSIONS, buildLibvirtChroot, labUnavailable, libvirtRoot, type LabLibvirtVersion } from './lab/host-lab.js';
import { realToolOutputs } from './lab/real-tools.js';

function version(command: string, args: readonly string[], root: string): string {
  const result = root === ''
    ? spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 })
    : spawnSync('chroot', [root, command, ...args], { encoding: 'utf8', timeout: 30_000 });
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '?';
}

function defaultOut(libvirt: LabLibvirtVersion, matrix: boolean): string {
  const examples = join(projectRoot(), 'examples');
  if (matrix) return join(examples, 'matrix', `libvirt-${libvirt}`);
  return libvirt === HOST_LIBVIRT_VERSION ? examples : join(examples, `libvirt-${libvirt}`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { libvirt: { type: 'string' }, matrix: { type: 'boolean' }, only: { type: 'string' }, migration: { type: 'boolean' } } });
  const say = (message: string) => process.stderr.write(`capture: ${message}\n`);
  const libvirt = (values.libvirt ?? HOST_LIBVIRT_VERSION) as LabLibvirtVersion;
  if (!LAB_LIBVIRT_VERSIONS.includes(libvirt)) {
    say(`--libvirt ${values.libvirt}: one of ${LAB_LIBVIRT_VERSIONS.join(', ')}`);
    process.exit(2);
  }
  if (values.migration === true) {
    if (libvirt === HOST_LIBVIRT_VERSION || values.matrix === true) {
      say(`--migration needs --libvirt ${LAB_LIBVIRT_VERSIONS.filter((version) => version !== HOST_LIBVIRT_VERSION).join(' or ')} (the destination) and no --matrix`);
      process.exit(2);
    }
    const out = positionals[0] ?? join(projectRoot(), 'examples', 'migration', `libvirt-${HOST_LIBVIRT_VERSION}-to-${libvirt}`);
    if (libvirtRoot(libvirt) === null) buildLibvirtChroot(libvirt, say);
    const unavailable = labUnavailable(HOST_LIBVIRT_VERSION) ?? labUnavailable(libvirt);
    if (unavailable) {
      say(`cannot capture here: ${unavailable}`);
      process.exit(2);
    }
    mkdirSync(out, { recursive: true });
    chmodSync(await migrationPass(out, say, libvirt), 0o644);
    writeFileSync(join(out, 'CAPTURE-INFO.txt'), [
      `# Produced by npm run capture (scripts/capture.ts --migration --libvirt ${libvirt}) on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
      `source libvirt: ${version('/usr/sbin/libvirtd', ['--version'], '')}, qemu: ${version('/usr/bin/qemu-system-x86_64', ['--version'], '')}`,
      `destination libvirt: ${version('/usr/sbin/libvirtd', ['--version'], libvirtRoot(libvirt)!)} (Debian 13 chroot ${libvirtRoot(libvirt)}), qemu: ${version('/usr/bin/qemu-system-x86_64', ['--version'], libvirtRoot(libvirt)!)}`,
      `auditd: ${version('dpkg-query', ['-W', '-f', '${Version}', 'auditd'], '')}`,
      `kernel: ${version('uname', ['-r'], '')}`, '',
    ].join('\n'));
    say(`done: ${out}`);
    return;
  }
  const matrix = values.matrix === true;
  if (values.only !== undefined && (!matrix || positionals[0] === undefined)) {
    say('--only runs part of the matrix: give --matrix and a scratch OUTDIR (the stored matrix is whole)');
    process.exit(2);
  }
  const out = positionals[0] ?? defaultOut(libvirt, matrix);
  if (libvirtRoot(libvirt) === null) buildLibvirtChroot(libvirt, say);
  const unavailable = labUnavailable(libvirt);
  if (unavailable) {
    say(`cannot capture here: ${unavailable}`);
    process.exit(2);
  }
  const root = libvirtRoot(libvirt)!;
  const outputs = join(out, 'outputs');
  rmSync(join(out, 'domains'), { recursive: true, force: true });
  mkdirSync(matrix ? out : outputs, { recursive: true });
  const formats = matrix ? (['RAW'] as const) : (['RAW', 'ENRICHED'] as const);
  for (const format of formats) {
    const pass = await capturePass(format, out, say, { libvirt, scenario: matrix ? 'matrix' : 'lab', ...(matrix ? { stem: 'matrix' } : {}), ...(values.only !== undefined ? { only: new RegExp(values.only) } : {}) });
    chmodSync(pass.log, 0o644);
    if (!matrix) realToolOutputs(pass.log, outputs);
  }
  writeFileSync(join(out, matrix ? 'CAPTURE-INFO.txt' : join('outputs', 'CAPTURE-INFO.txt')), [
    `# Produced by npm run capture (scripts/capture.ts${libvirt === HOST_LIBVIRT_VERSION ? '' : ` --libvirt ${libvirt}`}${matrix ? ' --matrix' : ''}) on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `libvirt: ${version('/usr/sbin/libvirtd', ['--version'], root)}${root === '' ? '' : ` (Debian 13 chroot ${root})`}`,
    `qemu: ${version('/usr/bin/qemu-system-x86_64', ['--version'], root)}`,
    `auditd: ${version('dpkg-query', ['-W', '-f', '${Version}', 'auditd'], '')}`,
    `kernel: ${version('uname', ['-r'], '')}`,
    'tools run with TZ=UTC LANG=C.UTF-8', '',
  ].join('\n'));
  say(`done: ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`capture: error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
