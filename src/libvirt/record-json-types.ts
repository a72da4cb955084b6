// The TypeScript types of the JSON form, written from the JSON Schemas of the libvirt profile (the ones
// schema-builder.ts builds from the layout table): one type per layout, a union per record type, the
// union of all. scripts/gen-record-json-types.ts writes them to src/model/virt-records.generated.ts; a
// test checks the committed file is what this writes, so the types cannot drift from the schemas.
import { LIBVIRT_RECORD_TYPES } from '../tables/record-types.js';
import { buildSchemas, recordSchemaFile } from './schema-builder.js';
import type { JsonSchema } from './value-classes.js';

export const RECORD_JSON_TYPES_FILE = 'src/model/virt-records.generated.ts';

const DEFS_FILE = 'virt-defs.schema.json';
const DEF_REF = /^virt-defs\.schema\.json#\/\$defs\/([A-Za-z]+)$/;
/** Schema keywords that only annotate or constrain a value's text, never its TypeScript type. */
const ANNOTATIONS = new Set(['description', 'title', 'format', 'pattern', 'minimum', 'maximum']);
/** Defs with a TypeScript name of their own (in virt-records.ts). */
const NAMED_DEFS: Readonly<Record<string, string>> = { virtType: 'VirtType' };

/** What each envelope field is; the schema says its type. */
const ENVELOPE_DOCS: Readonly<Record<string, string>> = {
  node: "The `node=` name auditd's name_format put before the record, or null.",
  time: 'When the kernel stamped the record (audit(SECONDS.MILLIS:…)), as an ISO 8601 UTC time; null in a form without a stamp.',
  serial: "The event's serial number (audit(…:SERIAL)); null in a form without one.",
  pid: "The kernel's pid= of the writing process (libvirtd).",
  uid: "The kernel's uid=: a number, or a name in interpreted forms.",
  auid: "The kernel's auid= (login uid; 4294967295 when unset): a number, or a name in interpreted forms.",
  ses: "The kernel's ses= (session; 4294967295 when unset): a number, or text in interpreted forms.",
  subj: "The kernel's subj= (the writer's security context), where an LSM is active.",
  exe: "libaudit's exe=: the writing program's path.",
  hostname: "libaudit's hostname=, null for `?`.",
  addr: "libaudit's addr=, null for `?`.",
  terminal: "libaudit's terminal=, null for `?`.",
  res: "libaudit's res=: whether the operation succeeded.",
  enrichment: "ENRICHED logs: the fields auditd added after the 0x1D separator (UID, AUID…).",
  form: 'How the line was written, when not by auditd in RAW or ENRICHED form.',
  lossy: 'journald and ausearch -i lines: values or stamp altered on the way.',
  timeText: 'The stamp as written, when it could not be read as one (interpreted, journald).',
  duplicates: 'Fields whose name came before in the record: the first one is the field, these are the rest.',
  file: 'The file the record was read from.',
  line: 'The line of the record in its file (from 1).',
};

/** What the payload fields are (libvirt's src/conf/domain_audit.c); `old-KIND`/`new-KIND` are read from their name. */
const PAYLOAD_DOCS: Readonly<Record<string, string>> = {
  virt: "The hypervisor type (the domain's `type`)",
  op: 'What happened to the guest',
  reason: 'Why (a start or stop reason, or what the resource record is about)',
  resrc: 'The kind of resource',
  vm: "The guest's name (hex-encoded on the wire when it holds a space, a quote or a byte outside ASCII)",
  uuid: "The guest's UUID",
  'vm-pid': "QEMU's pid (0 when it is not running)",
  'init-pid': "The container's init pid, in the host's pid namespace",
  'pid-ns': "The inode of the container's pid namespace",
  'vm-ctx': 'The security label of the guest process (SELinux context, AppArmor profile, or DAC uid:gid)',
  'img-ctx': 'The security label of its images',
  model: 'The security driver (selinux, apparmor, dac)',
  class: 'What the cgroup rule covers: all devices, a major number, or one path',
  cgroup: "The guest's cgroup path",
  path: 'The path of the device or file',
  rdev: "The device's major:minor, where it is a device node",
  acl: 'The cgroup permissions (r, w, m)',
  category: 'The device category of a major-number rule (pty…)',
  maj: 'The major number',
  net: "The NIC's MAC address",
  bus: 'The host bus of the passed-through device',
  device: 'The passed-through device (bus address, path or UUID) or the TPM backend',
  disk: 'The SCSI host device\'s disk path',
  chardev: 'The character device path of a passed-through device',
  size: 'The shared memory size in bytes',
};

/** What the properties of the envelope's nested objects (a duplicate field) are. */
const NESTED_DOCS: Readonly<Record<string, string>> = { name: "The field's name.", value: 'Its value, as the JSON form gives it.' };

function nestedDoc(name: string): string {
  const doc = NESTED_DOCS[name];
  if (doc === undefined) throw new Error(`nested property ${name} has no doc in record-json-types.ts NESTED_DOCS`);
  return doc;
}

const pascal = (text: string): string => text.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1)).join('');
const property = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `'${name}'`);
const literal = (value: unknown): string => (typeof value === 'string' ? `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` : JSON.stringify(value));
const union = (types: readonly string[]): string => [...new Set(types)].join(' | ');

/** Reads the schemas into TypeScript type text; a schema keyword it does not know is an error, not a silent `unknown`. */
class TypeWriter {
  constructor(private readonly defs: Readonly<Record<string, JsonSchema>>) {}

  def(name: string): JsonSchema {
    const schema = this.defs[name];
    if (schema === undefined) throw new Error(`${DEFS_FILE} has no $defs/${name}`);
    return schema;
  }

  type(schema: JsonSchema): string {
    const unknownKeys = Object.keys(schema).filter((key) => !ANNOTATIONS.has(key) && !['$ref', 'enum', 'const', 'anyOf', 'type', 'properties', 'required', 'additionalProperties', 'items'].includes(key));
    if (unknownKeys.length > 0) throw new Error(`no TypeScript type for schema keyword(s) ${unknownKeys.join(', ')} in ${JSON.stringify(schema)}`);
    if (typeof schema.$ref === 'string') {
      const def = DEF_REF.exec(schema.$ref)?.[1];
      if (def === undefined) throw new Error(`no TypeScript type for $ref ${schema.$ref}`);
      return NAMED_DEFS[def] ?? this.type(this.def(def));
    }
    if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
    if ('const' in schema) return literal(schema.const);
    if (Array.isArray(schema.anyOf)) return union((schema.anyOf as JsonSchema[]).map((member) => this.type(member)));
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    return union(types.map((type) => this.typeOf(type, schema)));
  }

  private typeOf(type: string, schema: JsonSchema): string {
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
        return 'number';
      case 'null':
        return 'null';
      case 'array':
        return `Array<${this.type(schema.items as JsonSchema)}>`;
      case 'object':
        if (schema.properties !== undefined) return `{\n    ${this.members(schema, nestedDoc, {}, '    ').join('\n    ')}\n  }`;
        return `Record<string, ${this.type(schema.additionalProperties as JsonSchema)}>`;
      default:
        throw new Error(`no TypeScript type for JSON type ${type}`);
    }
  }

  /** `name: type;` per property (optional unless required), each after its doc comment where `docOf` gives one. */
  members(schema: JsonSchema, docOf: (name: string, property: JsonSchema) => string | undefined, overrides: Readonly<Record<string, JsonSchema>> = {}, indent = '  '): string[] {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    return Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, propertySchema]) => {
      const doc = docOf(name, propertySchema);
      const member = `${property(name)}${required.has(name) ? '' : '?'}: ${this.type(overrides[name] ?? propertySchema)};`;
      return doc === undefined ? member : `/** ${doc} */\n${indent}${member}`;
    });
  }

  /** What a value class is, from its def's description or pattern. */
  describe(schema: JsonSchema): string | undefined {
    if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map((member) => this.describe(member)).find((text) => text !== undefined);
    const def = typeof schema.$ref === 'string' ? DEF_REF.exec(schema.$ref)?.[1] : undefined;
    const resolved = def === undefined ? schema : this.def(def);
    if (typeof resolved.description === 'string') return resolved.description.replaceAll('`', "'");
    if (typeof resolved.pattern === 'string') return `matching ${resolved.pattern}`;
    return undefined;
  }
}

/** The printf directive of `name=` in libvirt's format string (the layout's title), e.g. `%lld`. */
function directiveOf(format: string, name: string): string | undefined {
  return new RegExp(`(?:^| )${name.replace(/[-]/g, '\\-')}=(\\S+)`).exec(format)?.[1];
}

interface Variant {
  readonly name: string;
  readonly overrides: Readonly<Record<string, JsonSchema>>;
  readonly note: string;
}

/** One variant per `if {P: const V} then {Q: S}` of the layout (op=start, op=stop), or the layout itself. */
function variantsOf(id: string, schema: JsonSchema): Variant[] {
  const conditionals = ((schema.allOf as JsonSchema[] | undefined) ?? []).filter((part) => part.if !== undefined);
  if (conditionals.length === 0) return [{ name: `${pascal(id)}Record`, overrides: {}, note: '' }];
  return conditionals.map((conditional) => {
    const [[field, condition]] = Object.entries((conditional.if as JsonSchema).properties as Record<string, JsonSchema>) as [[string, JsonSchema]];
    const value = condition.const;
    if (typeof value !== 'string') throw new Error(`${id}: a conditional on ${field} that is not a const`);
    return {
      name: `${pascal(id)}${pascal(value)}Record`,
      overrides: { [field]: { const: value }, ...((conditional.then as JsonSchema).properties as Record<string, JsonSchema>) },
      note: ` with ${field}=${value}`,
    };
  });
}

/** The text of src/model/virt-records.generated.ts. */
export function recordJsonTypesSource(): string {
  const schemas = buildSchemas();
  const defs = (schemas.get(DEFS_FILE)!.$defs ?? {}) as Record<string, JsonSchema>;
  const writer = new TypeWriter(defs);
  const common = writer.def('recordCommon');
  const envelopeSchema = { ...common, properties: Object.fromEntries(Object.entries(common.properties as Record<string, JsonSchema>).filter(([name]) => name !== 'type')) };
  const envelopeDoc = (name: string, schema: JsonSchema): string => {
    const doc = ENVELOPE_DOCS[name];
    if (doc === undefined) throw new Error(`recordCommon.${name} has no doc in record-json-types.ts ENVELOPE_DOCS`);
    void schema;
    return doc;
  };
  const out: string[] = [
    '// Generated by scripts/gen-record-json-types.ts from the JSON Schemas of the libvirt profile (schemas/*.libvirt.schema.json). Do not edit.',
    "import type { VirtType } from './virt-records.js';",
    '',
    '/**',
    ' * What every VIRT record carries besides its libvirt payload (`recordCommon` of schemas/virt-defs.schema.json):',
    " * where and when, the kernel's header, libaudit's tail, and where the record was read.",
    ' */',
    `export type RecordEnvelope = {\n  ${writer.members(envelopeSchema, envelopeDoc).join('\n  ')}\n};`,
  ];
  const byType = new Map<string, string[]>();
  for (const recordType of LIBVIRT_RECORD_TYPES) {
    const file = recordSchemaFile(recordType, 'libvirt');
    const layouts = (schemas.get(file)!.$defs ?? {}) as Record<string, JsonSchema>;
    const names: string[] = [];
    for (const [id, layout] of Object.entries(layouts)) {
      const format = layout.title as string;
      const payloadDoc = (name: string, schema: JsonSchema): string => {
        const directive = directiveOf(format, name);
        const oldNew = /^(old|new)-(.+)$/.exec(name);
        const meaning = PAYLOAD_DOCS[name] ?? (oldNew === null ? undefined : `The ${oldNew[2]} ${oldNew[1] === 'old' ? 'before (removed, replaced)' : 'after (added, replacing)'}`);
        if (meaning === undefined) throw new Error(`${id}: field ${name} has no doc in record-json-types.ts PAYLOAD_DOCS`);
        const what = writer.describe(schema);
        const nullable = Array.isArray(schema.anyOf) && (schema.anyOf as JsonSchema[]).some((member) => member.type === 'null');
        return `\`${name}=${directive ?? '…'}\`: ${meaning}${what === undefined || what === directive ? '' : ` (${what})`}${nullable ? '; null for `?` (none)' : ''}.`;
      };
      for (const variant of variantsOf(id, layout)) {
        const notBoth = (layout.not as JsonSchema | undefined)?.required as string[] | undefined;
        out.push(
          '',
          '/**',
          ` * ${recordType}, layout \`${id}\`${variant.note}: \`${format}\`.`,
          ...(notBoth === undefined ? [] : [` * Never both ${notBoth.map((name) => `\`${name}\``).join(' and ')} null: libvirt writes no record then.`]),
          ' */',
          `export type ${variant.name} = {\n  /** The record type. */\n  type: '${recordType}';\n  ${writer.members(layout, payloadDoc, variant.overrides).join('\n  ')}\n} & RecordEnvelope;`,
        );
        names.push(variant.name);
      }
    }
    byType.set(recordType, names);
  }
  const unionName = (recordType: string): string => `${pascal(recordType.toLowerCase())}Record`;
  for (const [recordType, names] of byType) {
    out.push('', `/** Any ${recordType} record libvirt 9.0 writes, in the JSON form: narrow it by its discriminating fields. */`, `export type ${unionName(recordType)} =\n  | ${names.join('\n  | ')};`);
  }
  out.push(
    '',
    '/** Any VIRT record libvirt 9.0 writes, in the JSON form: narrow it by `type`, then `op` or `resrc` (and `class` for cgroup records). */',
    `export type LibvirtRecord = ${[...byType.keys()].map(unionName).join(' | ')};`,
    '',
  );
  return out.join('\n');
}
