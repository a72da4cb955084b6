// What libvirt's audit code reads from a domain definition (libvirt 9.0, src/conf/domain_audit.c).

export interface SecurityLabel {
  readonly model: string | null;
  readonly label: string | null;
  readonly imageLabel: string | null;
}

/** A character device's host side: the path libvirt audits, or null for network/virtual backends. */
export interface CharDevice {
  readonly sourceType: string;
  readonly path: string | null;
  /** `<target type=…>` (consoles: serial, virtio …). */
  readonly targetType: string | null;
}

export type Hostdev =
  | {
    readonly mode: 'subsystem';
    readonly bus: 'usb' | 'pci' | 'scsi' | 'scsi_host' | 'mdev';
    readonly device: string | null;
    /** PCI: assigned through VFIO (`<driver name='vfio'/>`, the QEMU default). */
    readonly vfio: boolean;
    /**
     * PCI through VFIO with `<driver iommufd='yes'/>` (libvirt 12.x): libvirt opens /dev/iommu and the
     * device's VFIO cdev itself and hands QEMU the descriptors. Earlier releases ignore the attribute.
     */
    readonly iommufd: boolean;
    /** `<readonly/>` (SCSI: allowed read-only). */
    readonly readonly: boolean;
    /** USB: the source has a bus/device address (one given by vendor/product has none until libvirt finds it). */
    readonly located: boolean;
  }
  | { readonly mode: 'capabilities'; readonly kind: 'storage' | 'misc' | 'net'; readonly path: string | null };

export interface Smartcard {
  readonly mode: 'host' | 'host-certificates' | 'passthrough';
  /** host-certificates: the three certificate names, then the NSS database. */
  readonly certificates: readonly string[];
  readonly database: string | null;
  /** passthrough: the chardev source path. */
  readonly path: string | null;
}

export interface Rng {
  readonly backend: 'random' | 'egd' | 'builtin';
  readonly path: string | null;
}

export interface Tpm {
  readonly backend: 'passthrough' | 'emulator' | 'external';
  /** passthrough: the host device; external: the socket; emulator: known only at run time. */
  readonly path: string | null;
}

export interface Shmem {
  readonly name: string;
  readonly sizeBytes: number;
  /** ivshmem-doorbell / a `<server>`: the server socket path. */
  readonly server: { readonly path: string | null } | null;
}

export interface Input {
  readonly type: string;
  /** passthrough / evdev inputs: the host event device. */
  readonly path: string | null;
}

/**
 * One image of a disk's chain (virStorageSource): the top image, a backing image, or a qcow2 data file.
 * Only local storage (file, block, dir) has a path libvirt audits or puts in the cgroup.
 */
export interface StorageSource {
  /** `type=` of `<disk>` / `<backingStore>` / `<dataStore>`: file, block, dir, network, volume, nvme … */
  readonly type: string;
  /** The local path (file, block device, directory); null for non-local storage or an empty drive. */
  readonly path: string | null;
  /** `<dataStore>` (qcow2 data-file, libvirt 10.10+): allowed with its image. */
  readonly dataStore: StorageSource | null;
  /** `<reservations managed='yes'/>`: libvirt's pr-helper needs /dev/mapper/control. */
  readonly managedReservations?: boolean;
  /** type nvme: the controller's PCI address ("0000:01:00.0"), whose IOMMU group the cgroup allows. */
  readonly nvmeAddress?: string | null;
}

export interface Disk {
  /** `<disk device=…>`: disk, cdrom, floppy, lun. */
  readonly device: string;
  /** `<target dev=…>`: how libvirt finds the disk whose media changes. */
  readonly target: string | null;
  /** `<target bus=…>`, or libvirt's default for the device and target name (virDomainDiskDefPostParse). */
  readonly bus: string;
  /** The top image. */
  readonly source: StorageSource;
  /** `<readonly/>`, and every cdrom (virDomainDiskDefPostParse forces cdroms read-only). */
  readonly readonly: boolean;
  /** The backing images below the top one, in chain order (`<backingStore>` of the live XML). */
  readonly backingChain: readonly StorageSource[];
  /** `<transient/>` without shareBacking='yes': libvirt puts an overlay over it at start. */
  readonly transient: boolean;
}

/** `<os><loader>` and `<nvram>`: firmware images the cgroup allows before the disks. */
export interface Firmware {
  readonly loader: { readonly path: string; readonly readonly: boolean } | null;
  readonly nvram: string | null;
}

/** `<memory model=…>` devices whose host backing libvirt allows in the cgroup. */
export interface MemoryDevice {
  readonly model: string;
  /** nvdimm / virtio-pmem: the backing path. */
  readonly path: string | null;
  /** `<target><size>` in KiB: what the module adds to the guest's total. */
  readonly sizeKiB: number;
}

export interface NetInterface {
  readonly mac: string | null;
  /** `<interface type=…>`: network, bridge, ethernet (tap), direct (macvtap), user … */
  readonly type: string;
  readonly model: string | null;
  /** `<driver name=…>`: qemu turns vhost-net off. */
  readonly driver: string | null;
  /** `<target dev=…>`: the host interface (macvtap name). */
  readonly targetDev: string | null;
  /** `<backend tap=… vhost=…>`: the devices libvirt opens instead of /dev/net/tun and /dev/vhost-net. */
  readonly backendTap: string | null;
  readonly backendVhost: string | null;
}

export interface DomainDevices {
  readonly disks: readonly Disk[];
  readonly filesystems: readonly (string | null)[];
  readonly nets: readonly NetInterface[];
  readonly hostdevs: readonly Hostdev[];
  readonly redirdevs: number;
  readonly serials: readonly CharDevice[];
  readonly parallels: readonly CharDevice[];
  readonly channels: readonly CharDevice[];
  readonly consoles: readonly CharDevice[];
  readonly smartcards: readonly Smartcard[];
  readonly rngs: readonly Rng[];
  readonly tpms: readonly Tpm[];
  readonly shmems: readonly Shmem[];
  readonly inputs: readonly Input[];
  readonly memoryDevices: readonly MemoryDevice[];
  readonly sounds: number;
  /** `<graphics type=…>` in order (the first decides whether host audio is allowed). */
  readonly graphics: readonly string[];
  /** Render nodes of `<graphics><gl rendernode=…>` and of `<video><acceleration rendernode=…>`. */
  readonly graphicsRenderNodes: readonly string[];
  readonly videos: readonly { readonly renderNode: string | null; readonly blob: boolean }[];
}

export interface DomainDefinition {
  readonly name: string;
  readonly uuid: string;
  /** `<domain type=…>`: kvm, qemu, lxc … (libvirt's virt= value). */
  readonly virtType: string;
  /** `<os><type>`: hvm, exe (LXC) … */
  readonly osType: string;
  /** Total memory in KiB, memory modules included (virDomainDefGetMemoryTotal). */
  readonly memoryKiB: number;
  /** Online vCPUs (virDomainDefGetVcpus). */
  readonly vcpus: number;
  readonly iothreads: number;
  readonly seclabels: readonly SecurityLabel[];
  readonly firmware: Firmware;
  /** `<launchSecurity type=…>`: sev, sev-snp, s390-pv, tdx … or null. */
  readonly launchSecurity: string | null;
  readonly devices: DomainDevices;
}
