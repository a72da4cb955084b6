// What libvirt's audit code reads from a domain definition (libvirt 9.0, src/conf/domain_audit.c).

/** A `<seclabel>`: the security driver and the labels of the guest process and its images. */
export interface SecurityLabel {
  /** The driver: selinux, apparmor, dac. */
  readonly model: string | null;
  /** The process label (`<label>`). */
  readonly label: string | null;
  /** The image label (`<imagelabel>`). */
  readonly imageLabel: string | null;
}

/** A character device's host side: the path libvirt audits, or null for network/virtual backends. */
export interface CharDevice {
  /** `<… type=…>` of the source: pty, file, dev, unix, tcp … */
  readonly sourceType: string;
  /** The host path libvirt audits; null for network and virtual backends. */
  readonly path: string | null;
  /** `<target type=…>` (consoles: serial, virtio …). */
  readonly targetType: string | null;
}

/** A `<hostdev>`: a host device passed through (subsystem mode) or a host resource (capabilities mode). */
export type Hostdev =
  | {
    /** `mode='subsystem'`: a USB, PCI, SCSI, SCSI host or mediated device. */
    readonly mode: 'subsystem';
    /** Its bus. */
    readonly bus: 'usb' | 'pci' | 'scsi' | 'scsi_host' | 'mdev';
    /** Its address as libvirt audits it (bus:device, PCI address, SCSI address, wwpn, mdev UUID). */
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
  | {
    /** `mode='capabilities'` (LXC): a host block device, character device or interface. */
    readonly mode: 'capabilities';
    /** `storage` (block), `misc` (char) or `net`. */
    readonly kind: 'storage' | 'misc' | 'net';
    /** The device path (storage, misc); null for net. */
    readonly path: string | null;
  };

/** A `<smartcard>`. */
export interface Smartcard {
  /** Its mode. */
  readonly mode: 'host' | 'host-certificates' | 'passthrough';
  /** host-certificates: the three certificate names, then the NSS database. */
  readonly certificates: readonly string[];
  /** host-certificates: the NSS database directory, if given. */
  readonly database: string | null;
  /** passthrough: the chardev source path. */
  readonly path: string | null;
}

/** An `<rng>`. */
export interface Rng {
  /** Its backend model. */
  readonly backend: 'random' | 'egd' | 'builtin';
  /** random: the device (/dev/urandom…); egd: the chardev source path; builtin: null. */
  readonly path: string | null;
}

/** A `<tpm>`. */
export interface Tpm {
  /** Its backend type. */
  readonly backend: 'passthrough' | 'emulator' | 'external';
  /** passthrough: the host device; external: the socket; emulator: known only at run time. */
  readonly path: string | null;
}

/** A `<shmem>` (ivshmem). */
export interface Shmem {
  /** Its name (`/dev/shm/NAME`). */
  readonly name: string;
  /** Its size in bytes. */
  readonly sizeBytes: number;
  /** ivshmem-doorbell / a `<server>`: the server socket path. */
  readonly server: {
    /** The server socket. */
    readonly path: string | null;
  } | null;
}

/** An `<input>`. */
export interface Input {
  /** `type=`: mouse, keyboard, tablet, passthrough, evdev … */
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

/** A `<disk>`. */
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
  /** `<loader>`: its path and whether it is read-only. */
  readonly loader: {
    /** The loader image. */
    readonly path: string;
    /** `readonly='yes'`. */
    readonly readonly: boolean;
  } | null;
  /** `<nvram>`: the variable store's path. */
  readonly nvram: string | null;
}

/** `<memory model=…>` devices whose host backing libvirt allows in the cgroup. */
export interface MemoryDevice {
  /** `model=`: dimm, nvdimm, virtio-pmem, virtio-mem … */
  readonly model: string;
  /** nvdimm / virtio-pmem: the backing path. */
  readonly path: string | null;
  /** `<target><size>` in KiB: what the module adds to the guest's total. */
  readonly sizeKiB: number;
}

/** An `<interface>`. */
export interface NetInterface {
  /** `<mac address=…>`, lower case. */
  readonly mac: string | null;
  /** `<interface type=…>`: network, bridge, ethernet (tap), direct (macvtap), user … */
  readonly type: string;
  /** `<model type=…>`: virtio, e1000 … */
  readonly model: string | null;
  /** `<driver name=…>`: qemu turns vhost-net off. */
  readonly driver: string | null;
  /** `<target dev=…>`: the host interface (macvtap name). */
  readonly targetDev: string | null;
  /** `<backend tap=… vhost=…>`: the devices libvirt opens instead of /dev/net/tun and /dev/vhost-net. */
  readonly backendTap: string | null;
  /** `<backend vhost=…>`. */
  readonly backendVhost: string | null;
}

/** The `<devices>` libvirt's audit code reads, in document order. */
export interface DomainDevices {
  /** `<disk>`s. */
  readonly disks: readonly Disk[];
  /** `<filesystem>`s: each one's source path (null where it has none). */
  readonly filesystems: readonly (string | null)[];
  /** `<interface>`s. */
  readonly nets: readonly NetInterface[];
  /** `<hostdev>`s. */
  readonly hostdevs: readonly Hostdev[];
  /** How many `<redirdev>`s (each audited as `resrc=dev bus=usb device="USB redirdev"`). */
  readonly redirdevs: number;
  /** `<serial>`s. */
  readonly serials: readonly CharDevice[];
  /** `<parallel>`s. */
  readonly parallels: readonly CharDevice[];
  /** `<channel>`s. */
  readonly channels: readonly CharDevice[];
  /** `<console>`s. */
  readonly consoles: readonly CharDevice[];
  /** `<smartcard>`s. */
  readonly smartcards: readonly Smartcard[];
  /** `<rng>`s. */
  readonly rngs: readonly Rng[];
  /** `<tpm>`s. */
  readonly tpms: readonly Tpm[];
  /** `<shmem>`s. */
  readonly shmems: readonly Shmem[];
  /** `<input>`s. */
  readonly inputs: readonly Input[];
  /** `<memory>` devices. */
  readonly memoryDevices: readonly MemoryDevice[];
  /** How many `<sound>`s (with host audio allowed, the cgroup allows the sound major). */
  readonly sounds: number;
  /** `<graphics type=…>` in order (the first decides whether host audio is allowed). */
  readonly graphics: readonly string[];
  /** Render nodes of `<graphics><gl rendernode=…>` and of `<video><acceleration rendernode=…>`. */
  readonly graphicsRenderNodes: readonly string[];
  /** `<video>`s: each one's render node and whether it uses blob resources. */
  readonly videos: readonly {
    /** `<acceleration rendernode=…>`. */
    readonly renderNode: string | null;
    /** `<model blob='on'>` (libvirt 11.3+ allows /dev/udmabuf). */
    readonly blob: boolean;
  }[];
}

/** What libvirt's audit code reads from a domain definition (parseDomainXml makes it from the live XML). */
export interface DomainDefinition {
  /** `<name>`. */
  readonly name: string;
  /** `<uuid>`, as libvirt formats it (lower case). */
  readonly uuid: string;
  /** `<domain type=…>`: kvm, qemu, lxc … (libvirt's virt= value). */
  readonly virtType: string;
  /** `<os><type>`: hvm, exe (LXC) … */
  readonly osType: string;
  /** Total memory in KiB, memory modules included (virDomainDefGetMemoryTotal). */
  readonly memoryKiB: number;
  /** Online vCPUs (virDomainDefGetVcpus). */
  readonly vcpus: number;
  /** `<iothreads>`. */
  readonly iothreads: number;
  /** `<seclabel>`s. */
  readonly seclabels: readonly SecurityLabel[];
  /** Loader and NVRAM. */
  readonly firmware: Firmware;
  /** `<launchSecurity type=…>`: sev, sev-snp, s390-pv, tdx … or null. */
  readonly launchSecurity: string | null;
  /** Its devices. */
  readonly devices: DomainDevices;
}
