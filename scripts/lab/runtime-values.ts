// Run-time values libvirt chose or read for a guest, read back from the host: the cgroup it placed the
// QEMU process in (as virDomainAuditCgroup prints it: the devices controller's directory with a
// trailing slash), and the host values of the journal's `runtime` (journal.ts HostValues).
import { existsSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import type { DeviceState, HostValues, SeclabelValue } from './journal.js';

interface Mount {
  readonly point: string;
  readonly type: string;
  readonly options: string;
}

function mounts(): Mount[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const [type = '', , options = ''] = right.split(' ');
    return { point: left.split(' ')[4] ?? '', type, options };
  });
}

/**
 * The cgroup directory under which libvirt places guests (the `machine` partition of the hierarchy
 * guestCgroupPath reads), to watch for a failing guest's short-lived directory.
 */
export function machineCgroupDirectory(): string | null {
  const all = mounts();
  const mount = all.find((entry) => entry.type === 'cgroup2')
    ?? all.find((entry) => entry.type === 'cgroup' && entry.options.split(',').includes('devices'));
  return mount ? `${mount.point}/machine` : null;
}

/**
 * The guest's devices cgroup: libvirt's unified (v2, BPF device filter) hierarchy where cgroup2 is
 * mounted, otherwise the v1 devices controller. QEMU itself runs in the `emulator` child; libvirt
 * audits the guest's own directory. The mount point is the one libvirtd sees last in its mount table
 * (virCgroupV2DetectMounts / virCgroupV1DetectMounts keep the last match): for a libvirtd chrooted at
 * `root`, only the mounts under it, as it names them; for the host's, every one — a chroot's own cgroup
 * mount included when one is mounted (a migration lab).
 */
export function guestCgroupPath(qemuPid: number, root = ''): string {
  const lines = readFileSync(`/proc/${qemuPid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  const all = mounts().flatMap((mount) => (root === '' ? [mount] : mount.point.startsWith(`${root}/`) ? [{ ...mount, point: mount.point.slice(root.length) }] : []));
  const unified = all.findLast((mount) => mount.type === 'cgroup2');
  const v1Devices = all.findLast((mount) => mount.type === 'cgroup' && mount.options.split(',').includes('devices'));
  const placement = (hierarchy: (controllers: string) => boolean): string | undefined =>
    lines.map((line) => /^\d+:([^:]*):(.*)$/.exec(line)).find((match) => match && hierarchy(match[1]!))?.[2];
  const [mount, path] = unified
    ? [unified.point, placement((controllers) => controllers === '')]
    : [v1Devices?.point, placement((controllers) => controllers.split(',').includes('devices'))];
  if (!mount || path === undefined) throw new Error(`no devices cgroup for pid ${qemuPid}`);
  return `${mount}${path.replace(/\/emulator$/, '')}/`;
}

/**
 * Every device path some libvirt version may put in a guest's cgroup ACL whatever its XML says: the
 * default cgroup_device_acl lists of 9.0 to 12.9 (/dev/userfaultfd from 10.1; /dev/kvm, /dev/mshv by
 * virtualization type later), the net and vhost devices, and the newer optional ones (SEV, udmabuf,
 * iommufd).
 */
export const HOST_DEVICE_PATHS = [
  '/dev/null', '/dev/full', '/dev/zero', '/dev/random', '/dev/urandom', '/dev/ptmx', '/dev/kvm', '/dev/userfaultfd', '/dev/mshv',
  '/dev/vhost-net', '/dev/vhost-vsock', '/dev/net/tun', '/dev/sev', '/dev/udmabuf', '/dev/iommu',
];

const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&apos;': "'", '&quot;': '"' };
const unescapeXml = (text: string) => text.replace(/&(?:amp|lt|gt|apos|quot);/g, (entity) => XML_ENTITIES[entity]!);

/** Every absolute path a domain or device XML names, in attributes or text: images, chardevs, evdevs, RNG, TPM, hostdev nodes. */
export function pathsInXml(xml: string): string[] {
  const found = new Set<string>();
  for (const match of xml.matchAll(/=\s*(?:'(\/[^']*)'|"(\/[^"]*)")|>\s*(\/[^<]*?)\s*</g)) {
    const path = unescapeXml(match[1] ?? match[2] ?? match[3] ?? '');
    if (path !== '' && !path.includes('\n')) found.add(path);
  }
  return [...found];
}

/**
 * stat() of a path as the guest's libvirtd sees it (under `root` for a chroot): its device number, null
 * when it is no device, "missing" when stat() fails (libvirt then writes a failed record, rdev=?; EACCES,
 * which libvirt ignores like a file, reads as no device).
 */
export function deviceNumber(root: string, path: string): DeviceState {
  let info: BigIntStats;
  try {
    info = statSync(`${root}${path}`, { bigint: true });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EACCES' ? null : 'missing';
  }
  const kind = info.isCharacterDevice() ? 'char' : info.isBlockDevice() ? 'block' : null;
  if (kind === null) return null;
  // glibc's major()/minor() of a 64-bit dev_t.
  const major = Number(((info.rdev >> 8n) & 0xfffn) | ((info.rdev >> 32n) & ~0xfffn));
  const minor = Number((info.rdev & 0xffn) | ((info.rdev >> 12n) & ~0xffn));
  return { major, minor, kind };
}

/** The `cgroup_device_acl` of a qemu.conf, or undefined where it is not set (libvirt's default list). */
export function cgroupDeviceAcl(qemuConf: string): string[] | undefined {
  if (!existsSync(qemuConf)) return undefined;
  const text = readFileSync(qemuConf, 'utf8').split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
  const match = /^\s*cgroup_device_acl\s*=\s*\[([^\]]*)\]/m.exec(text);
  return match ? [...match[1]!.matchAll(/"([^"]*)"/g)].map((entry) => entry[1]!) : undefined;
}

/** QEMU's command line, NUL-split, or [] when the process is gone. */
function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Whether libvirt handed QEMU a vhost-net descriptor for each NIC, read from QEMU's command line:
 * `-netdev …,id=hostnetN,vhost=on|vhostfd=…` joined to `-device …,netdev=hostnetN,mac=…`.
 */
export function vhostNetByMac(cmdline: readonly string[]): Record<string, boolean> {
  const vhostByNetdev = new Map<string, boolean>();
  const macByNetdev = new Map<string, string>();
  for (const text of cmdline) {
    const id = /(?:^|[,"{ ])"?id"?[=:]\s*"?(hostnet\d+|hostua-[^",]+|net\d+)"?/.exec(text)?.[1];
    if (/(^|,|")(type"?[=:]"?)?(tap|user|vhost-user|stream|dgram)\b/.test(text) && id) {
      vhostByNetdev.set(id, /vhost"?[=:]\s*"?(on|true)|vhostfd/.test(text));
    }
    const netdev = /netdev"?[=:]\s*"?([^",]+)"?/.exec(text)?.[1];
    const mac = /mac"?[=:]\s*"?([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(text)?.[1];
    if (netdev && mac) macByNetdev.set(netdev, mac.toLowerCase());
  }
  const result: Record<string, boolean> = {};
  for (const [netdev, mac] of macByNetdev) result[mac] = vhostByNetdev.get(netdev) ?? false;
  return result;
}

/** The swtpm sockets QEMU connects its TPM emulators to, in order (`-chardev socket,id=chrtpm…,path=…`). */
export function tpmEmulatorSockets(cmdline: readonly string[]): string[] {
  return cmdline.flatMap((argument) => {
    if (!/chrtpm/.test(argument)) return [];
    const path = /path"?[=:]\s*"?([^",]+)/.exec(argument)?.[1];
    return path ? [path] : [];
  });
}

export interface RuntimeSource {
  /** The chroot libvirtd runs in ('' for the host's). */
  readonly root: string;
  /** The qemu.conf that libvirtd read (a host path). */
  readonly qemuConf: string;
}

/**
 * The run-time values libvirt read for one step: device numbers of every path it may check (the fixed
 * list, every path of the guest's live XML and of the device), vhost-net per NIC and TPM sockets from
 * QEMU's command line when it runs, the tap device, qemu.conf's ACL list, the labels of the live XML.
 */
export function hostValues(source: RuntimeSource, xmls: readonly string[], options: { qemuPid?: number; seclabels?: readonly SeclabelValue[] } = {}): HostValues {
  const devices: Record<string, DeviceState> = {};
  for (const path of [...HOST_DEVICE_PATHS, ...xmls.flatMap(pathsInXml)]) devices[path] = deviceNumber(source.root, path);
  const cmdline = options.qemuPid === undefined ? [] : commandLine(options.qemuPid);
  const acl = cgroupDeviceAcl(source.qemuConf);
  const sockets = tpmEmulatorSockets(cmdline);
  return {
    devices,
    ...(cmdline.length > 0 ? { vhostNet: vhostNetByMac(cmdline) } : {}),
    tapDevice: '/dev/net/tun',
    ...(sockets.length > 0 ? { tpmEmulatorSockets: sockets } : {}),
    ...(acl ? { cgroupDeviceAcl: acl } : {}),
    ...(options.seclabels ? { seclabels: options.seclabels } : {}),
  };
}
