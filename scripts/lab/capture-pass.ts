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
import { DESTINATION_HOST_UUID, runMigration } from './migration.js';
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

/**
 * A migration pass: the host's libvirt 9.0 lab, the chroot's `destination` libvirt beside it (same
 * auditd, its own host UUID), one guest migrated from the first to the second. Leaves migration.log and
 * a journal per side (source.journal.json, destination.journal.json) in `outDirectory`.
 */
export async function migrationPass(outDirectory: string, say: (message: string) => void, destination: LabLibvirtVersion): Promise<string> {
  say(`migration: starting auditd and libvirtd ${HOST_LIBVIRT_VERSION} (source), libvirtd ${destination} (destination)`);
  const sourceLab = await HostLab.start({ format: 'RAW' });
  let destinationLab: HostLab | undefined;
  try {
    destinationLab = await HostLab.start({ format: 'RAW', libvirt: destination, besides: sourceLab, hostUuid: DESTINATION_HOST_UUID });
    const journals = await runMigration(sourceLab, destinationLab, say);
    const auditLog = await sourceLab.stopAuditd();
    const log = join(outDirectory, 'migration.log');
    copyFileSync(auditLog, log);
    for (const side of ['source', 'destination'] as const) writeFileSync(join(outDirectory, `${side}.journal.json`), `${JSON.stringify(journals[side], null, 1)}\n`);
    say(`migration: ${readFileSync(log, 'latin1').split('\n').filter((line) => line.includes('type=VIRT_')).length} VIRT records → ${log}`);
    return log;
  } finally {
    await destinationLab?.stop();
    await sourceLab.stop();
  }
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
