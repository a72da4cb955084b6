// The JSON form's details that a fast path must not change: ISO times, odd field names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../src/index.js';
import { timeToIso, toJsonForm } from '../src/libvirt/json-form.js';

describe('timeToIso', () => {
  it('is Date#toISOString of the record time, whatever order times come in', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ sec: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constantFrom(1_709_975_000, 1_709_975_001)), ms: fc.integer({ min: 0, max: 999 }) }), { minLength: 1, maxLength: 50 }), (times) => {
        for (const time of times) expect(timeToIso(time)).toBe(new Date(time.sec * 1000 + time.ms).toISOString());
      }),
      { numRuns: 300 },
    );
  });
});

describe('toJsonForm', () => {
  it('keeps fields whose names are Object.prototype names, and counts their repeats as duplicates', () => {
    const line = "type=VIRT_CONTROL msg=audit(1709975000.343:1024): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=start __proto__=a constructor=b toString=c toString=d vm=\"x\" uuid=1b4e28ba-2fa1-11d2-883f-0016d3cca427 vm-pid=7 exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? res=success'";
    const parsed = parseLine(line, { file: 'x', line: 1 });
    if (parsed.kind !== 'record') throw new Error('not a record');
    const json = toJsonForm(parsed.record);
    expect(Object.hasOwn(json, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(json))).toMatchObject({ constructor: 'b', toString: 'c', duplicates: [{ name: 'toString', value: 'd' }] });
    expect(JSON.stringify(json)).toContain('"__proto__":"a"');
  });
});

/** The JSON form as its rules state it, one property at a time: fields in order, repeats to `duplicates`, then the form's own keys. */
function referenceJson(line: string): unknown {
  const parsed = parseLine(line, { file: 'x', line: 1 });
  if (parsed.kind !== 'record') throw new Error('not a record');
  const record = parsed.record;
  const json: Record<string, unknown> = {};
  const duplicates: Array<{ name: string; value: unknown }> = [];
  const put = (name: string, value: unknown) => {
    if (Object.hasOwn(json, name)) duplicates.push({ name, value });
    else Object.defineProperty(json, name, { value, enumerable: true, writable: true, configurable: true });
  };
  const set = (name: string, value: unknown) => Object.defineProperty(json, name, { value, enumerable: true, writable: true, configurable: true });
  put('type', record.type);
  put('node', record.node);
  put('time', timeToIso(record.time!));
  put('serial', record.serial);
  const numberOf = (value: string | null) => (value !== null && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value);
  for (const field of record.header) put(field.name, ['pid', 'uid', 'auid', 'ses'].includes(field.name) ? numberOf(field.value) : field.value);
  for (const field of record.payload ?? []) put(field.name, field.value);
  if (duplicates.length > 0) set('duplicates', duplicates);
  if (record.enrichment.length > 0) {
    const enrichment: Record<string, unknown> = {};
    for (const field of record.enrichment) if (!Object.hasOwn(enrichment, field.name)) enrichment[field.name] = field.value;
    set('enrichment', enrichment);
  }
  set('file', 'x');
  set('line', 1);
  return json;
}

describe('toJsonForm, any field names', () => {
  it('gives the keys in the order and with the values the rules state, whatever the names (plain, odd, repeated, the form’s own)', () => {
    const name = fc.oneof(
      fc.constantFrom('vm', 'uuid', 'op', 'file', 'line', 'type', 'node', 'time', 'serial', 'duplicates', 'enrichment', 'form', '__proto__', 'constructor', '123', 'a.b', 'x-y', 'toString', 'É'),
      fc.string({ unit: fc.constantFrom('a', 'z', '_', '-', '1', '.', ':', '$'), minLength: 1, maxLength: 6 }).filter((text) => !text.includes('=')),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.constantFrom('1', '"q"', '?', 'x')), { maxLength: 12 }), fc.boolean(), (fields, enriched) => {
        const payload = fields.map(([field, value]) => `${field}=${value}`).join(' ');
        const line = `type=VIRT_CONTROL msg=audit(1709975000.343:1024): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='${payload}'${enriched ? '\x1dUID="root" AUID="unset"' : ''}`;
        const parsed = parseLine(line, { file: 'x', line: 1 });
        if (parsed.kind !== 'record') throw new Error('not a record');
        const json = toJsonForm(parsed.record);
        const expected = referenceJson(line);
        expect(Object.keys(json)).toEqual(Object.keys(expected as object));
        expect(JSON.stringify(json)).toBe(JSON.stringify(expected));
        expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
      }),
      { numRuns: 2000 },
    );
  });
});
