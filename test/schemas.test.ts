import { readFileSync, readdirSync } from 'node:fs';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RECORD_TYPES } from '../src/tables/record-types.js';
import { LEGACY_LAYOUTS, LIBVIRT_LAYOUTS } from '../src/libvirt/layouts.js';
import { buildSchemas, renderSchema } from '../src/libvirt/schema-builder.js';
import { SchemaValidator, schemasDirectory } from '../src/libvirt/schema-validator.js';
import { STANDALONE_VALIDATORS_FILE, standaloneValidatorsSource } from '../src/libvirt/schema-validator.js';
import { verify } from '../verifier/index.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';

describe('schemas/', () => {
  const directory = schemasDirectory();

  it('holds exactly what the layout table builds (run npm run gen:schemas after changing layouts)', () => {
    const built = buildSchemas();
    const handWritten = new Set(['journal.schema.json', 'watch-rules.schema.json']);
    expect(readdirSync(directory).filter((name) => name.endsWith('.schema.json') && !handWritten.has(name)).sort()).toEqual([...built.keys()].sort());
    for (const [file, schema] of built) expect(readFileSync(`${directory}/${file}`, 'utf8'), file).toBe(renderSchema(schema));
  });

  it('holds the validators compiled ahead of time from exactly those schemas', () => {
    expect(readFileSync(`${directory}/${STANDALONE_VALIDATORS_FILE}`, 'utf8') === standaloneValidatorsSource(), 'run npm run gen:schemas').toBe(true);
  });

  it('precompiled and freshly compiled validators agree on the captures and on mutated records', async () => {
    const precompiled = new SchemaValidator();
    const compiled = new SchemaValidator(directory, { compile: true });
    const records: { json: Record<string, unknown> }[] = [];
    await verify([{ kind: 'file', path: RAW_CAPTURE }], { onVirtRecord: (json) => records.push({ json: json as unknown as Record<string, unknown> }) });
    expect(records.length).toBeGreaterThan(100);
    const layoutsOf = (json: Record<string, unknown>) => [...LIBVIRT_LAYOUTS, ...LEGACY_LAYOUTS].filter((layout) => layout.recordType === json.type);
    fc.assert(
      fc.property(fc.constantFrom(...records), fc.constantFrom('vm', 'uuid', 'res', 'virt', 'new-mem', 'reason', 'extra'), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), ({ json }, field, value) => {
        const mutated = { ...json, [field]: value };
        for (const layout of layoutsOf(json)) {
          const profile = LIBVIRT_LAYOUTS.includes(layout) ? 'libvirt' : 'legacy';
          expect(precompiled.validate(mutated as never, layout, profile)).toEqual(compiled.validate(mutated as never, layout, profile));
          expect(precompiled.validate(json as never, layout, profile)).toEqual(compiled.validate(json as never, layout, profile));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('has a definition for every layout of both profiles', () => {
    const resource = JSON.parse(readFileSync(`${directory}/virt-resource.legacy.schema.json`, 'utf8')) as { $defs: Record<string, unknown> };
    const resourceLayouts = [...LIBVIRT_LAYOUTS, ...LEGACY_LAYOUTS].filter((layout) => layout.recordType === 'VIRT_RESOURCE');
    expect(Object.keys(resource.$defs).sort()).toEqual(resourceLayouts.map((layout) => layout.id).sort());
  });

  it('accepts, as whole published files, the JSON form of every record of the real captures', async () => {
    const validator = new SchemaValidator();
    const records: unknown[] = [];
    await verify([{ kind: 'file', path: RAW_CAPTURE }, { kind: 'file', path: ENRICHED_CAPTURE }], { onVirtRecord: (json) => records.push(json) });
    expect(records.length).toBeGreaterThan(100);
    for (const record of records) expect(validator.validateAgainstFile(record, 'virt-record.libvirt.schema.json'), JSON.stringify(record)).toBe(true);
  });

  it('rejects, as whole files, records libvirt would never write', () => {
    const validator = new SchemaValidator();
    const base = {
      type: 'VIRT_RESOURCE', node: null, time: '2026-11-22T05:50:00.993Z', serial: 9, pid: 1, uid: 0, auid: 4294967295, ses: 4294967295,
      virt: 'kvm', resrc: 'mem', reason: 'start', vm: 'a', uuid: '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01', 'old-mem': 0, 'new-mem': 131072,
      exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null, res: 'success',
    };
    expect(validator.validateAgainstFile(base, 'virt-record.libvirt.schema.json')).toBe(true);
    expect(validator.validateAgainstFile({ ...base, 'new-mem': '128M' }, 'virt-record.libvirt.schema.json')).toBe(false);
    expect(validator.validateAgainstFile({ ...base, uuid: 'NOT-A-UUID' }, 'virt-record.libvirt.schema.json')).toBe(false);
    expect(validator.validateAgainstFile({ ...base, res: 'ok' }, 'virt-record.libvirt.schema.json')).toBe(false);
    expect(validator.validateAgainstFile({ ...base, extra: 1 }, 'virt-record.libvirt.schema.json')).toBe(false);
    const { virt: _virt, ...withoutVirt } = base;
    expect(validator.validateAgainstFile(withoutVirt, 'virt-record.libvirt.schema.json')).toBe(false);
    expect(validator.validateAgainstFile(withoutVirt, 'virt-record.legacy.schema.json')).toBe(true);
  });
});

describe('record type table', () => {
  it('is what libaudit.so.1 says (run npm run gen:tables after a libaudit upgrade)', () => {
    const typeToName = koffi.load('libaudit.so.1').func('const char *audit_msg_type_to_name(int msg_type)');
    for (const [number, name] of RECORD_TYPES) expect(typeToName(number)).toBe(name);
    const known = new Set(RECORD_TYPES.map(([number]) => number));
    for (let number = 0; number < 10_000; number++) if (!known.has(number)) expect(typeToName(number)).toBeNull();
  });
});
