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
  | { readonly mode: 'subsystem'; readonly bus: 'usb' | 'pci' | 'scsi' | 'scsi_host' | 'mdev'; readonly device: string | null }
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

export interface NetInterface {
  readonly mac: string | null;
  /** `<interface type=…>`: network, bridge, ethernet (tap), direct (macvtap), user … */
  readonly type: string;
  readonly model: string | null;
  /** `<driver name=…>`: qemu turns vhost-net off. */
  readonly driver: string | null;
  /** `<target dev=…>`: the host interface (macvtap name). */
  readonly targetDev: string | null;
}

export interface DomainDevices {
  /** Local disk paths (file, block, dir); null for network and other non-local storage. */
  readonly disks: readonly (string | null)[];
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
  readonly devices: DomainDevices;
}
