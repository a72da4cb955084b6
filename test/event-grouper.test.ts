import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine, type AuditEvent } from '../src/index.js';
import { EventGrouper } from '../src/reader/event-grouper.js';
import { exactSerial } from '../src/libvirt/json-form.js';
import { verify } from '../verifier/index.js';
import { RAW_CAPTURE, captureLines } from './support/examples.js';

function group(lines: readonly string[], timeoutMs?: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  const grouper = new EventGrouper((event) => events.push(event), timeoutMs === undefined ? {} : { eoeTimeoutMs: timeoutMs });
  lines.forEach((text, index) => {
    const parsed = parseLine(text, { file: 'x.log', line: index + 1 });
    if (parsed.kind === 'record') grouper.push(parsed.record);
  });
  grouper.flush();
  return events;
}

const signature = (event: AuditEvent): string => event.records.map((record) => record.type).join('+');

describe('EventGrouper', () => {
  it('groups the real capture: each VIRT record alone, BPF+SYSCALL+PROCTITLE together', () => {
    const events = group(captureLines(RAW_CAPTURE));
    expect(events.filter((event) => event.records[0]!.type.startsWith('VIRT_')).every((event) => event.records.length === 1)).toBe(true);
    expect(events.some((event) => signature(event) === 'BPF+SYSCALL+PROCTITLE')).toBe(true);
  });

  const avc = 'type=AVC msg=audit(1700000000.100:50): avc:  denied  { read } for  pid=10 comm="qemu" scontext=system_u:system_r:svirt_t:s0:c1,c2 tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0';
  const syscall = 'type=SYSCALL msg=audit(1700000000.100:50): arch=c000003e syscall=2 success=no exit=-13 pid=10 comm="qemu"';
  const virt = "type=VIRT_CONTROL msg=audit(1700000000.200:51): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=stop reason=destroyed vm=\"a\" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 vm-pid=0 exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? res=success'";
  const eoe = 'type=EOE msg=audit(1700000000.100:50): ';

  it('keeps interleaved records of one event together until EOE', () => {
    const events = group([avc, virt, syscall, eoe]);
    expect(events.map(signature)).toEqual(['VIRT_CONTROL', 'AVC+SYSCALL+EOE']);
  });

  it('completes an event without EOE once stream time passes the timeout', () => {
    const later = virt.replace('1700000000.200:51', '1700000003.000:52');
    expect(group([avc, syscall, later]).map(signature)).toEqual(['AVC+SYSCALL', 'VIRT_CONTROL']);
  });

  it('never merges records of different nodes', () => {
    const events = group([`node=a ${avc}`, `node=b ${syscall}`, `node=a ${eoe}`]);
    expect(events.map((event) => `${event.node}:${signature(event)}`).sort()).toEqual(['a:AVC+EOE', 'b:SYSCALL']);
  });
});

describe('EventGrouper in stamp order (as libauparse delivers events)', () => {
  const anomaly = 'type=ANOM_ABEND msg=audit(1700000000.100:60): auid=4294967295 uid=107 gid=107 ses=4294967295 pid=42 comm="qemu" sig=11 res=1';
  const virt = "type=VIRT_CONTROL msg=audit(1700000000.200:61): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=stop reason=destroyed vm=\"a\" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 vm-pid=0 exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? res=success'";

  it('holds a complete later event behind an earlier incomplete one', () => {
    const delivered: string[] = [];
    for (const order of ['completion', 'stamp'] as const) {
      const events: string[] = [];
      const grouper = new EventGrouper((event) => events.push(event.records[0]!.type), { order });
      for (const [index, text] of [anomaly, virt].entries()) {
        const parsed = parseLine(text, { file: 'x', line: index + 1 });
        if (parsed.kind === 'record') grouper.push(parsed.record);
      }
      grouper.flush();
      delivered.push(`${order}: ${events.join(' ')}`);
    }
    expect(delivered).toEqual(['completion: VIRT_CONTROL ANOM_ABEND', 'stamp: ANOM_ABEND VIRT_CONTROL']);
  });

  it('stamp order with maxPendingEvents: an event that never ends is completed once that many wait behind it, nothing lost or reordered', () => {
    const abend = 'type=ANOM_ABEND msg=audit(1700000000.000:1): auid=0 uid=0 gid=0 ses=1 pid=7 comm="qemu" exe="/usr/bin/qemu" sig=11 res=1';
    const users = Array.from({ length: 40 }, (_, index) => `type=USER_START msg=audit(1700000000.${String(index + 1).padStart(3, '0')}:${index + 2}): pid=1 uid=0 auid=0 ses=1 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=? terminal=ssh res=success'`);
    const delivered: number[] = [];
    const heldAt: number[] = [];
    const grouper = new EventGrouper((event) => delivered.push(event.serial!), { order: 'stamp', maxPendingEvents: 10 });
    [abend, ...users].forEach((text, index) => {
      const parsed = parseLine(text, { file: 'x.log', line: index + 1 });
      if (parsed.kind === 'record') grouper.push(parsed.record);
      heldAt.push(index + 1 - delivered.length);
    });
    grouper.flush();
    // Without the bound, the ABEND (no EOE, 40 ms of stream time) holds all 40 behind it until the end.
    expect(Math.max(...heldAt)).toBeLessThanOrEqual(11);
    expect(delivered).toEqual(Array.from({ length: 41 }, (_, index) => index + 1));
    const unbounded: number[] = [];
    const plain = new EventGrouper((event) => unbounded.push(event.serial!), { order: 'stamp' });
    [abend, ...users].forEach((text, index) => {
      const parsed = parseLine(text, { file: 'x.log', line: index + 1 });
      if (parsed.kind === 'record') plain.push(parsed.record);
    });
    expect(unbounded).toEqual([]);
  });

  it('tells apart serials past 2^53 that one double would hold: by their digits, in every order', async () => {
    const near = fc.bigInt({ min: 2n ** 53n - 4n, max: 2n ** 64n - 1n });
    await fc.assert(fc.asyncProperty(fc.uniqueArray(near, { minLength: 2, maxLength: 6 }), fc.boolean(), async (serials, withStampOrder) => {
      // Two kernel records per serial, interleaved, none with an EOE: each serial is one event of two records.
      const line = (serial: bigint, type: string) => `type=${type} msg=audit(1700000000.100:${serial}): pid=10 comm="qemu"`;
      const lines = [...serials.map((serial) => line(serial, 'SYSCALL')), ...serials.map((serial) => line(serial, 'CWD'))];
      const events: AuditEvent[] = [];
      const grouper = new EventGrouper((event) => events.push(event), withStampOrder ? { order: 'stamp' } : {});
      lines.forEach((text, index) => {
        const parsed = parseLine(text, { file: 'x.log', line: index + 1 });
        if (parsed.kind === 'record') grouper.push(parsed.record);
      });
      grouper.flush();
      const eventSerials = events.map((event) => String(exactSerial(event.records[0]!)));
      expect(events.map(signature)).toEqual(serials.map(() => 'SYSCALL+CWD'));
      for (const event of events) expect(new Set(event.records.map((record) => String(exactSerial(record)))).size).toBe(1);
      if (withStampOrder) expect(eventSerials).toEqual([...serials].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String));
      else expect(new Set(eventSerials)).toEqual(new Set(serials.map(String)));
    }), { numRuns: 200 });
  });

  it('verify counts two events where serials 2^53 and 2^53 + 1 share a stamp (a file read from its header bytes too)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virt-audit-serials-'));
    const file = join(dir, 'near.log');
    const line = (serial: bigint, type: string) => `type=${type} msg=audit(1700000000.100:${serial}): pid=10 comm="qemu"`;
    writeFileSync(file, [line(2n ** 53n, 'SYSCALL'), line(2n ** 53n + 1n, 'SYSCALL'), line(2n ** 53n, 'CWD'), line(2n ** 53n + 1n, 'CWD'), ''].join('\n'));
    const { summary } = await verify([{ kind: 'file', path: file }]);
    expect([summary.records, summary.events]).toEqual([4, 2]);
  });
});
