// The devices-cgroup records of libvirt's QEMU driver (src/qemu/qemu_cgroup.c): one allow or deny per
// path that is a char or block device, printed by virDomainAuditCgroupPath.
import type { EmitInput } from '../emitter.js';
import { formatHexByte, formatRdev } from '../payload.js';
import type { Disk, DomainDefinition, Hostdev, StorageSource } from './domain-definition.js';
import type { LibvirtVersion, PathState, StatPath } from './host-values.js';
import { resource } from './records.js';

/** virCgroupGetDevicePermsString of the permissions libvirt asks for. */
export type DevicePerms = 'r' | 'rw' | 'rwm';

/** The guest's devices cgroup and what the ACL records need from the host. */
export interface CgroupScope {
  readonly domain: DomainDefinition;
  /** virCgroupPathOfController(…DEVICES…), as libvirt prints it; null prints "?". */
  readonly path: string | null;
  readonly version: LibvirtVersion;
  /** qemu.conf cgroup_device_acl (or the version's default): these paths are never denied. */
  readonly deviceAcl: readonly string[];
  readonly stat: StatPath;
  /** The device-mapper targets of block devices (virDevMapperGetTargets), as host values give them. */
  readonly deviceMapperTargets?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Hostdev nodes found in sysfs (VFIO groups, /dev/sgN), as host values give them. */
  readonly hostdevPaths?: Readonly<Record<string, string>> | undefined;
  /** qemu.conf's vnc_allow_host_audio and nogfx_allow_host_audio. */
  readonly hostAudio?: { readonly vnc: boolean; readonly nogfx: boolean } | undefined;
}

/**
 * Records of a sequence of cgroup changes, and whether libvirt got through it: libvirt stops at the
 * first change that fails (its record, res=failed, is the last one).
 */
export interface CgroupOutcome {
  readonly records: EmitInput[];
  readonly ok: boolean;
}

const QEMU_DEV_VFIO = '/dev/vfio/vfio';
const QEMU_DEVICE_MAPPER_CONTROL_PATH = '/dev/mapper/control';
const DEVICE_PTY_MAJOR = 136;
const DEVICE_SND_MAJOR = 116;

/** defaultDeviceACL of qemu_cgroup.c for each version (12.9: read from the binary's array; see docs). */
export function defaultDeviceAcl(version: LibvirtVersion): readonly string[] {
  const base = ['/dev/null', '/dev/full', '/dev/zero', '/dev/random', '/dev/urandom', '/dev/ptmx'];
  switch (version) {
    case '9.0':
      return [...base, '/dev/kvm'];
    case '11.3':
      return [...base, '/dev/kvm', '/dev/userfaultfd'];
    case '12.9':
      return [...base, '/dev/userfaultfd'];
  }
}

/** A run of cgroup changes that stops at the first failure, as libvirt's `if (… < 0) return -1` chains do. */
export class CgroupRun {
  readonly records: EmitInput[] = [];
  private failed = false;

  constructor(readonly scope: CgroupScope) {}

  /** Whether every change so far succeeded. */
  get ok(): boolean {
    return !this.failed;
  }

  /** Runs `step` unless an earlier step failed. */
  then(step: (run: CgroupRun) => void): this {
    if (this.ok) step(this);
    return this;
  }

  outcome(): CgroupOutcome {
    return { records: this.records, ok: this.ok };
  }

  /**
   * qemuCgroupAllowDevicePath → virCgroupAllowDevicePath + virDomainAuditCgroupPath: nothing for a path
   * that is not a device (rc 1); a failed record, rdev=?, for one that is not there (rc -1).
   */
  allowPath(path: string, perms: DevicePerms): PathState {
    return this.pathRecord('allow', path, perms);
  }

  /** qemuCgroupDenyDevicePath: paths of the device ACL list stay allowed, and are not audited. */
  denyPath(path: string, perms: DevicePerms): void {
    if (this.scope.deviceAcl.includes(path)) return;
    this.pathRecord('deny', path, perms);
  }

  /** qemuCgroupAllowDevicesPaths: paths that do not exist are skipped (virFileExists). */
  allowExistingPaths(paths: readonly string[], perms: DevicePerms): void {
    for (const path of paths) {
      if (!this.ok) return;
      if (this.scope.stat(path) !== 'missing') this.allowPath(path, perms);
    }
  }

  /** qemuCgroupDenyDevicesPaths. */
  denyExistingPaths(paths: readonly string[], perms: DevicePerms): void {
    for (const path of paths) {
      if (!this.ok) return;
      if (this.scope.stat(path) !== 'missing') this.denyPath(path, perms);
    }
  }

  /** virDomainAuditCgroup(…, "deny", "all", …): the first record of qemuSetupDevicesCgroup. */
  denyAll(): void {
    this.records.push(resource(this.scope.domain, 'cgroup', 'deny', { cgroup: this.scope.path, class: 'all' }));
  }

  /** virDomainAuditCgroupMajor. */
  allowMajor(category: 'pty' | 'sound', major: number): void {
    this.records.push(resource(this.scope.domain, 'cgroup', 'allow', { cgroup: this.scope.path, class: 'major', category, maj: formatHexByte(major), acl: 'rw' }));
  }

  private pathRecord(reason: 'allow' | 'deny', path: string, perms: DevicePerms): PathState {
    const state: PathState = this.scope.stat(path);
    if (state === 'not-a-device') return state;
    const rdev = state === 'missing' ? null : formatRdev(state.major, state.minor);
    this.records.push(resource(this.scope.domain, 'cgroup', reason, { cgroup: this.scope.path, class: 'path', path, rdev, acl: perms }, state !== 'missing'));
    if (state === 'missing') this.failed = true;
    return state;
  }
}

/** An NVMe disk's IOMMU group (virPCIDeviceAddressGetIOMMUGroupDev), from the host values' hostdev nodes. */
const nvmeGroup = (run: CgroupRun, source: StorageSource): string | null =>
  (source.nvmeAddress ? run.scope.hostdevPaths?.[source.nvmeAddress] ?? null : null);

/** virStorageSourceIsLocalStorage with a path (qemuSetupImageCgroupInternal skips everything else). */
const localPath = (source: StorageSource): string | null =>
  (['file', 'block', 'dir'].includes(source.type) ? source.path : null);

/**
 * qemuSetupImagePathCgroup: the image read-only or read-write; when it is a device, then each of its
 * device-mapper targets (virDevMapperGetTargets: /dev/block/M:m, depth first) with the same permissions.
 */
function setupImagePath(run: CgroupRun, path: string, readonly: boolean): void {
  const perms = readonly ? 'r' : 'rw';
  if (typeof run.allowPath(path, perms) !== 'object') return;
  for (const target of run.scope.deviceMapperTargets?.[path] ?? []) run.then(() => run.allowPath(target, perms));
}

/**
 * qemuSetupImageCgroupInternal (NVMe is not modelled): with managed persistent reservations,
 * /dev/mapper/control first (read-write, where it exists), then the image.
 */
function setupImage(run: CgroupRun, source: StorageSource, readonly: boolean): void {
  const nvme = source.type === 'nvme';
  const path = nvme ? nvmeGroup(run, source) : localPath(source);
  if (path === null) return;
  // NVMe: the VFIO container first, and the group read-write whatever the disk says (QEMU's ioctls)
  if (nvme) setupImagePath(run, QEMU_DEV_VFIO, false);
  if (source.managedReservations) {
    run.then(() => {
      if (run.scope.stat(QEMU_DEVICE_MAPPER_CONTROL_PATH) !== 'missing') setupImagePath(run, QEMU_DEVICE_MAPPER_CONTROL_PATH, false);
    });
  }
  run.then(() => setupImagePath(run, path, nvme ? false : readonly));
}

/**
 * qemuSetupImageChainCgroup: the top image as the disk says (read-only for `<readonly/>` and cdroms),
 * every backing image read-only; from libvirt 11 each image's qcow2 data file right after it.
 */
export function setupImageChain(run: CgroupRun, disk: Disk): void {
  const withDataFiles = run.scope.version !== '9.0';
  [disk.source, ...disk.backingChain].forEach((source, index) => {
    const readonly = index === 0 ? disk.readonly : true;
    run.then(() => setupImage(run, source, readonly));
    if (withDataFiles && source.dataStore !== null) run.then(() => setupImage(run, source.dataStore!, index === 0 ? false : true));
  });
}

/**
 * qemuTeardownImageCgroup for each image of the chain (qemuTeardownImageChainCgroup): first
 * /dev/mapper/control when it exists and no other disk of the guest uses managed persistent
 * reservations, then the image itself, both rwm.
 */
export function teardownImageChain(run: CgroupRun, disk: Disk): void {
  const { domain } = run.scope;
  const otherDisks = domain.devices.disks.filter((other) => other !== disk && (other.target === null || other.target !== disk.target));
  const othersHaveReservations = otherDisks.some((other) => other.source.managedReservations === true);
  // qemuDomainNeedsVFIO / virStorageSourceChainHasNVMe: the container stays while something else uses it
  const vfioStillNeeded = otherDisks.some((other) => [other.source, ...other.backingChain].some((image) => image.type === 'nvme')) ||
    domain.devices.hostdevs.some((hostdev) => hostdevNeedsVfio(hostdev, run.scope.version));
  for (const source of [disk.source, ...disk.backingChain]) {
    const path = source.type === 'nvme' ? nvmeGroup(run, source) : localPath(source);
    if (path === null) continue;
    if (source.type === 'nvme' && !vfioStillNeeded) run.then(() => run.denyPath(QEMU_DEV_VFIO, 'rwm'));
    run.then(() => {
      if (!othersHaveReservations && run.scope.stat(QEMU_DEVICE_MAPPER_CONTROL_PATH) !== 'missing') run.denyPath(QEMU_DEVICE_MAPPER_CONTROL_PATH, 'rwm');
    });
    run.then(() => run.denyPath(path, 'rwm'));
  }
}

/**
 * virHostdevIsPCIDeviceWithIOMMUFD (12.9, read from its libvirt.so: subsystem PCI, driver vfio,
 * iommufd yes). 9.0 and 11.3 have no iommufd: such a hostdev is plain VFIO there.
 */
export function usesIommufd(hostdev: Hostdev, version: LibvirtVersion): boolean {
  return version === '12.9' && hostdev.mode === 'subsystem' && hostdev.bus === 'pci' && hostdev.vfio && hostdev.iommufd;
}

/** qemuDomainNeedsVFIO's hostdev part: an mdev, or a PCI hostdev through VFIO (12.9: not through iommufd). */
export function hostdevNeedsVfio(hostdev: Hostdev, version: LibvirtVersion): boolean {
  return hostdev.mode === 'subsystem' && (hostdev.bus === 'mdev' || (hostdev.bus === 'pci' && hostdev.vfio && !usesIommufd(hostdev, version)));
}

/** A hostdev's node in the cgroup, whether it needs the VFIO container, and whether it goes through iommufd. */
export interface HostdevNode {
  readonly path: string | null;
  readonly perms: DevicePerms;
  readonly vfio: boolean;
  readonly iommufd: boolean;
}

/**
 * The cgroup path and permissions of a hostdev (qemuDomainGetHostdevPath: a PCI device through VFIO has
 * its IOMMU group's node, iommufd or not), and whether it needs VFIO (virHostdevNeedsVFIO).
 */
export function hostdevCgroupPath(hostdev: Hostdev, hostdevPaths: Readonly<Record<string, string>> | undefined, version: LibvirtVersion = '9.0'): HostdevNode {
  if (hostdev.mode !== 'subsystem') return { path: null, perms: 'rw', vfio: false, iommufd: false };
  const runtime = hostdev.device === null ? undefined : hostdevPaths?.[hostdev.device];
  switch (hostdev.bus) {
    case 'usb': {
      // virUSBDeviceNew: /dev/bus/usb/BBB/DDD
      const path = hostdev.device === null ? null : `/dev/bus/usb/${hostdev.device.replace('.', '/')}`;
      return { path, perms: 'rw', vfio: false, iommufd: false };
    }
    case 'pci': {
      // virPCIDeviceAddressGetIOMMUGroupDev: /dev/vfio/<IOMMU group>, read from sysfs at run time
      const iommufd = usesIommufd(hostdev, version);
      return hostdev.vfio ? { path: runtime ?? null, perms: 'rw', vfio: !iommufd, iommufd } : { path: null, perms: 'rw', vfio: false, iommufd: false };
    }
    case 'scsi':
      // virSCSIDeviceGetPath: /dev/sgN, from sysfs at run time
      return { path: runtime ?? null, perms: hostdev.readonly ? 'r' : 'rw', vfio: false, iommufd: false };
    case 'scsi_host':
      return { path: '/dev/vhost-scsi', perms: 'rw', vfio: false, iommufd: false };
    case 'mdev':
      return { path: runtime ?? null, perms: 'rw', vfio: true, iommufd: false };
  }
}

/**
 * qemuSetupHostdevCgroup. 12.9 returns first for a hostdev through iommufd: QEMU gets descriptors of
 * /dev/iommu and /dev/vfio/devices/vfioN that libvirt opened, so nothing is allowed (and no record).
 */
export function setupHostdev(run: CgroupRun, where: HostdevNode): void {
  if (where.iommufd) return;
  if (where.path !== null) run.then(() => run.allowPath(where.path!, where.perms));
  if (where.vfio) run.then(() => run.allowPath(QEMU_DEV_VFIO, 'rw'));
}

/**
 * qemuTeardownHostdevCgroup (the VFIO container stays while another hostdev needs it). 12.9 has no
 * iommufd test here: an iommufd hostdev's group node is denied (never allowed), the container not.
 */
export function teardownHostdev(run: CgroupRun, where: HostdevNode, domainStillNeedsVfio: boolean): void {
  if (where.path !== null) run.then(() => run.denyPath(where.path!, 'rwm'));
  if (where.vfio && !domainStillNeedsVfio) run.then(() => run.denyPath(QEMU_DEV_VFIO, 'rwm'));
}

const SGX_PATHS = ['/dev/sgx_vepc', '/dev/sgx_provision'];

/** qemuSetupMemoryDevicesCgroup. */
export function setupMemoryDevice(run: CgroupRun, device: DomainDefinition['devices']['memoryDevices'][number]): void {
  if ((device.model === 'nvdimm' || device.model === 'virtio-pmem') && device.path !== null) run.allowPath(device.path, 'rw');
  else if (device.model === 'sgx-epc') run.allowExistingPaths(SGX_PATHS, 'rw');
}

/** qemuTeardownMemoryDevicesCgroup. */
export function teardownMemoryDevice(run: CgroupRun, device: DomainDefinition['devices']['memoryDevices'][number]): void {
  if ((device.model === 'nvdimm' || device.model === 'virtio-pmem') && device.path !== null) run.denyPath(device.path, 'rwm');
  else if (device.model === 'sgx-epc') run.denyExistingPaths(SGX_PATHS, 'rw');
}

/** The backcompat console (virDomainSkipBackcompatConsole): console 0 of an HVM guest targeting serial. */
export function isBackcompatConsole(domain: DomainDefinition, index: number): boolean {
  const console = domain.devices.consoles[index];
  return index === 0 && console !== undefined && domain.osType === 'hvm' &&
    (console.targetType === 'serial' || console.targetType === null || console.targetType === 'none');
}

/**
 * The hypervisor device libvirt 12.9 allows right after the ACL list, through qemuCgroupAllowDevicePath
 * itself (no existence check: a KVM guest without /dev/kvm fails there): /dev/kvm for virtType KVM,
 * /dev/mshv for Hyper-V (read from 12.9's compiled qemuSetupCgroup; see docs).
 */
function hypervisorDevice(domain: DomainDefinition, version: LibvirtVersion): string | null {
  if (version !== '12.9') return null;
  if (domain.virtType === 'kvm') return '/dev/kvm';
  if (domain.virtType === 'hyperv') return '/dev/mshv';
  return null;
}

/**
 * qemuSetupDevicesCgroup: deny all; the ACL list; firmware; every disk's chain; the pty major; the sound
 * major (first graphics SDL); chardevs of type dev; passthrough TPMs; hostdevs; memory devices; render
 * nodes; evdev inputs; RNGs reading a host device; SEV.
 */
export function setupDevicesCgroup(scope: CgroupScope): CgroupOutcome {
  const { domain } = scope;
  const { devices } = domain;
  const run = new CgroupRun(scope);
  run.denyAll();
  run.then(() => run.allowExistingPaths(scope.deviceAcl, 'rw'));
  const hypervisor = hypervisorDevice(domain, scope.version);
  if (hypervisor !== null) run.then(() => run.allowPath(hypervisor, 'rw'));
  // qemuSetupFirmwareCgroup
  const { loader, nvram } = domain.firmware;
  if (loader !== null) run.then(() => setupImagePath(run, loader.path, loader.readonly));
  if (nvram !== null) run.then(() => setupImage(run, { type: 'file', path: nvram, dataStore: null }, false));
  for (const disk of devices.disks) run.then(() => setupImageChain(run, disk));
  run.then(() => run.allowMajor('pty', DEVICE_PTY_MAJOR));
  // with a sound card: no graphics and nogfx_allow_host_audio, VNC first and vnc_allow_host_audio, or SDL first
  const first = devices.graphics[0];
  const hostAudio = (first === undefined && scope.hostAudio?.nogfx === true) || (first === 'vnc' && scope.hostAudio?.vnc === true) || first === 'sdl';
  if (devices.sounds > 0 && hostAudio) run.then(() => run.allowMajor('sound', DEVICE_SND_MAJOR));
  // virDomainChrDefForeach: serials, parallels, channels, consoles (the backcompat console skipped)
  const chardevs = [...devices.serials, ...devices.parallels, ...devices.channels, ...devices.consoles.filter((_, index) => !isBackcompatConsole(domain, index))];
  for (const chardev of chardevs) {
    if (chardev.sourceType === 'dev' && chardev.path !== null) run.then(() => run.allowPath(chardev.path!, 'rw'));
  }
  for (const tpm of devices.tpms) {
    if (tpm.backend === 'passthrough' && tpm.path !== null) run.then(() => run.allowPath(tpm.path!, 'rw'));
  }
  for (const hostdev of devices.hostdevs) run.then(() => setupHostdev(run, hostdevCgroupPath(hostdev, scope.hostdevPaths, scope.version)));
  for (const memory of devices.memoryDevices) run.then(() => setupMemoryDevice(run, memory));
  for (const renderNode of devices.graphicsRenderNodes) run.then(() => run.allowPath(renderNode, 'rw'));
  for (const video of devices.videos) {
    if (video.renderNode !== null) run.then(() => run.allowPath(video.renderNode!, 'rw'));
    if (video.blob && scope.version !== '9.0') run.then(() => run.allowPath('/dev/udmabuf', 'rw'));
  }
  for (const input of devices.inputs) {
    if (input.path !== null) run.then(() => run.allowPath(input.path!, 'rw'));
  }
  for (const rng of devices.rngs) {
    if (rng.backend === 'random' && rng.path !== null) run.then(() => run.allowPath(rng.path!, 'rw'));
  }
  const sev = domain.launchSecurity === 'sev' || (domain.launchSecurity === 'sev-snp' && scope.version !== '9.0');
  if (sev) run.then(() => run.allowPath('/dev/sev', 'rw'));
  return run.outcome();
}
