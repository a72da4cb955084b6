import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLine, type AuditRecord } from '../src/index.js';
import { LIBVIRT_LAYOUTS } from '../src/libvirt/layouts.js';
import { readAnomaly, readAvc, readHostEvent, readPath, readSyscall } from '../src/model/kernel-records.js';
import { findField, type AuditField } from '../src/model/audit-field.js';
import { RAW_CAPTURE, captureLines, realLine } from './support/examples.js';
import { ENVELOPE, SAMPLES } from './support/samples.js';

const ENVELOPE_KEYS = new Set([...Object.keys(ENVELOPE), 'type']);

describe('typed JSON forms', () => {
  it('cover every current layout, each with exactly its fields', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(LIBVIRT_LAYOUTS.map((layout) => layout.id).sort());
    for (const layout of LIBVIRT_LAYOUTS) {
      const payloadKeys = Object.keys(SAMPLES[layout.id]!).filter((key) => !ENVELOPE_KEYS.has(key));
      expect(payloadKeys.sort(), layout.id).toEqual(layout.fields.map((spec) => spec.name).sort());
    }
  });
});

const parsed = (line: string): AuditRecord => {
  const result = parseLine(line, { file: 't', line: 1 });
  if (result.kind !== 'record') throw new Error('not a record');
  return result.record;
};

describe('kernel and daemon records', () => {
  it('reads SYSCALL and DAEMON_* records of the real capture', () => {
    const syscall = readSyscall(parsed(realLine(RAW_CAPTURE, /^type=SYSCALL .*exe="\/usr\/sbin\/libvirtd"/)))!;
    expect(syscall).toMatchObject({ success: true, exe: '/usr/sbin/libvirtd', comm: expect.any(String) });
    expect(syscall.pid).toBeGreaterThan(0);
    const kinds = captureLines(RAW_CAPTURE).map(parsed).map(readHostEvent).filter((event) => event !== null).map((event) => event.kind);
    expect(kinds).toEqual(['daemon-start', 'daemon-end']);
  });

  it('reads an SELinux AVC denial: permissions, contexts, permissive', () => {
    const avc = readAvc(parsed('type=AVC msg=audit(1700000000.100:50): avc:  denied  { read write } for  pid=10 comm="qemu-kvm" name="disk.img" dev="dm-0" ino=42 scontext=system_u:system_r:svirt_t:s0:c1,c2 tcontext=system_u:object_r:virt_image_t:s0 tclass=file permissive=0'))!;
    expect(avc).toMatchObject({ kind: 'selinux', denied: true, permissions: ['read', 'write'], pid: 10, comm: 'qemu-kvm', name: 'disk.img', scontext: 'system_u:system_r:svirt_t:s0:c1,c2', tclass: 'file', permissive: false });
  });

  it('reads an AppArmor denial: the libvirt-<uuid> profile and the path', () => {
    const avc = readAvc(parsed('type=AVC msg=audit(1700000000.200:51): apparmor="DENIED" operation="open" profile="libvirt-c7a5fdbd-cdaf-9455-926a-d65c16db1809" name="/srv/img.qcow2" pid=77 comm="qemu-system-x86" requested_mask="r" denied_mask="r" fsuid=64055 ouid=0'))!;
    expect(avc).toMatchObject({ kind: 'apparmor', denied: true, profile: 'libvirt-c7a5fdbd-cdaf-9455-926a-d65c16db1809', name: '/srv/img.qcow2', operation: 'open', permissions: ['r'], pid: 77 });
  });

  it('reads ANOM_ABEND and PATH records', () => {
    const anomaly = readAnomaly(parsed('type=ANOM_ABEND msg=audit(1700000000.300:52): auid=4294967295 uid=64055 gid=64055 ses=4294967295 pid=4242 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" sig=11 res=1'))!;
    expect(anomaly).toMatchObject({ kind: 'ANOM_ABEND', pid: 4242, signal: 11, exe: '/usr/bin/qemu-system-x86_64' });
    const path = readPath(parsed('type=PATH msg=audit(1700000000.300:53): item=0 name=2F7661722F6C69622F6C6962766972742F696D616765732F612062 inode=12 dev=fd:00 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL'))!;
    expect(path).toMatchObject({ item: 0, name: '/var/lib/libvirt/images/a b', inode: 12 });
  });

  const corpus = fileURLToPath(new URL('../../shared/corpus/fedora-selinux__selinux-policy__commit-messages-virt-avc.log', import.meta.url));
  it.skipIf(!existsSync(corpus))('reads every AVC of the public selinux-policy sample', () => {
    const avcs = captureLines(corpus).map((line) => parseLine(line, { file: corpus, line: 0 })).flatMap((result) => (result.kind === 'record' ? [readAvc(result.record)] : [])).filter((avc) => avc !== null);
    expect(avcs.length).toBeGreaterThan(80);
    for (const avc of avcs) {
      expect(avc.scontext ?? avc.profile, avc.record.text).not.toBeNull();
      expect(avc.permissions.length, avc.record.text).toBeGreaterThan(0);
    }
  });
});

/** readAvc as it read the parsed fields before it read them through the token index: the reference. */
function readAvcFromParsedFields(record: AuditRecord) {
  const valueOf = (fields: readonly AuditField[], name: string): string | null => findField(fields, name)?.value ?? null;
  const integerOf = (fields: readonly AuditField[], name: string): number | null => {
    const value = valueOf(fields, name);
    return value !== null && /^-?\d+$/.test(value) ? Number(value) : null;
  };
  const fields = record.payload ?? record.header;
  const all = record.fields;
  const apparmor = valueOf(all, 'apparmor');
  const words = record.words;
  const open = words.indexOf('{');
  const close = words.indexOf('}', open);
  const permissive = valueOf(all, 'permissive');
  return {
    record,
    kind: apparmor !== null ? 'apparmor' : 'selinux',
    denied: apparmor !== null ? apparmor === 'DENIED' : words.includes('denied'),
    permissions: apparmor !== null
      ? (valueOf(all, 'denied_mask') ?? valueOf(all, 'requested_mask') ?? '').split('').filter(Boolean)
      : open === -1 || close === -1 ? [] : words.slice(open + 1, close),
    pid: integerOf(fields, 'pid') ?? integerOf(all, 'pid'),
    comm: valueOf(all, 'comm'), path: valueOf(all, 'path'), name: valueOf(all, 'name'), scontext: valueOf(all, 'scontext'),
    tcontext: valueOf(all, 'tcontext'), tclass: valueOf(all, 'tclass'), permissive: permissive === null ? null : permissive === '1',
    profile: valueOf(all, 'profile'), operation: valueOf(all, 'operation'),
  };
}

describe('readAvc', () => {
  it('reads through the token index what the parsed fields say, for any AVC or USER_AVC body', () => {
    const names = ['apparmor', 'denied_mask', 'requested_mask', 'pid', 'comm', 'path', 'name', 'scontext', 'tcontext', 'tclass', 'permissive', 'profile', 'operation'];
    const value = fc.oneof(
      fc.constantFrom('?', '"?"', '"DENIED"', '"ALLOWED"', 'DENIED', '"rw"', '"r"', '12', '-3', '0', '1', '"qemu-kvm"', '2F7372762F612062', '"/srv/é"', 'C3A9', 'svirt_t:s0:c1,c2'),
      fc.string({ unit: fc.constantFrom('a', 'F', '0', '"', '=', "'", 'é', '/', ':'), maxLength: 12 }),
    );
    const token = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...names), value).map(([name, raw]) => `${name}=${raw}`) },
      { weight: 3, arbitrary: fc.constantFrom('avc:', 'denied', 'granted', '{', '}', 'read', 'write', 'for', '=x', 'msg=audit') },
    );
    const tokens = fc.array(token, { maxLength: 14 }).map((list) => list.join(' '));
    const body = fc.oneof(tokens, fc.tuple(tokens, tokens, fc.constantFrom("'", '', "' x")).map(([before, inside, close]) => `${before} msg='${inside}${close}`));
    fc.assert(
      fc.property(fc.constantFrom('AVC', 'USER_AVC'), body, (type, text) => {
        const line = `type=${type} msg=audit(1700000000.100:50): ${text}`;
        const { record: _parsedRecord, ...reference } = readAvcFromParsedFields(parsed(line));
        const record = parsed(line);
        const { record: read, ...lean } = readAvc(record)!;
        expect(lean).toEqual(reference);
        expect(read).toBe(record);
      }),
      { numRuns: 3000 },
    );
  });
});
