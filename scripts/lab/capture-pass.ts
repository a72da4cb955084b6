// One capture pass: a fresh lab (auditd in the given format, virtlogd, libvirtd — the host's or a
// chroot's), the scenario or the capture matrix, auditd stopped with a guest still running, everything
// else stopped by pid. Leaves the audit log and the journal in `outDirectory`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostLab, HOST_LIBVIRT_VERSION, type LabLibvirtVersion } from './host-lab.js';
import { runMatrix } from './matrix.js';
import { projectRoot } from './project-root.js';
import type { Journal } from './journal.js';
import { runScenario, type BootableGuest } from './scenario.js';

export interface CapturedPass {
  readonly log: string;
  readonly journalFile: string;
  readonly journal: Journal;
}

export { projectRoot };

/** The guest kernel and initramfs, built once into a cache directory (scripts/build-test-guest.sh). */
export function bootableGuest(): BootableGuest {
  const script = join(projectRoot(), 'scripts', 'build-test-guest.sh');
  const version = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 12);
  const cache = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'virt-audit', `test-guest-${version}`);
  const result = spawnSync('bash', [script, cache], { encoding: 'utf8', timeout: 900_000 });
  if (result.status !== 0) throw new Error(`building the test guest failed: ${result.stderr || result.error?.message}`);
  return { kernel: join(cache, 'vmlinuz'), initrd: join(cache, 'initrd.gz') };
}

export interface PassOptions {
  readonly libvirt?: LabLibvirtVersion;
  /** The lab scenario (examples/libvirt-capture.*) or the capture matrix. */
  readonly scenario?: 'lab' | 'matrix';
  /** The files' name before .log / .journal.json. */
  readonly stem?: string;
  /** The matrix: only the guests whose role matches (a trial of a few guests into a scratch directory). */
  readonly only?: RegExp;
}

export async function capturePass(format: 'RAW' | 'ENRICHED', outDirectory: string, say: (message: string) => void, options: PassOptions = {}): Promise<CapturedPass> {
  const bootable = bootableGuest();
  const libvirt = options.libvirt ?? HOST_LIBVIRT_VERSION;
  say(`pass ${format}: starting auditd, virtlogd, libvirtd ${libvirt}`);
  const lab = await HostLab.start({ format, libvirt });
  try {
    const passSay = (message: string) => say(`pass ${format}: ${message}`);
    const journal = options.scenario === 'matrix' ? await runMatrix(lab, { bootable, say: passSay, ...(options.only ? { only: options.only } : {}) }) : await runScenario(lab, { bootable, say: passSay });
    const auditLog = await lab.stopAuditd();
    const stem = options.stem ?? `libvirt-capture.${format.toLowerCase()}`;
    const log = join(outDirectory, `${stem}.log`);
    copyFileSync(auditLog, log);
    const journalFile = join(outDirectory, `${stem}.journal.json`);
    writeFileSync(journalFile, `${JSON.stringify(journal, null, 1)}\n`);
    const virtRecords = readFileSync(log, 'latin1').split('\n').filter((line) => line.includes('type=VIRT_')).length;
    say(`pass ${format}: ${virtRecords} VIRT records → ${log}`);
    for (const skipped of journal.skipped) say(`pass ${format}: skipped: ${skipped}`);
    return { log, journalFile, journal };
  } finally {
    await lab.stop();
  }
}
