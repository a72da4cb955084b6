// The JSON form's details that a fast path must not change: ISO times, odd field names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine, timeToIso, toJsonForm } from '../src/index.js';

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
