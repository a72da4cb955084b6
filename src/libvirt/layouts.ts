// The payloads libvirt hands to audit_log_user_message, as data: one layout per format string of
// libvirt 9.0's src/conf/domain_audit.c (libvirt-audit-format.md §2.2), plus the historical forms of
// §7 under the `legacy` profile. Field order here is wire order.
import type { LibvirtRecordType } from '../tables/record-types.js';
import { START_REASONS, STOP_REASONS, type ValueClass } from './value-classes.js';

/** Which record forms count as libvirt's: `libvirt` (9.0's, the default) or `legacy` (also the historical forms). */
export type Profile = 'libvirt' | 'legacy';

export interface FieldSpec {
  readonly name: string;
  /** `encoded`: through virAuditEncode (`"…"` or HEX); `bare`: printed with %s/%lld; `quoted-legacy`: '…' or bare. */
  readonly wire: 'encoded' | 'bare' | 'quoted-legacy';
  readonly value: ValueClass;
  /** Allowed values; a single one makes the field a discriminator. */
  readonly values?: readonly string[];
  /** May be absent (`?` / `"?"`, JSON null). */
  readonly nullable?: boolean;
}

export interface PayloadLayout {
  readonly id: string;
  readonly recordType: LibvirtRecordType;
  readonly profile: Profile;
  /** libvirt's format string, for messages and documentation. */
  readonly format: string;
  readonly fields: readonly FieldSpec[];
  /** libvirt emits no record when both of these are absent (virDomainAuditGenericDev). */
  readonly notBothAbsent?: readonly [string, string];
}

const virt: FieldSpec = { name: 'virt', wire: 'bare', value: 'virt' };
const vm: FieldSpec = { name: 'vm', wire: 'encoded', value: 'text' };
const uuid: FieldSpec = { name: 'uuid', wire: 'bare', value: 'uuid' };
const intField = (name: string): FieldSpec => ({ name, wire: 'bare', value: 'int' });
const constant = (name: string, value: string): FieldSpec => ({ name, wire: 'bare', value: 'enum', values: [value] });
const oneOf = (name: string, values: readonly string[]): FieldSpec => ({ name, wire: 'bare', value: 'enum', values });

const resourceHead = (resrc: string, reasons: readonly string[]): FieldSpec[] => [
  virt,
  constant('resrc', resrc),
  oneOf('reason', reasons),
  vm,
  uuid,
];

const DEVICE_REASONS = ['start', 'attach', 'detach'] as const;
const DISK_REASONS = ['start', 'attach', 'detach', 'update', 'mirror', 'snapshot'] as const;
const COUNTER_REASONS = ['start', 'update'] as const;
const CGROUP_REASONS = ['allow', 'deny'] as const;

const GENERIC_DEVICE_REASONS: Readonly<Record<string, readonly string[]>> = {
  disk: DISK_REASONS,
  fs: DEVICE_REASONS,
  net: DEVICE_REASONS,
  chardev: DEVICE_REASONS,
  rng: DEVICE_REASONS,
  smartcard: ['start'],
};

function genericDevice(kind: string): PayloadLayout {
  const valueClass: ValueClass = kind === 'net' ? 'mac' : 'text';
  return {
    id: `resource.${kind}`,
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: `virt=%s resrc=${kind} reason=%s vm=%s uuid=%s old-${kind}=%s new-${kind}=%s`,
    fields: [
      ...resourceHead(kind, GENERIC_DEVICE_REASONS[kind]!),
      { name: `old-${kind}`, wire: 'encoded', value: valueClass, nullable: true },
      { name: `new-${kind}`, wire: 'encoded', value: valueClass, nullable: true },
    ],
    notBothAbsent: [`old-${kind}`, `new-${kind}`],
  };
}

function counter(kind: 'mem' | 'vcpu' | 'iothread'): PayloadLayout {
  return {
    id: `resource.${kind}`,
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: `virt=%s resrc=${kind} reason=%s vm=%s uuid=%s old-${kind}=%lld new-${kind}=%lld`,
    fields: [...resourceHead(kind, COUNTER_REASONS), intField(`old-${kind}`), intField(`new-${kind}`)],
  };
}

function tpm(kind: 'tpm' | 'tpm-emulator' | 'tpm-external'): PayloadLayout {
  return {
    id: `resource.${kind}`,
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: `virt=%s resrc=${kind} reason=%s vm=%s uuid=%s device=%s`,
    fields: [...resourceHead(kind, ['start']), { name: 'device', wire: 'encoded', value: 'text' }],
  };
}

const cgroupPath: FieldSpec = { name: 'cgroup', wire: 'encoded', value: 'text', nullable: true };
const rdev: FieldSpec = { name: 'rdev', wire: 'bare', value: 'rdev', nullable: true };
const acl: FieldSpec = { name: 'acl', wire: 'bare', value: 'acl' };

export const LIBVIRT_LAYOUTS: readonly PayloadLayout[] = [
  {
    id: 'control.lifecycle',
    recordType: 'VIRT_CONTROL',
    profile: 'libvirt',
    format: 'virt=%s op=%s reason=%s vm=%s uuid=%s vm-pid=%lld',
    fields: [virt, oneOf('op', ['start', 'stop']), oneOf('reason', [...new Set([...START_REASONS, ...STOP_REASONS])]), vm, uuid, intField('vm-pid')],
  },
  {
    id: 'control.init',
    recordType: 'VIRT_CONTROL',
    profile: 'libvirt',
    format: 'virt=%s op=init vm=%s uuid=%s vm-pid=%lld init-pid=%lld pid-ns=%lld',
    fields: [virt, constant('op', 'init'), vm, uuid, intField('vm-pid'), intField('init-pid'), intField('pid-ns')],
  },
  {
    id: 'machine-id',
    recordType: 'VIRT_MACHINE_ID',
    profile: 'libvirt',
    format: 'virt=%s vm=%s uuid=%s vm-ctx=%s img-ctx=%s model=%s',
    fields: [
      virt,
      vm,
      uuid,
      { name: 'vm-ctx', wire: 'bare', value: 'word', nullable: true },
      { name: 'img-ctx', wire: 'bare', value: 'word', nullable: true },
      { name: 'model', wire: 'bare', value: 'word', nullable: true },
    ],
  },
  ...['disk', 'fs', 'net', 'chardev', 'rng', 'smartcard'].map(genericDevice),
  {
    id: 'resource.net-open',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=net reason=open vm=%s uuid=%s net=%s path=%s rdev=%s',
    fields: [
      ...resourceHead('net', ['open']),
      { name: 'net', wire: 'bare', value: 'mac' },
      { name: 'path', wire: 'encoded', value: 'text' },
      rdev,
    ],
  },
  {
    id: 'resource.dev',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=dev reason=%s vm=%s uuid=%s bus=%s device=%s',
    fields: [
      ...resourceHead('dev', DEVICE_REASONS),
      oneOf('bus', ['usb', 'pci', 'scsi', 'scsi_host', 'mdev']),
      { name: 'device', wire: 'encoded', value: 'text' },
    ],
  },
  {
    id: 'resource.hostdev-disk',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=hostdev reason=%s vm=%s uuid=%s disk=%s',
    fields: [...resourceHead('hostdev', DEVICE_REASONS), { name: 'disk', wire: 'encoded', value: 'text' }],
  },
  {
    id: 'resource.hostdev-chardev',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=hostdev reason=%s vm=%s uuid=%s chardev=%s',
    fields: [...resourceHead('hostdev', DEVICE_REASONS), { name: 'chardev', wire: 'encoded', value: 'text' }],
  },
  tpm('tpm'),
  tpm('tpm-emulator'),
  tpm('tpm-external'),
  {
    id: 'resource.cgroup-all',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=cgroup reason=%s vm=%s uuid=%s cgroup=%s class=all',
    fields: [...resourceHead('cgroup', CGROUP_REASONS), cgroupPath, constant('class', 'all')],
  },
  {
    id: 'resource.cgroup-major',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=cgroup reason=%s vm=%s uuid=%s cgroup=%s class=major category=%s maj=%02X acl=%s',
    fields: [
      ...resourceHead('cgroup', CGROUP_REASONS),
      cgroupPath,
      constant('class', 'major'),
      { name: 'category', wire: 'bare', value: 'word' },
      { name: 'maj', wire: 'bare', value: 'hex-byte' },
      acl,
    ],
  },
  {
    id: 'resource.cgroup-path',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=cgroup reason=%s vm=%s uuid=%s cgroup=%s class=path path=%s rdev=%s acl=%s',
    fields: [
      ...resourceHead('cgroup', CGROUP_REASONS),
      cgroupPath,
      constant('class', 'path'),
      { name: 'path', wire: 'encoded', value: 'text' },
      rdev,
      acl,
    ],
  },
  counter('mem'),
  counter('vcpu'),
  counter('iothread'),
  {
    id: 'resource.shmem',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=shmem reason=%s vm=%s uuid=%s size=%llu path=%s',
    fields: [
      ...resourceHead('shmem', DEVICE_REASONS),
      { name: 'size', wire: 'bare', value: 'uint' },
      { name: 'path', wire: 'bare', value: 'text' },
    ],
  },
  {
    id: 'resource.ivshmem-socket',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=ivshmem-socket reason=%s vm=%s uuid=%s path=%s',
    fields: [...resourceHead('ivshmem-socket', DEVICE_REASONS), { name: 'path', wire: 'bare', value: 'text', nullable: true }],
  },
  {
    id: 'resource.evdev',
    recordType: 'VIRT_RESOURCE',
    profile: 'libvirt',
    format: 'virt=%s resrc=evdev reason=%s vm=%s uuid=%s path=%s',
    fields: [...resourceHead('evdev', DEVICE_REASONS), { name: 'path', wire: 'bare', value: 'text' }],
  },
];

const withoutField = (layout: PayloadLayout, name: string, id: string, note: string): PayloadLayout => ({
  ...layout,
  id,
  profile: 'legacy',
  format: `${layout.format.replace(new RegExp(`(^| )${name}=%[a-z0-9]+`), '').trim()} (${note})`,
  fields: layout.fields.filter((field) => field.name !== name),
});

const byId = (id: string): PayloadLayout => {
  const layout = LIBVIRT_LAYOUTS.find((candidate) => candidate.id === id);
  if (!layout) throw new Error(`no layout ${id}`);
  return layout;
};

/** Kinds libvirt audited before `virt=` was added (0.9.4). */
const PRE_VIRT_LAYOUT_IDS = [
  'control.lifecycle', 'machine-id', 'resource.disk', 'resource.net', 'resource.net-open', 'resource.dev',
  'resource.cgroup-all', 'resource.cgroup-major', 'resource.cgroup-path', 'resource.mem', 'resource.vcpu',
];

const legacyMac = (name: string): FieldSpec => ({ name, wire: 'quoted-legacy', value: 'mac', nullable: true });

export const LEGACY_LAYOUTS: readonly PayloadLayout[] = [
  ...PRE_VIRT_LAYOUT_IDS.map((id) => withoutField(byId(id), 'virt', `legacy.${id}.no-virt`, 'before 0.9.4: no virt=')),
  withoutField(byId('control.lifecycle'), 'vm-pid', 'legacy.control.no-vm-pid', 'before 0.9.10: no vm-pid='),
  withoutField(
    withoutField(byId('control.lifecycle'), 'vm-pid', 'x', ''),
    'virt',
    'legacy.control.no-virt-no-vm-pid',
    'before 0.9.4: no virt=, no vm-pid=',
  ),
  withoutField(byId('machine-id'), 'model', 'legacy.machine-id.no-model', 'before 0.10.0: no model='),
  withoutField(
    withoutField(byId('machine-id'), 'model', 'x', ''),
    'virt',
    'legacy.machine-id.no-virt-no-model',
    'before 0.9.4: no virt=, no model=',
  ),
  {
    ...byId('resource.net'),
    id: 'legacy.resource.net.bare-mac',
    profile: 'legacy',
    format: "virt=%s resrc=net reason=%s vm=%s uuid=%s old-net='%s' new-net='%s' (before 1.2.7: MAC not encoded)",
    fields: [...resourceHead('net', DEVICE_REASONS), legacyMac('old-net'), legacyMac('new-net')],
  },
  {
    ...byId('resource.net-open'),
    id: 'legacy.resource.net-open.quoted-mac',
    profile: 'legacy',
    format: "virt=%s resrc=net reason=open vm=%s uuid=%s net='%s' path=%s rdev=%s (before 0.9.10)",
    fields: byId('resource.net-open').fields.map((field) => (field.name === 'net' ? legacyMac('net') : field)),
  },
  {
    ...byId('resource.cgroup-path'),
    id: 'legacy.resource.cgroup-path.bare-path',
    profile: 'legacy',
    format: 'virt=%s resrc=cgroup reason=%s vm=%s uuid=%s cgroup=%s class=path path=%s rdev=%s acl=%s (0.9.0–1.0.4: path not encoded)',
    fields: byId('resource.cgroup-path').fields.map((field) =>
      field.name === 'path' ? { ...field, wire: 'bare' as const } : field,
    ),
  },
  {
    id: 'legacy.resource.tpm-as-dev',
    recordType: 'VIRT_RESOURCE',
    profile: 'legacy',
    format: 'virt=%s resrc=dev reason=%s vm=%s uuid=%s device=%s (1.0.5–4.x: TPM passthrough as resrc=dev)',
    fields: [...resourceHead('dev', ['start']), { name: 'device', wire: 'encoded', value: 'text' }],
  },
  {
    id: 'legacy.resource.shmem.named',
    recordType: 'VIRT_RESOURCE',
    profile: 'legacy',
    format: 'virt=%s resrc=shmem reason=%s vm=%s uuid=%s size=%s shmem=%s server=%s (2.3–?)',
    fields: [
      ...resourceHead('shmem', DEVICE_REASONS),
      { name: 'size', wire: 'bare', value: 'uint' },
      { name: 'shmem', wire: 'encoded', value: 'text' },
      { name: 'server', wire: 'encoded', value: 'text', nullable: true },
    ],
  },
];

const ALL_LAYOUTS: readonly PayloadLayout[] = [...LIBVIRT_LAYOUTS, ...LEGACY_LAYOUTS];

export function layoutsFor(profile: Profile): readonly PayloadLayout[] {
  return profile === 'libvirt' ? LIBVIRT_LAYOUTS : ALL_LAYOUTS;
}

export function layoutById(id: string): PayloadLayout | undefined {
  return LIBVIRT_LAYOUTS.find((layout) => layout.id === id) ?? LEGACY_LAYOUTS.find((layout) => layout.id === id);
}
