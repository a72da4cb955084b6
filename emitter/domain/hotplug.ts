// Devices attached to and detached from a running guest (src/qemu/qemu_hotplug.c): for each kind, the
// cgroup allow before the device record, and on failure the device record with res=failed and the deny.
import type { EmitInput } from '../emitter.js';
import {
  CgroupRun, hostdevCgroupPath, hostdevNeedsVfio, setupHostdev, setupImageChain, setupMemoryDevice, teardownHostdev, teardownImageChain, teardownMemoryDevice,
  type DevicePerms,
} from './cgroup-acl.js';
import type { CharDevice, Disk, DomainDefinition } from './domain-definition.js';
import { cgroupScope, statOf, versionOf, type CgroupRuntime, type LifecycleOptions } from './lifecycle-options.js';
import { netOpenRecords } from './net-open.js';
import { counted, generic, hostdevRecords, resource } from './records.js';

/** What {@link auditHotplug} needs beyond the definitions. */
export interface HotplugOptions extends LifecycleOptions {
  /** Whether QEMU took the device (attach) or let it go (detach). Default true. */
  readonly success?: boolean;
  /**
   * An attach that failed after the cgroup allow and before QEMU was asked, at a step whose error path
   * skips the audit call (labels, the namespace, the device's address or properties): the allow, then the
   * deny, and no device record (a NIC: its opens only). Implies `success: false`.
   */
  readonly failedBeforeQemu?: boolean;
  /** The guest's devices cgroup; without it no cgroup records (libvirt without a devices controller). */
  readonly cgroup?: CgroupRuntime | null;
}

/** Whether a device is attached or detached. */
export type HotplugAction = 'attach' | 'detach';

/** The cgroup side of one device: what libvirt allows before QEMU sees it and denies once it is gone. */
interface CgroupSide {
  readonly allow: (run: CgroupRun) => void;
  readonly deny: (run: CgroupRun) => void;
}

const NO_CGROUP: CgroupSide = { allow: () => undefined, deny: () => undefined };

const pathSide = (path: string | null, allowPerms: DevicePerms, denyPerms: DevicePerms): CgroupSide =>
  (path === null ? NO_CGROUP : { allow: (run) => run.allowPath(path, allowPerms), deny: (run) => run.denyPath(path, denyPerms) });

/**
 * The common shape of libvirt's attach functions: the cgroup allow (a failure there ends the attach with
 * no device record), the device record, and when QEMU refused the device, the deny of what was allowed.
 * Detach (qemuDomainRemove*Device): the record, then the deny; a detach QEMU refused
 * (qemuDomainRemoveAuditDevice) writes only the failed record.
 */
function hotplugSequence(domain: DomainDefinition, action: HotplugAction, options: HotplugOptions, side: CgroupSide, records: (success: boolean) => EmitInput[]): EmitInput[] {
  const success = options.failedBeforeQemu ? false : (options.success ?? true);
  const run = options.cgroup ? new CgroupRun(cgroupScope(domain, options.cgroup, options)) : null;
  if (action === 'attach') {
    if (run !== null) {
      side.allow(run);
      if (!run.ok) return run.records;
    }
    // qemuDomainAttachDeviceDiskLiveInternal, qemuDomainAttachHostPCIDevice, …AttachHostUSBDevice,
    // …AttachHostSCSIDevice, …AttachChrDevice, …AttachRNGDevice, …AttachInputDevice, …AttachMemory: a failure
    // between the cgroup setup and the monitor jumps to `cleanup`/`error`, past the audit call, to the teardown
    if (options.failedBeforeQemu) {
      if (run === null) return [];
      side.deny(run);
      return run.records;
    }
    const device = records(success);
    if (success || run === null) return [...(run?.records ?? []), ...device];
    const allowed = run.records.length;
    side.deny(run);
    return [...run.records.slice(0, allowed), ...device, ...run.records.slice(allowed)];
  }
  const device = records(success);
  if (!success || run === null) return device;
  side.deny(run);
  return [...device, ...run.records];
}

/**
 * qemuDomainDetachPrepDisk: only disks and luns on virtio, usb or scsi and cdroms on usb or scsi can be
 * unplugged; the others (a floppy, an IDE or SATA disk or cdrom …) are refused before anything is audited.
 * It judges the guest's disk of that target, not the XML given to the detach.
 */
function detachRefused(domain: DomainDefinition, disk: Disk): boolean {
  const live = domain.devices.disks.find((candidate) => candidate.target !== null && candidate.target === disk.target) ?? disk;
  if (live.device === 'disk' || live.device === 'lun') return !['virtio', 'usb', 'scsi'].includes(live.bus);
  if (live.device === 'cdrom') return !['usb', 'scsi'].includes(live.bus);
  return true;
}

/** qemuDomainAttachDeviceDiskLiveInternal / qemuDomainRemoveDiskDevice: the whole chain, then the record. */
function diskHotplug(domain: DomainDefinition, disk: Disk, action: HotplugAction, options: HotplugOptions): EmitInput[] {
  // "floppy device hotplug isn't supported": refused before anything is audited
  if (action === 'attach' && disk.device === 'floppy') return [];
  if (action === 'detach' && detachRefused(domain, disk)) return [];
  const side: CgroupSide = { allow: (run) => setupImageChain(run, disk), deny: (run) => teardownImageChain(run, disk) };
  const pair = (path: string | null): [string | null, string | null] => (action === 'attach' ? [null, path] : [path, null]);
  return hotplugSequence(domain, action, options, side, (success) => generic(domain, 'disk', action, ...pair(disk.source.path), success));
}

/** qemuDomainAttachChrDevice / qemuDomainRemoveChrDevice: type='dev' sources are allowed rw, denied rw. */
function chardevHotplug(domain: DomainDefinition, chardev: CharDevice, action: HotplugAction, options: HotplugOptions): EmitInput[] {
  const side = chardev.sourceType === 'dev' ? pathSide(chardev.path, 'rw', 'rw') : NO_CGROUP;
  const pair: [string | null, string | null] = action === 'attach' ? [null, chardev.path] : [chardev.path, null];
  return hotplugSequence(domain, action, options, side, (success) => generic(domain, 'chardev', action, ...pair, success));
}

/**
 * Records for one device attached to (or detached from) a running guest. `device` is the device alone,
 * parsed with parseDeviceXml; `domain` the guest's live definition.
 *
 * @param domain - The guest's live definition.
 * @param device - The device (parseDeviceXml's `domain`).
 * @param action - attach or detach.
 * @param options - Success, the cgroup, and what libvirt read from its host.
 * @returns The records, in libvirt's order.
 * @throws TypeError when `failedBeforeQemu` is given for a detach.
 */
export function auditHotplug(domain: DomainDefinition, device: DomainDefinition, action: HotplugAction, options: HotplugOptions = {}): EmitInput[] {
  if (action === 'detach' && options.failedBeforeQemu) throw new TypeError('failedBeforeQemu describes an attach; a detach QEMU refused is success: false');
  const { devices } = device;
  const records: EmitInput[] = [];
  const sequence = (side: CgroupSide, build: (success: boolean) => EmitInput[]) => records.push(...hotplugSequence(domain, action, options, side, build));
  for (const disk of devices.disks) records.push(...diskHotplug(domain, disk, action, options));
  const pair = (value: string | null): [string | null, string | null] => (action === 'attach' ? [null, value] : [value, null]);
  for (const path of devices.filesystems) sequence(NO_CGROUP, (success) => generic(domain, 'fs', action, ...pair(path), success));
  for (const net of devices.nets) {
    // qemuDomainAttachNetDevice opens the host side (qemuBuildInterfaceConnect) before anything else
    if (action === 'attach') records.push(...netOpenRecords(domain, net, { stat: statOf(options), hostValues: options.hostValues, version: versionOf(options) }));
    sequence(NO_CGROUP, (success) => generic(domain, 'net', action, ...pair(net.mac), success));
  }
  for (const hostdev of devices.hostdevs) {
    // qemuHostdevPrepareUSBDevices: a USB device libvirt cannot find on the host fails the attach before
    // anything is audited; one it finds gets its address (give it in the device XML, as the live XML shows it)
    if (action === 'attach' && (options.success === false || options.failedBeforeQemu) && hostdev.mode === 'subsystem' && hostdev.bus === 'usb' && !hostdev.located) continue;
    const version = versionOf(options);
    const where = hostdevCgroupPath(hostdev, options.hostValues?.hostdevPaths, version);
    const stillNeedsVfio = domain.devices.hostdevs.some((other) => hostdevNeedsVfio(other, version) && other.mode === 'subsystem' && other.device !== (hostdev.mode === 'subsystem' ? hostdev.device : null));
    sequence({ allow: (run) => setupHostdev(run, where), deny: (run) => teardownHostdev(run, where, stillNeedsVfio) }, (success) => hostdevRecords(domain, hostdev, action, success));
  }
  for (let index = 0; index < devices.redirdevs; index++) sequence(NO_CGROUP, (success) => [resource(domain, 'dev', action, { bus: 'usb', device: 'USB redirdev' }, success)]);
  for (const chardev of [...devices.serials, ...devices.parallels, ...devices.channels, ...devices.consoles]) records.push(...chardevHotplug(domain, chardev, action, options));
  for (const rng of devices.rngs) {
    const side = rng.backend === 'random' ? pathSide(rng.path, 'rw', 'rw') : NO_CGROUP;
    // qemuDomainAttachRNGDevice appends the RNG with VIR_APPEND_ELEMENT_INPLACE, which clears its pointer
    // before virDomainAuditRNG: a successful attach writes no rng record
    sequence(side, (success) => (action === 'attach' ? (success ? [] : generic(domain, 'rng', action, null, rng.path, false)) : generic(domain, 'rng', action, rng.path, null, success)));
  }
  for (const shmem of devices.shmems) {
    sequence(NO_CGROUP, (success) => [
      shmem.server === null
        ? resource(domain, 'shmem', action, { size: shmem.sizeBytes, path: `/dev/shm/${shmem.name}` }, success)
        : resource(domain, 'ivshmem-socket', action, { path: shmem.server.path }, success),
    ]);
  }
  for (const input of devices.inputs) {
    if (input.path === null) continue;
    // qemuDomainRemoveInputDevice denies the device but never audits the input; only a refused detach does
    const build = (success: boolean) => (action === 'detach' && success ? [] : [resource(domain, 'evdev', action, { path: input.path }, success)]);
    sequence(pathSide(input.path, 'rw', 'rwm'), build);
  }
  for (const memory of devices.memoryDevices) {
    // qemuDomainAttachMemory / qemuDomainRemoveMemoryDevice: the guest's total before and after the module
    const total = domain.memoryKiB;
    const after = action === 'attach' ? total + memory.sizeKiB : total - memory.sizeKiB;
    sequence({ allow: (run) => setupMemoryDevice(run, memory), deny: (run) => teardownMemoryDevice(run, memory) }, (success) => [counted(domain, 'mem', 'update', total, after, success)]);
  }
  return records;
}

/** What {@link auditMediaChange} needs beyond the definition. */
export interface MediaChangeOptions extends HotplugOptions {
  /** The old medium's path when the live definition does not show it. */
  readonly oldSource?: string | null;
}

/**
 * qemuDomainChangeEjectableMedia (virsh change-media, update-device of a cdrom or floppy): the new
 * medium's chain allowed, the `disk reason=update` record old → new, then the old medium's chain torn
 * down; when QEMU refuses, the new medium's chain is torn down instead.
 *
 * @param domain - The guest's live definition (showing the old medium, if any).
 * @param newDisk - The disk with its new medium (parseDeviceXml).
 * @param options - Success, the cgroup, the old medium's path, what libvirt read from its host.
 * @returns The records, in libvirt's order.
 */
export function auditMediaChange(domain: DomainDefinition, newDisk: Disk, options: MediaChangeOptions = {}): EmitInput[] {
  const success = options.success ?? true;
  const live = domain.devices.disks.find((disk) => disk.target !== null && disk.target === newDisk.target);
  const oldDisk: Disk | null = live ?? (options.oldSource ? { ...newDisk, source: { type: 'file', path: options.oldSource, dataStore: null }, backingChain: [] } : null);
  const oldPath = options.oldSource !== undefined ? options.oldSource : (oldDisk?.source.path ?? null);
  const scope = options.cgroup ? cgroupScope(domain, options.cgroup, options) : null;
  if (scope === null) return generic(domain, 'disk', 'update', oldPath, newDisk.source.path, success);
  const allow = new CgroupRun(scope);
  setupImageChain(allow, newDisk);
  // the cleanup tears the new medium down even when its allow failed part-way
  const teardown = new CgroupRun(scope);
  if (!allow.ok) {
    teardownImageChain(teardown, newDisk);
    return [...allow.records, ...teardown.records];
  }
  if (success && oldDisk !== null) teardownImageChain(teardown, oldDisk);
  if (!success) teardownImageChain(teardown, newDisk);
  return [...allow.records, ...generic(domain, 'disk', 'update', oldPath, newDisk.source.path, success), ...teardown.records];
}

/**
 * A live change of a NIC's bridge (update-device of an `<interface>`), qemuDomainChangeNetBridge. libvirt
 * 9.0 audits it as a detach from the old bridge and an attach to the new one (on failure, the attach
 * fails and the NIC is attached back to the old bridge); from 10.8 it reattaches the tap
 * (virNetDevTapReattachBridge) and writes nothing.
 *
 * @param domain - The guest's live definition.
 * @param mac - The NIC's MAC address.
 * @param options - Whose rules, and whether the change succeeded.
 * @returns The records, in libvirt's order (none from 10.8).
 */
export function auditNetBridgeChange(domain: DomainDefinition, mac: string, options: LifecycleOptions & { readonly success?: boolean } = {}): EmitInput[] {
  if ((options.libvirtVersion ?? '9.0') !== '9.0') return [];
  const success = options.success ?? true;
  return [
    ...generic(domain, 'net', 'detach', mac, null),
    ...generic(domain, 'net', 'attach', null, mac, success),
    ...(success ? [] : generic(domain, 'net', 'attach', null, mac)),
  ];
}
