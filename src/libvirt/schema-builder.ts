// Builds the JSON Schemas of schemas/ from the layout table. scripts/gen-schemas.ts writes them; a test
// checks the committed files are what this builds.
import { LIBVIRT_RECORD_TYPES, type LibvirtRecordType } from '../tables/record-types.js';
import { layoutsFor, type FieldSpec, type PayloadLayout, type Profile } from './layouts.js';
import { START_REASONS, STOP_REASONS, VIRT_TYPES, valueClassSchema, type JsonSchema } from './value-classes.js';

export const SCHEMA_BASE = 'https://virt-audit.dev/schemas/v1/';
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export const PROFILES: readonly Profile[] = ['libvirt', 'legacy'];

export function recordSchemaFile(type: LibvirtRecordType, profile: Profile): string {
  return `${type.toLowerCase().replaceAll('_', '-')}.${profile}.schema.json`;
}

export function anyRecordSchemaFile(profile: Profile): string {
  return `virt-record.${profile}.schema.json`;
}

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

const stringOrNull = { type: ['string', 'null'] };

function defsSchema(): JsonSchema {
  return {
    $schema: DIALECT,
    $id: `${SCHEMA_BASE}virt-defs.schema.json`,
    title: 'Value classes and common fields of VIRT_* records (JSON form)',
    description:
      'Shared definitions. Values are decoded (quotes stripped, libaudit hex decoded); `?` is null. ' +
      'The wire form (field order, quoted vs hex, the libaudit tail) is checked separately: see schemas/README.md.',
    $defs: {
      virtType: { enum: [...VIRT_TYPES], description: 'virDomainVirtTypeToString; `?` for an unknown type' },
      uuid: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
      signedInt: { type: 'integer', description: '%lld' },
      unsignedInt: { type: 'integer', minimum: 0, description: '%llu' },
      mac: { type: 'string', pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$', description: 'virMacAddrFormat, lower case' },
      rdev: { type: 'string', pattern: '^[0-9A-F]{2,}:[0-9A-F]{2,}$', description: '%02X:%02X major:minor, hexadecimal' },
      hexByte: { type: 'string', pattern: '^[0-9A-F]{2,}$', description: '%02X: hexadecimal although it looks decimal' },
      acl: { type: 'string', pattern: '^[rwm]+$' },
      word: { type: 'string', pattern: '^[^\\s]+$' },
      recordCommon: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          node: stringOrNull,
          time: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
          serial: { anyOf: [{ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, { type: 'string', pattern: '^[1-9][0-9]{15,}$', description: 'a serial past 2^53, exact as a decimal string' }, { type: 'null' }] },
          pid: { type: 'integer' },
          uid: { type: ['integer', 'string'] },
          auid: { type: ['integer', 'string'] },
          ses: { type: ['integer', 'string'] },
          subj: stringOrNull,
          exe: stringOrNull,
          hostname: stringOrNull,
          addr: stringOrNull,
          terminal: stringOrNull,
          res: { enum: ['success', 'failed'] },
          enrichment: { type: 'object', additionalProperties: stringOrNull },
          form: { enum: ['printk', 'journald', 'interpreted'] },
          lossy: { const: true, description: 'journald and ausearch -i lines: values or stamp altered on the way' },
          timeText: { type: 'string' },
          duplicates: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, value: { type: ['string', 'integer', 'null'] } },
              required: ['name', 'value'],
              additionalProperties: false,
            },
          },
          file: { type: 'string' },
          line: { type: 'integer', minimum: 1 },
        },
        required: ['type', 'node', 'time', 'serial', 'pid', 'uid', 'auid', 'ses', 'exe', 'hostname', 'addr', 'terminal', 'res'],
      },
    },
  };
}

function fieldSchema(spec: FieldSpec): JsonSchema {
  const base: JsonSchema = spec.values ? { enum: [...spec.values] } : valueClassSchema(spec.value);
  return spec.nullable ? nullable(base) : base;
}

export function layoutDefName(layout: PayloadLayout): string {
  return layout.id;
}

function layoutSchema(layout: PayloadLayout): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const spec of layout.fields) properties[spec.name] = fieldSchema(spec);
  const allOf: JsonSchema[] = [{ $ref: 'virt-defs.schema.json#/$defs/recordCommon' }];
  if (layout.fields.some((spec) => spec.name === 'op') && layout.fields.some((spec) => spec.name === 'reason')) {
    allOf.push(
      { if: { properties: { op: { const: 'start' } } }, then: { properties: { reason: { enum: [...START_REASONS] } } } },
      { if: { properties: { op: { const: 'stop' } } }, then: { properties: { reason: { enum: [...STOP_REASONS] } } } },
    );
  }
  const schema: JsonSchema = {
    title: layout.format,
    type: 'object',
    allOf,
    properties,
    required: layout.fields.map((spec) => spec.name),
    unevaluatedProperties: false,
  };
  if (layout.notBothAbsent) {
    const [a, b] = layout.notBothAbsent;
    schema.not = {
      description: 'libvirt emits no record when both old and new are absent',
      properties: { [a]: { type: 'null' }, [b]: { type: 'null' } },
      required: [a, b],
    };
  }
  return schema;
}

function recordSchema(type: LibvirtRecordType, profile: Profile): JsonSchema {
  const layouts = layoutsFor(profile).filter((layout) => layout.recordType === type);
  const $defs: Record<string, JsonSchema> = {};
  for (const layout of layouts) $defs[layoutDefName(layout)] = layoutSchema(layout);
  return {
    $schema: DIALECT,
    $id: `${SCHEMA_BASE}${recordSchemaFile(type, profile)}`,
    title: `${type} record, ${profile === 'libvirt' ? 'as libvirt 9.0 emits it' : 'libvirt 9.0 and historical libvirt forms'} (JSON form)`,
    type: 'object',
    properties: { type: { const: type } },
    required: ['type'],
    anyOf: layouts.map((layout) => ({ $ref: `#/$defs/${layoutDefName(layout)}` })),
    $defs,
  };
}

function anyRecordSchema(profile: Profile): JsonSchema {
  return {
    $schema: DIALECT,
    $id: `${SCHEMA_BASE}${anyRecordSchemaFile(profile)}`,
    title: `Any libvirt VIRT_* record (${profile} profile, JSON form)`,
    type: 'object',
    properties: { type: { enum: [...LIBVIRT_RECORD_TYPES] } },
    required: ['type'],
    anyOf: LIBVIRT_RECORD_TYPES.map((type) => ({ $ref: recordSchemaFile(type, profile) })),
  };
}

/** Every schema file of schemas/, by file name. */
export function buildSchemas(): Map<string, JsonSchema> {
  const files = new Map<string, JsonSchema>([['virt-defs.schema.json', defsSchema()]]);
  for (const profile of PROFILES) {
    for (const type of LIBVIRT_RECORD_TYPES) files.set(recordSchemaFile(type, profile), recordSchema(type, profile));
    files.set(anyRecordSchemaFile(profile), anyRecordSchema(profile));
  }
  return files;
}

export function renderSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
