// The types of the JSON form (LibvirtRecord and its members) are generated from the libvirt profile's JSON
// Schemas; verify's onVirtRecord receives them as a discriminated union. The type-level checks below are
// compiled by `tsc -p tsconfig.test.json` (npm test's pretest): each @ts-expect-error must meet an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LibvirtRecord, ResourceCgroupPathRecord, ResourceDiskRecord, StartReason, StopReason, VirtType } from '../src/index.js';
import { RECORD_JSON_TYPES_FILE, recordJsonTypesSource } from '../src/libvirt/record-json-types.js';
import { verify, type Diagnostic, type VerifyOptions } from '../verifier/index.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';

const ROOT = join(import.meta.dirname, '..');

describe('the JSON form types', () => {
  it('are what the schemas make (run npm run gen:json-types after npm run gen:schemas)', () => {
    expect(readFileSync(join(ROOT, RECORD_JSON_TYPES_FILE), 'utf8') === recordJsonTypesSource(), `${RECORD_JSON_TYPES_FILE} is stale`).toBe(true);
  });

  it('narrow by type, op, resrc and class', () => {
    type OnVirtRecord = NonNullable<VerifyOptions['onVirtRecord']>;
    expectTypeOf<Parameters<OnVirtRecord>>().toEqualTypeOf<[record: LibvirtRecord, diagnostics: readonly Diagnostic[]]>();
    const look = (record: LibvirtRecord): void => {
      // @ts-expect-error op exists only on VIRT_CONTROL records
      void record.op;
      if (record.type === 'VIRT_CONTROL') {
        expectTypeOf(record.op).toEqualTypeOf<'start' | 'stop' | 'init'>();
        if (record.op === 'start') expectTypeOf(record.reason).toEqualTypeOf<StartReason>();
        if (record.op === 'stop') expectTypeOf(record.reason).toEqualTypeOf<StopReason>();
        if (record.op === 'init') expectTypeOf(record['pid-ns']).toEqualTypeOf<number>();
        // @ts-expect-error resrc is a VIRT_RESOURCE field
        void record.resrc;
      }
      if (record.type === 'VIRT_RESOURCE' && record.resrc === 'disk') {
        expectTypeOf(record).toEqualTypeOf<ResourceDiskRecord>();
        expectTypeOf(record['old-disk']).toEqualTypeOf<string | null>();
        // @ts-expect-error a disk record has no old-mem
        void record['old-mem'];
      }
      if (record.type === 'VIRT_RESOURCE' && record.resrc === 'mem') expectTypeOf(record['new-mem']).toEqualTypeOf<number>();
      if (record.type === 'VIRT_RESOURCE' && record.resrc === 'cgroup' && record.class === 'path') {
        expectTypeOf(record).toEqualTypeOf<ResourceCgroupPathRecord>();
        expectTypeOf(record.rdev).toEqualTypeOf<string | null>();
      }
      if (record.type === 'VIRT_MACHINE_ID') expectTypeOf(record['vm-ctx']).toEqualTypeOf<string | null>();
      expectTypeOf(record.virt).toEqualTypeOf<VirtType>();
      expectTypeOf(record.res).toEqualTypeOf<'success' | 'failed'>();
    };
    // @ts-expect-error a record names its type
    look({ vm: 'x' });
    expect(look).toBeTypeOf('function');
  });

  it('fit every record of the real captures that verify passes', async () => {
    const seen = { stops: new Set<StopReason>(), starts: new Set<StartReason>(), disks: 0, cgroupPaths: 0, labels: 0 };
    for (const capture of [RAW_CAPTURE, ENRICHED_CAPTURE]) {
      await verify([{ kind: 'file', path: capture }], {
        onVirtRecord: (record, diagnostics) => {
          if (diagnostics.length > 0) return;
          if (record.type === 'VIRT_CONTROL' && record.op === 'stop') seen.stops.add(record.reason);
          if (record.type === 'VIRT_CONTROL' && record.op === 'start') seen.starts.add(record.reason);
          if (record.type === 'VIRT_RESOURCE' && record.resrc === 'disk') seen.disks += record['new-disk'] === null && record['old-disk'] === null ? 0 : 1;
          if (record.type === 'VIRT_RESOURCE' && record.resrc === 'cgroup' && record.class === 'path') seen.cgroupPaths += record.path.startsWith('/') ? 1 : 0;
          if (record.type === 'VIRT_MACHINE_ID') seen.labels += typeof record.model === 'string' ? 1 : 0;
        },
      });
    }
    expect([...seen.stops].sort()).toEqual(expect.arrayContaining(['destroyed', 'saved', 'shutdown']));
    expect([...seen.starts].sort()).toEqual(expect.arrayContaining(['booted', 'restored']));
    expect(seen.disks).toBeGreaterThan(0);
    expect(seen.cgroupPaths).toBeGreaterThan(0);
    expect(seen.labels).toBeGreaterThan(0);
  }, 60_000);
});
