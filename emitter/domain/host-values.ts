// What libvirt reads from its host at run time, given as inputs so that a rendering made on another host
// from the same inputs is identical; stat() on the rendering host only for what is not given.
import { statSync } from 'node:fs';

/** The libvirt releases whose rules the builder knows (docs/libvirt-rules.md). */
export const LIBVIRT_VERSIONS = ['9.0', '11.3', '12.9'] as const;
/** A libvirt release whose rules the builders know. */
export type LibvirtVersion = (typeof LIBVIRT_VERSIONS)[number];

/** A device node's numbers, as stat() gives them. */
export interface DeviceNumber {
  /** The major number. */
  readonly major: number;
  /** The minor number. */
  readonly minor: number;
  /** A character or block device. */
  readonly kind: 'char' | 'block';
}

/** The run-time values of the journal contract (scripts/lab/journal.ts writes this shape). */
export interface HostValues {
  /**
   * stat() on the guest's host of each path libvirt checks: its device number, null = exists but is not
   * a char/block device, or "missing" = not there (stat() failed): where libvirt allows or denies such a
   * path it writes a failed record, `rdev=?`, and stops. A path not listed falls back to stat() on the
   * rendering host.
   */
  readonly devices?: Readonly<Record<string, DeviceState>>;
  /** Whether libvirt opened /dev/vhost-net for each NIC, by MAC. */
  readonly vhostNet?: Readonly<Record<string, boolean>>;
  /** The tap device path libvirt opened (default /dev/net/tun). */
  readonly tapDevice?: string;
  /** swtpm socket paths of emulated TPMs, in device order. */
  readonly tpmEmulatorSockets?: readonly string[];
  /** qemu.conf cgroup_device_acl in effect (absent = libvirt's default list for that version). */
  readonly cgroupDeviceAcl?: readonly string[];
  /** qemu.conf vnc_allow_host_audio and nogfx_allow_host_audio (default off). An addition to the contract. */
  readonly vncAllowHostAudio?: boolean;
  /** qemu.conf nogfx_allow_host_audio (default off). */
  readonly nogfxAllowHostAudio?: boolean;
  /**
   * Host device nodes libvirt finds in sysfs for hostdevs, keyed by the audited device (PCI address
   * "0000:01:00.0", SCSI "scsi_host0:0:0:0", mdev UUID): the VFIO group (/dev/vfio/N) or /dev/sgN.
   * An addition to the journal contract; without it those hostdevs get no cgroup records.
   */
  readonly hostdevPaths?: Readonly<Record<string, string>>;
  /**
   * The device-mapper targets libvirt allows after a block device (virDevMapperGetTargets: "/dev/block/M:m"
   * of every dependency, depth first), by device path. An addition to the journal contract.
   */
  readonly deviceMapperTargets?: Readonly<Record<string, readonly string[]>>;
  /** Security labels generated for this start (for a failed start too). */
  readonly seclabels?: readonly {
    /** The driver: selinux, apparmor, dac. */
    model: string | null;
    /** The process label. */
    label: string | null;
    /** The image label. */
    imageLabel: string | null;
  }[];
}

/** A path as a host-values file gives it: a device, null (something else), or "missing" (nothing there). */
export type DeviceState = DeviceNumber | null | 'missing';

/** What stat() tells libvirt about a path: a device, something else, or nothing there. */
export type PathState = DeviceNumber | 'not-a-device' | 'missing';

/** How a builder learns what a path is on the guest's host (see {@link statPath}). */
export type StatPath = (path: string) => PathState;

/**
 * stat() on this host, as libvirt's virCgroupAllowDevicePath and virDomainAuditGetRdev do.
 *
 * @param path - The path.
 * @returns Its device numbers, `not-a-device`, or `missing`.
 */
export function statPath(path: string): PathState {
  try {
    const info = statSync(path);
    if (!info.isCharacterDevice() && !info.isBlockDevice()) return 'not-a-device';
    // glibc's major()/minor() of a Linux dev_t
    const rdev = info.rdev;
    const major = ((rdev >>> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
    const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
    return { major, minor, kind: info.isCharacterDevice() ? 'char' : 'block' };
  } catch {
    return 'missing';
  }
}

/**
 * stat() on the rendering host as a stand-in for the guest's host: a path missing here is taken as one
 * that is no device there (no record), not as the failure it would be on the guest's host — images and
 * sockets of a capture made elsewhere are usually not here. A failure is rendered from a `stat` option.
 */
export const statHere: StatPath = (path) => {
  const state = statPath(path);
  return state === 'missing' ? 'not-a-device' : state;
};

/** A path's state from the host values, else from `fallback` (default: statHere). */
export function hostPathState(values: HostValues | undefined, fallback: StatPath = statHere): StatPath {
  return (path) => {
    const given = values?.devices;
    if (given !== undefined && Object.hasOwn(given, path)) return given[path] ?? 'not-a-device';
    return fallback(path);
  };
}
