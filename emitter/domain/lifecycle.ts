// The records libvirt 9.0's QEMU driver emits around a guest's life, in its order, from a domain
// definition and the values libvirt chooses at run time (pids, pty paths, cgroup path).
import { statSync } from 'node:fs';
import type { StartReason, StopReason } from '../../src/index.js';
import type { EmitInput } from '../emitter.js';
import { formatHexByte, formatRdev } from '../payload.js';
import type { CharDevice, DomainDefinition, Hostdev, NetInterface, SecurityLabel } from './domain-definition.js';

export type DeviceMajorMinor = { readonly major: number; readonly minor: number } | null;

/** stat() of a path: the device number of a char or block device, else null (libvirt then audits nothing). */
export function statDevice(path: string): DeviceMajorMinor {
  try {
    const info = statSync(path);
    if (!info.isCharacterDevice() && !info.isBlockDevice()) return null;
    return { major: Math.floor(info.rdev / 256) & 0xfff, minor: (info.rdev & 0xff) | ((Math.floor(info.rdev / 4096) & 0xfff00)) };
  } catch {
    return null;
  }
}

/** The devices cgroup_device_acl allows by default (qemu.conf). */
export const DEFAULT_CGROUP_DEVICE_ACL = ['/dev/null', '/dev/full', '/dev/zero', '/dev/random', '/dev/urandom', '/dev/ptmx', '/dev/kvm'];

export interface CgroupRuntime {
  /** The devices controller path of the guest (virCgroup), as libvirt prints it. */
  readonly path: string | null;
  /** qemu.conf cgroup_device_acl; paths that are not devices here are left out, as libvirt does. */
  readonly deviceAcl?: readonly string[];
}

export interface StartOptions {
  readonly reason?: StartReason;
  /** Whether the start succeeded: the res of VIRT_CONTROL (device records are always success). */
  readonly success?: boolean;
  /** The QEMU pid (0 for a failed start). */
  readonly vmPid: number;
  /** Labels generated for this start (an inactive definition has none yet). */
  readonly seclabels?: readonly SecurityLabel[];
  /** The guest's devices cgroup; null when the start failed before cgroups were set up. */
  readonly cgroup?: CgroupRuntime | null;
  /** swtpm sockets of emulated TPMs, chosen by libvirt at run time. */
  readonly tpmEmulatorSockets?: readonly string[];
  /** The tap and vhost devices qemu.conf names (bridge/network/ethernet NICs). */
  readonly tapDevice?: string;
  readonly vhostDevice?: string;
  readonly stat?: (path: string) => DeviceMajorMinor;
}

const TAP_TYPES = new Set(['network', 'bridge', 'ethernet']);

/**
 * virDomainAuditNetDevice, written while libvirt opens a NIC's host side, before the cgroup is set up:
 * the tap device for tap-backed NICs, vhost-net for virtio NICs where it exists and the driver is not
 * "qemu", the interface name (no device number) for macvtap.
 */
function netOpenRecords(domain: DomainDefinition, net: NetInterface, options: { tapDevice?: string; vhostDevice?: string; stat?: (path: string) => DeviceMajorMinor }): EmitInput[] {
  if (net.mac === null) return [];
  const stat = options.stat ?? statDevice;
  const open = (path: string, device: DeviceMajorMinor): EmitInput =>
    resource(domain, 'net', 'open', { net: net.mac, path, rdev: device === null ? null : formatRdev(device.major, device.minor) });
  if (net.type === 'direct') return net.targetDev === null ? [] : [open(net.targetDev, null)];
  if (!TAP_TYPES.has(net.type)) return [];
  const tap = options.tapDevice ?? '/dev/net/tun';
  const records = [open(tap, stat(tap))];
  const vhost = options.vhostDevice ?? '/dev/vhost-net';
  const vhostDevice = net.model === 'virtio' && net.driver !== 'qemu' ? stat(vhost) : null;
  if (vhostDevice !== null) records.push(open(vhost, vhostDevice));
  return records;
}

type Reason = string;

function control(domain: DomainDefinition, op: 'start' | 'stop', reason: Reason, vmPid: number, success: boolean): EmitInput {
  return { type: 'VIRT_CONTROL', virt: domain.virtType, op, reason, vm: domain.name, uuid: domain.uuid, 'vm-pid': vmPid, res: success ? 'success' : 'failed' };
}

function resource(domain: DomainDefinition, resrc: string, reason: Reason, fields: Record<string, unknown>, success = true): EmitInput {
  return { type: 'VIRT_RESOURCE', virt: domain.virtType, resrc, reason, vm: domain.name, uuid: domain.uuid, ...fields, res: success ? 'success' : 'failed' };
}

/** virDomainAuditGenericDev: nothing when both sides are absent. */
function generic(domain: DomainDefinition, kind: string, reason: Reason, oldValue: string | null, newValue: string | null, success = true): EmitInput[] {
  if (oldValue === null && newValue === null) return [];
  return [resource(domain, kind, reason, { [`old-${kind}`]: oldValue, [`new-${kind}`]: newValue }, success)];
}

function hostdevRecords(domain: DomainDefinition, hostdev: Hostdev, reason: Reason, success = true): EmitInput[] {
  if (hostdev.mode === 'subsystem') {
    return hostdev.device === null ? [] : [resource(domain, 'dev', reason, { bus: hostdev.bus, device: hostdev.device }, success)];
  }
  if (hostdev.kind === 'storage') return [resource(domain, 'hostdev', reason, { disk: hostdev.path }, success)];
  if (hostdev.kind === 'misc') return [resource(domain, 'hostdev', reason, { chardev: hostdev.path }, success)];
  return [];
}

function chardevRecords(domain: DomainDefinition, devices: readonly CharDevice[], reason: Reason): EmitInput[] {
  return devices.flatMap((device) => generic(domain, 'chardev', reason, null, device.path));
}

function cgroupRecords(domain: DomainDefinition, options: StartOptions): EmitInput[] {
  const cgroup = options.cgroup;
  if (!cgroup) return [];
  const stat = options.stat ?? statDevice;
  const allowPath = (path: string, acl = 'rw'): EmitInput[] => {
    const device = stat(path);
    return device === null ? [] : [resource(domain, 'cgroup', 'allow', { cgroup: cgroup.path, class: 'path', path, rdev: formatRdev(device.major, device.minor), acl })];
  };
  const { devices } = domain;
  return [
    resource(domain, 'cgroup', 'deny', { cgroup: cgroup.path, class: 'all' }),
    ...devices.disks.flatMap((path) => (path === null ? [] : allowPath(path))),
    ...(cgroup.deviceAcl ?? DEFAULT_CGROUP_DEVICE_ACL).flatMap((path) => allowPath(path)),
    resource(domain, 'cgroup', 'allow', { cgroup: cgroup.path, class: 'major', category: 'pty', maj: formatHexByte(136), acl: 'rw' }),
    ...[...devices.serials, ...devices.parallels, ...devices.channels, ...devices.consoles]
      .filter((device) => device.sourceType === 'dev' && device.path !== null)
      .flatMap((device) => allowPath(device.path!)),
    ...devices.tpms.filter((tpm) => tpm.backend === 'passthrough' && tpm.path !== null).flatMap((tpm) => allowPath(tpm.path!)),
    ...devices.rngs.filter((rng) => rng.backend === 'random' && rng.path !== null).flatMap((rng) => allowPath(rng.path!)),
    ...devices.inputs.filter((input) => input.path !== null).flatMap((input) => allowPath(input.path!)),
  ];
}

/** console[0] duplicates serial[0] on HVM guests when its target is serial (or none): libvirt skips it. */
function auditedConsoles(domain: DomainDefinition): CharDevice[] {
  return domain.devices.consoles.filter(
    (console, index) => !(index === 0 && domain.osType === 'hvm' && (console.targetType === 'serial' || console.targetType === null || console.targetType === 'none')),
  );
}

/**
 * Everything libvirt 9.0 emits for one start (qemuProcessStart … virDomainAuditStart): one
 * VIRT_MACHINE_ID per security label, the cgroup ACL records, then every device with reason=start,
 * mem, vcpu, iothread, and VIRT_CONTROL op=start.
 */
export function auditStart(domain: DomainDefinition, options: StartOptions): EmitInput[] {
  const reason = options.reason ?? 'booted';
  const { devices } = domain;
  const labels = options.seclabels ?? domain.seclabels;
  let emulatorSocket = 0;
  return [
    ...labels.map((label): EmitInput => ({
      type: 'VIRT_MACHINE_ID', virt: domain.virtType, vm: domain.name, uuid: domain.uuid,
      'vm-ctx': label.label, 'img-ctx': label.imageLabel, model: label.model, res: 'success',
    })),
    ...devices.nets.flatMap((net) => netOpenRecords(domain, net, options)),
    ...cgroupRecords(domain, options),
    ...devices.disks.flatMap((path) => generic(domain, 'disk', 'start', null, path)),
    ...devices.filesystems.flatMap((path) => generic(domain, 'fs', 'start', null, path)),
    ...devices.nets.flatMap((net) => generic(domain, 'net', 'start', null, net.mac)),
    ...devices.hostdevs.flatMap((hostdev) => hostdevRecords(domain, hostdev, 'start')),
    ...Array.from({ length: devices.redirdevs }, () => resource(domain, 'dev', 'start', { bus: 'usb', device: 'USB redirdev' })),
    ...chardevRecords(domain, devices.serials, 'start'),
    ...chardevRecords(domain, devices.parallels, 'start'),
    ...chardevRecords(domain, devices.channels, 'start'),
    ...chardevRecords(domain, auditedConsoles(domain), 'start'),
    ...devices.smartcards.flatMap((card) => {
      if (card.mode === 'host') return generic(domain, 'smartcard', 'start', null, 'nss-smartcard-device');
      if (card.mode === 'host-certificates') {
        return [...card.certificates, card.database].flatMap((path) => generic(domain, 'smartcard', 'start', null, path));
      }
      return generic(domain, 'smartcard', 'start', null, card.path);
    }),
    ...devices.rngs.flatMap((rng) => generic(domain, 'rng', 'start', null, rng.path)),
    ...devices.tpms.flatMap((tpm) => {
      if (tpm.backend === 'emulator') return [resource(domain, 'tpm-emulator', 'start', { device: options.tpmEmulatorSockets?.[emulatorSocket++] ?? null })];
      return [resource(domain, tpm.backend === 'passthrough' ? 'tpm' : 'tpm-external', 'start', { device: tpm.path })];
    }),
    ...devices.shmems.map((shmem) =>
      shmem.server === null
        ? resource(domain, 'shmem', 'start', { size: shmem.sizeBytes, path: `/dev/shm/${shmem.name}` })
        : resource(domain, 'ivshmem-socket', 'start', { path: shmem.server.path }),
    ),
    ...devices.inputs.filter((input) => input.path !== null).map((input) => resource(domain, 'evdev', 'start', { path: input.path })),
    resource(domain, 'mem', 'start', { 'old-mem': 0, 'new-mem': domain.memoryKiB }),
    resource(domain, 'vcpu', 'start', { 'old-vcpu': 0, 'new-vcpu': domain.vcpus }),
    ...(domain.iothreads > 0 ? [resource(domain, 'iothread', 'start', { 'old-iothread': 0, 'new-iothread': domain.iothreads })] : []),
    control(domain, 'start', reason, options.success === false ? 0 : options.vmPid, options.success !== false),
  ];
}

/** What libvirt emits when a guest stops: VIRT_CONTROL op=stop with vm-pid 0 (the pid is already reset). */
export function auditStop(domain: DomainDefinition, reason: StopReason): EmitInput[] {
  return [control(domain, 'stop', reason, 0, true)];
}

export interface HotplugOptions {
  readonly success?: boolean;
  readonly tapDevice?: string;
  readonly vhostDevice?: string;
  /** The guest's devices cgroup, for devices whose host path libvirt allows on attach. */
  readonly cgroup?: CgroupRuntime | null;
  readonly stat?: (path: string) => DeviceMajorMinor;
}

/**
 * Records for one device attached to (or detached from) a running guest. `device` is the device alone,
 * parsed with parseDeviceXml. RNG attach, as observed on libvirt 9.0, writes only the cgroup allow of
 * its source, no rng record.
 */
export function auditHotplug(domain: DomainDefinition, device: DomainDefinition, action: 'attach' | 'detach', options: HotplugOptions = {}): EmitInput[] {
  const success = options.success ?? true;
  const { devices } = device;
  const stat = options.stat ?? statDevice;
  const cgroupAllow = (path: string | null): EmitInput[] => {
    if (action !== 'attach' || !options.cgroup || path === null) return [];
    const number = stat(path);
    return number === null ? [] : [resource(domain, 'cgroup', 'allow', { cgroup: options.cgroup.path, class: 'path', path, rdev: formatRdev(number.major, number.minor), acl: 'rw' })];
  };
  const pair = (value: string | null): [string | null, string | null] => (action === 'attach' ? [null, value] : [value, null]);
  return [
    ...devices.disks.flatMap((path) => generic(domain, 'disk', action, ...pair(path), success)),
    ...devices.filesystems.flatMap((path) => generic(domain, 'fs', action, ...pair(path), success)),
    ...devices.nets.flatMap((net) => [
      ...(action === 'attach' ? netOpenRecords(domain, net, options) : []),
      ...generic(domain, 'net', action, ...pair(net.mac), success),
    ]),
    ...devices.hostdevs.flatMap((hostdev) => hostdevRecords(domain, hostdev, action, success)),
    ...Array.from({ length: devices.redirdevs }, () => resource(domain, 'dev', action, { bus: 'usb', device: 'USB redirdev' }, success)),
    ...[...devices.serials, ...devices.parallels, ...devices.channels, ...devices.consoles].flatMap((chr) => generic(domain, 'chardev', action, ...pair(chr.path), success)),
    ...devices.rngs.flatMap((rng) => (action === 'attach' ? cgroupAllow(rng.backend === 'random' ? rng.path : null) : generic(domain, 'rng', action, ...pair(rng.path), success))),
    ...devices.shmems.map((shmem) =>
      shmem.server === null
        ? resource(domain, 'shmem', action, { size: shmem.sizeBytes, path: `/dev/shm/${shmem.name}` }, success)
        : resource(domain, 'ivshmem-socket', action, { path: shmem.server.path }, success),
    ),
    ...devices.inputs.filter((input) => input.path !== null).map((input) => resource(domain, 'evdev', action, { path: input.path }, success)),
  ];
}

/** A live change of a counted resource: memory modules (KiB), vCPUs, IOThreads. */
export function auditResourceUpdate(domain: DomainDefinition, kind: 'mem' | 'vcpu' | 'iothread', oldValue: number, newValue: number, success = true): EmitInput[] {
  return [resource(domain, kind, 'update', { [`old-${kind}`]: oldValue, [`new-${kind}`]: newValue }, success)];
}
