// TypeScript types of the JSON form of every libvirt 9.0 record layout (src/libvirt/layouts.ts). A test
// checks each type's fields against its layout.
import type { START_REASONS, STOP_REASONS, VIRT_TYPES } from '../libvirt/value-classes.js';

export type VirtType = (typeof VIRT_TYPES)[number];
export type StartReason = (typeof START_REASONS)[number];
export type StopReason = (typeof STOP_REASONS)[number];
export type AuditResult = 'success' | 'failed';

/** What every record carries besides the libvirt payload: where and when, the kernel header, libaudit's tail. */
export interface RecordEnvelope {
  node: string | null;
  time: string | null;
  serial: number | null;
  pid: number;
  uid: number | string;
  auid: number | string;
  ses: number | string;
  subj?: string | null;
  exe: string | null;
  hostname: string | null;
  addr: string | null;
  terminal: string | null;
  res: AuditResult;
  enrichment?: Record<string, string | null>;
  form?: 'printk' | 'journald' | 'interpreted';
  lossy?: true;
  timeText?: string;
  duplicates?: Array<{ name: string; value: string | number | null }>;
  file?: string;
  line?: number;
}

interface Domain {
  virt: VirtType;
  vm: string;
  uuid: string;
}

export type VirtControlStart = RecordEnvelope & Domain & { type: 'VIRT_CONTROL'; op: 'start'; reason: StartReason; 'vm-pid': number };
export type VirtControlStop = RecordEnvelope & Domain & { type: 'VIRT_CONTROL'; op: 'stop'; reason: StopReason; 'vm-pid': number };
export type VirtControlInit = RecordEnvelope &
  Domain & { type: 'VIRT_CONTROL'; op: 'init'; 'vm-pid': number; 'init-pid': number; 'pid-ns': number };
export type VirtControlRecord = VirtControlStart | VirtControlStop | VirtControlInit;

export type VirtMachineIdRecord = RecordEnvelope &
  Domain & { type: 'VIRT_MACHINE_ID'; 'vm-ctx': string | null; 'img-ctx': string | null; model: string | null };

type DeviceReason = 'start' | 'attach' | 'detach';
type Resource<Kind extends string, Reason extends string> = RecordEnvelope & Domain & { type: 'VIRT_RESOURCE'; resrc: Kind; reason: Reason };
type OldNew<Kind extends string, Value> = { [Name in `old-${Kind}` | `new-${Kind}`]: Value };

export type GenericDeviceKind = 'disk' | 'fs' | 'net' | 'chardev' | 'rng' | 'smartcard';
export type DiskResource = Resource<'disk', DeviceReason | 'update' | 'mirror' | 'snapshot'> & OldNew<'disk', string | null>;
export type FsResource = Resource<'fs', DeviceReason> & OldNew<'fs', string | null>;
export type NetResource = Resource<'net', DeviceReason> & OldNew<'net', string | null>;
export type ChardevResource = Resource<'chardev', DeviceReason> & OldNew<'chardev', string | null>;
export type RngResource = Resource<'rng', DeviceReason> & OldNew<'rng', string | null>;
export type SmartcardResource = Resource<'smartcard', 'start'> & OldNew<'smartcard', string | null>;
export type NetOpenResource = Resource<'net', 'open'> & { net: string; path: string; rdev: string | null };
export type HostdevBus = 'usb' | 'pci' | 'scsi' | 'scsi_host' | 'mdev';
export type DevResource = Resource<'dev', DeviceReason> & { bus: HostdevBus; device: string };
export type HostdevDiskResource = Resource<'hostdev', DeviceReason> & { disk: string };
export type HostdevChardevResource = Resource<'hostdev', DeviceReason> & { chardev: string };
export type TpmResource = Resource<'tpm' | 'tpm-emulator' | 'tpm-external', 'start'> & { device: string };
type CgroupHead = Resource<'cgroup', 'allow' | 'deny'> & { cgroup: string | null };
export type CgroupAllResource = CgroupHead & { class: 'all' };
export type CgroupMajorResource = CgroupHead & { class: 'major'; category: string; maj: string; acl: string };
export type CgroupPathResource = CgroupHead & { class: 'path'; path: string; rdev: string | null; acl: string };
export type CounterKind = 'mem' | 'vcpu' | 'iothread';
export type MemResource = Resource<'mem', 'start' | 'update'> & OldNew<'mem', number>;
export type VcpuResource = Resource<'vcpu', 'start' | 'update'> & OldNew<'vcpu', number>;
export type IothreadResource = Resource<'iothread', 'start' | 'update'> & OldNew<'iothread', number>;
export type ShmemResource = Resource<'shmem', DeviceReason> & { size: number; path: string };
export type IvshmemSocketResource = Resource<'ivshmem-socket', DeviceReason> & { path: string | null };
export type EvdevResource = Resource<'evdev', DeviceReason> & { path: string };

export type VirtResourceRecord =
  | DiskResource
  | FsResource
  | NetResource
  | ChardevResource
  | RngResource
  | SmartcardResource
  | NetOpenResource
  | DevResource
  | HostdevDiskResource
  | HostdevChardevResource
  | TpmResource
  | CgroupAllResource
  | CgroupMajorResource
  | CgroupPathResource
  | MemResource
  | VcpuResource
  | IothreadResource
  | ShmemResource
  | IvshmemSocketResource
  | EvdevResource;

/** Any record libvirt 9.0 writes, in the JSON form. */
export type LibvirtRecord = VirtControlRecord | VirtMachineIdRecord | VirtResourceRecord;
