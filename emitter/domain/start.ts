// The records of a start (qemuProcessStart … virDomainAuditStart), a failed start at each stage, and a
// stop: security labels, NIC opens, cgroup ACLs, every device, mem, vcpu, iothread, VIRT_CONTROL.
import type { StartReason, StopReason } from '../../src/index.js';
import type { EmitInput } from '../emitter.js';
import { auditDiskSnapshot, transientOverlays } from './block-jobs.js';
import { isBackcompatConsole, setupDevicesCgroup } from './cgroup-acl.js';
import type { CharDevice, DomainDefinition, SecurityLabel } from './domain-definition.js';
import { netOpenRecords } from './net-open.js';
import { cgroupScope, statOf, versionOf, type CgroupRuntime, type LifecycleOptions } from './lifecycle-options.js';
import { control, counted, generic, hostdevRecords, resource } from './records.js';

/** What {@link auditStart} needs beyond the definition: the run-time values libvirt chose. */
export interface StartOptions extends LifecycleOptions {
  /** booted (default), restored, migrated, from-snapshot. */
  readonly reason?: StartReason;
  /** Whether the start succeeded: the res of VIRT_CONTROL (device records are always success). */
  readonly success?: boolean;
  /** The QEMU pid (0 for a failed start). */
  readonly vmPid: number;
  /** Labels generated for this start; else the host values', else the definition's. */
  readonly seclabels?: readonly SecurityLabel[];
  /** The guest's devices cgroup; null when libvirt set up no devices cgroup. */
  readonly cgroup?: CgroupRuntime | null;
  /** swtpm sockets of emulated TPMs, chosen at run time; else the host values'. */
  readonly tpmEmulatorSockets?: readonly string[];
  /**
   * Whether libvirt put overlays over transient disks (qemuProcessSetupDisksTransient): by default for
   * `booted` only; a `from-snapshot` start that reverted a shut-off snapshot sets them up too.
   */
  readonly transientOverlays?: boolean;
}

/** virDomainAuditSecurityLabel: one VIRT_MACHINE_ID per label (qemuProcessPrepareDomain). */
function labelRecords(domain: DomainDefinition, labels: readonly SecurityLabel[], success = true): EmitInput[] {
  return labels.map((label): EmitInput => ({
    type: 'VIRT_MACHINE_ID', virt: domain.virtType, vm: domain.name, uuid: domain.uuid,
    'vm-ctx': label.label, 'img-ctx': label.imageLabel, model: label.model, res: success ? 'success' : 'failed',
  }));
}

const chardevRecords = (domain: DomainDefinition, devices: readonly CharDevice[], reason: string): EmitInput[] =>
  devices.flatMap((device) => generic(domain, 'chardev', reason, null, device.path));

/**
 * virDomainAuditStart: every device of the definition with reason=start (always success), in its fixed
 * order, then mem, vcpu, iothread (when there are some) and VIRT_CONTROL op=start.
 */
function deviceStartRecords(domain: DomainDefinition, tpmSockets: readonly string[], withOverlays: boolean): EmitInput[] {
  const { devices } = domain;
  let emulatorSocket = 0;
  // after qemuSnapshotDiskUpdateSource the transient disk's source is its overlay
  const overlays = new Map(withOverlays ? transientOverlays(domain).map(({ original, overlay }) => [original.target, overlay.path]) : []);
  return [
    ...devices.disks.flatMap((disk) => generic(domain, 'disk', 'start', null, overlays.get(disk.target) ?? disk.source.path)),
    ...devices.filesystems.flatMap((path) => generic(domain, 'fs', 'start', null, path)),
    ...devices.nets.flatMap((net) => generic(domain, 'net', 'start', null, net.mac)),
    ...devices.hostdevs.flatMap((hostdev) => hostdevRecords(domain, hostdev, 'start')),
    ...Array.from({ length: devices.redirdevs }, () => resource(domain, 'dev', 'start', { bus: 'usb', device: 'USB redirdev' })),
    ...chardevRecords(domain, devices.serials, 'start'),
    ...chardevRecords(domain, devices.parallels, 'start'),
    ...chardevRecords(domain, devices.channels, 'start'),
    ...chardevRecords(domain, devices.consoles.filter((_, index) => !isBackcompatConsole(domain, index)), 'start'),
    ...devices.smartcards.flatMap((card) => {
      if (card.mode === 'host') return generic(domain, 'smartcard', 'start', null, 'nss-smartcard-device');
      if (card.mode === 'host-certificates') {
        return [...card.certificates, card.database].flatMap((path) => generic(domain, 'smartcard', 'start', null, path));
      }
      return generic(domain, 'smartcard', 'start', null, card.path);
    }),
    ...devices.rngs.flatMap((rng) => generic(domain, 'rng', 'start', null, rng.path)),
    ...devices.tpms.flatMap((tpm) => {
      if (tpm.backend === 'emulator') return [resource(domain, 'tpm-emulator', 'start', { device: tpmSockets[emulatorSocket++] ?? null })];
      return [resource(domain, tpm.backend === 'passthrough' ? 'tpm' : 'tpm-external', 'start', { device: tpm.path })];
    }),
    ...devices.shmems.map((shmem) =>
      shmem.server === null
        ? resource(domain, 'shmem', 'start', { size: shmem.sizeBytes, path: `/dev/shm/${shmem.name}` })
        : resource(domain, 'ivshmem-socket', 'start', { path: shmem.server.path }),
    ),
    ...devices.inputs.filter((input) => input.path !== null).map((input) => resource(domain, 'evdev', 'start', { path: input.path })),
    counted(domain, 'mem', 'start', 0, domain.memoryKiB),
    counted(domain, 'vcpu', 'start', 0, domain.vcpus),
    ...(domain.iothreads > 0 ? [counted(domain, 'iothread', 'start', 0, domain.iothreads)] : []),
  ];
}

/** What libvirt does on the host before virDomainAuditStart: NIC opens, then the devices cgroup. */
function launchRecords(domain: DomainDefinition, options: LifecycleOptions & { readonly cgroup?: CgroupRuntime | null | undefined }, withCgroup: boolean): { records: EmitInput[]; ok: boolean } {
  const opens = domain.devices.nets.flatMap((net) => netOpenRecords(domain, net, { stat: statOf(options), hostValues: options.hostValues, version: versionOf(options) }));
  if (!withCgroup || !options.cgroup) return { records: opens, ok: true };
  const cgroup = setupDevicesCgroup(cgroupScope(domain, options.cgroup, options));
  return { records: [...opens, ...cgroup.records], ok: cgroup.ok };
}

/** The overlays of transient disks: allowed, then one `disk reason=snapshot` each, original → overlay. */
function transientRecords(domain: DomainDefinition, options: StartOptions): EmitInput[] {
  const overlays = transientOverlays(domain);
  if (overlays.length === 0) return [];
  const originals: DomainDefinition = { ...domain, devices: { ...domain.devices, disks: overlays.map(({ original }) => original) } };
  return auditDiskSnapshot(originals, overlays.map(({ original, overlay }) => ({ target: original.target ?? '', source: overlay })), {
    ...(options.libvirtVersion ? { libvirtVersion: options.libvirtVersion } : {}),
    ...(options.hostValues ? { hostValues: options.hostValues } : {}),
    ...(options.stat ? { stat: options.stat } : {}),
    cgroup: options.cgroup ?? null,
  });
}

/**
 * Everything libvirt emits for one start, booted, restored (qemuSaveImageStartVM), from a snapshot
 * (qemuSnapshotRevert) or migrated in (qemuMigrationDstFinish): the same sequence, only the reason
 * differs. A cgroup path that is not there on the guest's host fails the start, as in libvirt.
 *
 * @param domain - The guest's live definition (parseDomainXml of `virsh dumpxml` while it runs).
 * @param options - QEMU's pid, the cgroup, and what libvirt read from its host.
 * @returns The records, in libvirt's order: labels, cgroup, devices, then VIRT_CONTROL op=start.
 * @example
 * ```ts
 * import { Emitter, MemorySink, auditStart, parseDomainXml } from 'virt-audit/emitter';
 *
 * declare const liveXml: string;                             // virsh dumpxml of the running guest
 * const records = auditStart(parseDomainXml(liveXml), { vmPid: 4242, cgroup: { path: '/machine.slice/machine-qemu…/' } });
 * const emitter = new Emitter({ sink: new MemorySink() });   // a dry run
 * await emitter.emitMany(records);
 * ```
 */
export function auditStart(domain: DomainDefinition, options: StartOptions): EmitInput[] {
  const labels = options.seclabels ?? options.hostValues?.seclabels ?? domain.seclabels;
  const launch = launchRecords(domain, options, true);
  const success = options.success !== false && launch.ok;
  // qemuProcessSetupDisksTransient runs once QEMU is up, for a boot (not incoming: restore, migration)
  const withOverlays = launch.ok && (options.transientOverlays ?? (options.reason ?? 'booted') === 'booted');
  return [
    ...labelRecords(domain, labels),
    ...launch.records,
    ...(withOverlays ? transientRecords(domain, options) : []),
    ...deviceStartRecords(domain, options.tpmEmulatorSockets ?? options.hostValues?.tpmEmulatorSockets ?? [], withOverlays),
    control(domain, 'start', options.reason ?? 'booted', success ? options.vmPid : 0, success),
  ];
}

/**
 * How far a failed start got: `labels` (label generation failed), `prepare-host` (after the labels,
 * before QEMU's command line, e.g. a missing image), `command-line` (NICs opened, then a failure before
 * the cgroup), `after-cgroup` (QEMU refused a device or died after the cgroup was set up).
 */
export const FAILED_START_STAGES = ['labels', 'prepare-host', 'command-line', 'after-cgroup'] as const;
/** How far a failed start got (see {@link FAILED_START_STAGES}). */
export type FailedStartStage = (typeof FAILED_START_STAGES)[number];

/** What {@link auditFailedStart} needs beyond the definition. */
export interface FailedStartOptions extends LifecycleOptions {
  /** How far the start got. */
  readonly stage: FailedStartStage;
  /** The start's reason (default booted). */
  readonly reason?: StartReason;
  /** The labels libvirt generated before failing; else the host values'. */
  readonly seclabels?: readonly SecurityLabel[];
  /** The devices cgroup the failed guest had (stage after-cgroup), even if the guest is gone. */
  readonly cgroup?: CgroupRuntime | null;
  /**
   * The definition as libvirt had prepared it when it set up the host (live XML: pty paths, backing
   * chains); the device records come from the inactive definition libvirt restores on failure.
   */
  readonly liveDomain?: DomainDefinition;
  /** swtpm sockets of emulated TPMs, chosen at run time; else the host values'. */
  readonly tpmEmulatorSockets?: readonly string[];
}

/**
 * A start that failed: the records of the stages libvirt got through, then virDomainAuditStart(…, false)
 * after qemuProcessStop put back the inactive definition (devices as defined, vm-pid 0).
 *
 * @param definition - The guest's inactive definition.
 * @param options - How far the start got, and what libvirt had prepared.
 * @returns The records, in libvirt's order.
 */
export function auditFailedStart(definition: DomainDefinition, options: FailedStartOptions): EmitInput[] {
  const labels = options.seclabels ?? options.hostValues?.seclabels ?? [];
  const live = options.liveDomain ?? definition;
  const beforeLaunch = options.stage === 'labels' || options.stage === 'prepare-host';
  const launch = beforeLaunch ? { records: [] } : launchRecords(live, options, options.stage === 'after-cgroup');
  return [
    ...labelRecords(definition, labels, options.stage !== 'labels'),
    ...launch.records,
    ...deviceStartRecords(definition, options.tpmEmulatorSockets ?? options.hostValues?.tpmEmulatorSockets ?? [], false),
    control(definition, 'start', options.reason ?? 'booted', 0, false),
  ];
}

/**
 * virDomainAuditStop: VIRT_CONTROL op=stop with vm-pid 0 (the pid is already reset).
 *
 * @param domain - The guest's definition.
 * @param reason - destroyed, shutdown, crashed, saved, migrated, failed, from-snapshot.
 * @returns The one record.
 */
export function auditStop(domain: DomainDefinition, reason: StopReason): EmitInput[] {
  return [control(domain, 'stop', reason, 0, true)];
}

/**
 * A guest reboot. libvirt 9.0 and 11.3 reset QEMU in place (qemuProcessFakeRebootViaReset): nothing is
 * audited. libvirt 12.9 reboots a secure (Intel TDX) guest by recreating QEMU
 * (qemuProcessFakeRebootViaRecreate, read from its binary): `op=stop reason=destroyed`, then a whole
 * start with `reason=booted` and the new QEMU's pid (`res=failed`, pid 0, when the new start fails).
 *
 * @param domain - The guest's live definition.
 * @param options - The new start's values (its reason is booted), and whose rules.
 * @returns The records (none before 12.9, or for a guest that is not a TDX one).
 */
export function auditReboot(domain: DomainDefinition, options: StartOptions): EmitInput[] {
  if ((options.libvirtVersion ?? '9.0') !== '12.9' || domain.launchSecurity !== 'tdx') return [];
  return [...auditStop(domain, 'destroyed'), ...auditStart(domain, { ...options, reason: 'booted' })];
}
