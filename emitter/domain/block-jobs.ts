// Disk images that change under a running guest (src/qemu/qemu_snapshot.c, qemu_driver.c): external
// snapshots, transient-disk overlays made at start, and block copies. Each new image is allowed in the
// cgroup before QEMU switches to it, and audited as `disk reason=snapshot` or `reason=mirror`.
import type { EmitInput } from '../emitter.js';
import { CgroupRun, setupImageChain, teardownImageChain } from './cgroup-acl.js';
import type { Disk, DomainDefinition, StorageSource } from './domain-definition.js';
import { cgroupScope, type CgroupRuntime, type LifecycleOptions } from './lifecycle-options.js';
import { generic } from './records.js';

/** What {@link auditDiskSnapshot} and {@link auditBlockCopy} need beyond the definition. */
export interface DiskJobOptions extends LifecycleOptions {
  /** Whether QEMU's job succeeded (default true). */
  readonly success?: boolean;
  /** The guest's devices cgroup; without it no cgroup records. */
  readonly cgroup?: CgroupRuntime | null;
}

/** A new top image over a disk: the overlay of an external snapshot. */
export interface DiskOverlay {
  /** The disk's `<target dev>`. */
  readonly target: string;
  /** The overlay image. */
  readonly source: StorageSource;
}

/** The single image qemuDomainStorageSourceAccessAllow(…, readonly=false …) allows (no chain). */
const alone = (disk: Disk, source: StorageSource): Disk => ({ ...disk, source, readonly: false, backingChain: [] });

/**
 * qemuSnapshotDiskPrepareOne for every disk (each overlay allowed read-write), then after QEMU's
 * transaction one `disk reason=snapshot` record per disk, old top → overlay (qemuSnapshotDiskCreate);
 * when the transaction fails, each prepared overlay is torn down again (qemuSnapshotDiskCleanup).
 *
 * @param domain - The guest's live definition before the snapshot.
 * @param overlays - The new top image of each disk snapshotted.
 * @param options - Success, the cgroup, what libvirt read from its host.
 * @returns The records, in libvirt's order.
 */
export function auditDiskSnapshot(domain: DomainDefinition, overlays: readonly DiskOverlay[], options: DiskJobOptions = {}): EmitInput[] {
  const success = options.success ?? true;
  const run = options.cgroup ? new CgroupRun(cgroupScope(domain, options.cgroup, options)) : null;
  const pairs = overlays.flatMap((overlay) => {
    const disk = domain.devices.disks.find((candidate) => candidate.target === overlay.target);
    return disk === undefined ? [] : [{ disk, overlay: alone(disk, overlay.source) }];
  });
  for (const { overlay } of pairs) run?.then(() => setupImageChain(run, overlay));
  if (run !== null && !run.ok) return run.records;
  const records = pairs.flatMap(({ disk, overlay }) => generic(domain, 'disk', 'snapshot', disk.source.path, overlay.source.path, success));
  const allowed = run?.records.length ?? 0;
  if (!success && run !== null) for (const { overlay } of pairs) teardownImageChain(run, overlay);
  return [...(run?.records.slice(0, allowed) ?? []), ...records, ...(run?.records.slice(allowed) ?? [])];
}

/**
 * The overlays libvirt puts over `<transient/>` disks at start (qemuProcessSetupDisksTransientSnapshot,
 * not for shareBacking='yes', not for incoming migrations or snapshot reverts): `<path>.TRANSIENT-<vm>`.
 * A live XML already shows the overlay as the source and the original as its backing image.
 */
export function transientOverlays(domain: DomainDefinition): { readonly original: Disk; readonly overlay: StorageSource }[] {
  return domain.devices.disks.flatMap((disk) => {
    if (!disk.transient || disk.source.path === null) return [];
    const suffix = `.TRANSIENT-${domain.name}`;
    if (disk.source.path.endsWith(suffix)) {
      const backing = disk.backingChain[0];
      const original: Disk = { ...disk, source: backing ?? { ...disk.source, path: disk.source.path.slice(0, -suffix.length) }, backingChain: disk.backingChain.slice(1) };
      return [{ original, overlay: disk.source }];
    }
    return [{ original: disk, overlay: { type: 'file', path: `${disk.source.path}${suffix}`, dataStore: null } }];
  });
}

/**
 * A block copy (virsh blockcopy, qemuDomainBlockCopyCommon): the destination's chain allowed, then
 * `disk reason=mirror` with no old image; when QEMU refuses the mirror, the chain is torn down.
 *
 * @param domain - The guest's live definition.
 * @param destination - The copy's destination disk.
 * @param options - Success, the cgroup, what libvirt read from its host.
 * @returns The records, in libvirt's order.
 */
export function auditBlockCopy(domain: DomainDefinition, destination: Disk, options: DiskJobOptions = {}): EmitInput[] {
  const success = options.success ?? true;
  const run = options.cgroup ? new CgroupRun(cgroupScope(domain, options.cgroup, options)) : null;
  const mirror: Disk = { ...destination, readonly: false };
  if (run !== null) {
    setupImageChain(run, mirror);
    if (!run.ok) return run.records;
  }
  const record = generic(domain, 'disk', 'mirror', null, mirror.source.path, success);
  if (run === null) return record;
  const allowed = run.records.length;
  if (!success) teardownImageChain(run, mirror);
  return [...run.records.slice(0, allowed), ...record, ...run.records.slice(allowed)];
}
