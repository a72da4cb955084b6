// Value classes of libvirt audit fields (libvirt-audit-format.md §7), as JSON Schema fragments of the
// decoded JSON form. The wire side (quoted/hex vs bare) is a property of the field, see layouts.ts.

/** The `virt=` values libvirt writes (virDomainVirtTypeToString), `?` for a type it cannot name. */
export const VIRT_TYPES = [
  'none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox',
  'phyp', 'parallels', 'bhyve', 'vz', 'hvf', '?',
] as const;

/** The `reason=` values of an `op=start` VIRT_CONTROL record. */
export const START_REASONS = ['booted', 'restored', 'migrated', 'from-snapshot', 'reboot'] as const;
/** The `reason=` values of an `op=stop` VIRT_CONTROL record. */
export const STOP_REASONS = [
  'destroyed', 'shutdown', 'failed', 'crashed', 'saved', 'migrated', 'from-snapshot', 'reboot',
] as const;

export type ValueClass =
  | 'virt' // VIRT_TYPES, written bare; `?` for an unknown enum value
  | 'uuid' // 36-char lower-case 8-4-4-4-12
  | 'int' // signed decimal (%lld)
  | 'uint' // unsigned decimal (%llu)
  | 'mac' // lower-case xx:xx:xx:xx:xx:xx
  | 'rdev' // %02X:%02X, upper-case hex major:minor
  | 'hex-byte' // %02X
  | 'acl' // r w m combinations
  | 'word' // a bare token with no spaces (labels, categories)
  | 'text' // any string (a name, a path)
  | 'enum'; // one of `values`

export type JsonSchema = Record<string, unknown>;

export function valueClassSchema(valueClass: ValueClass): JsonSchema {
  switch (valueClass) {
    case 'virt':
      return { $ref: 'virt-defs.schema.json#/$defs/virtType' };
    case 'uuid':
      return { $ref: 'virt-defs.schema.json#/$defs/uuid' };
    case 'int':
      return { $ref: 'virt-defs.schema.json#/$defs/signedInt' };
    case 'uint':
      return { $ref: 'virt-defs.schema.json#/$defs/unsignedInt' };
    case 'mac':
      return { $ref: 'virt-defs.schema.json#/$defs/mac' };
    case 'rdev':
      return { $ref: 'virt-defs.schema.json#/$defs/rdev' };
    case 'hex-byte':
      return { $ref: 'virt-defs.schema.json#/$defs/hexByte' };
    case 'acl':
      return { $ref: 'virt-defs.schema.json#/$defs/acl' };
    case 'word':
      return { $ref: 'virt-defs.schema.json#/$defs/word' };
    case 'text':
      return { type: 'string' };
    case 'enum':
      return { type: 'string' };
  }
}

/** Value classes whose JSON form is a number. */
export function isNumericClass(valueClass: ValueClass): boolean {
  return valueClass === 'int' || valueClass === 'uint';
}
