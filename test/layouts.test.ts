import { describe, expect, it } from 'vitest';
import { encodeField } from '../src/index.js';
import { LEGACY_LAYOUTS, LIBVIRT_LAYOUTS, type FieldSpec, type PayloadLayout } from '../src/libvirt/layouts.js';
import { verify } from '../verifier/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SAMPLE: Record<FieldSpec['value'], string> = {
  virt: 'kvm',
  uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809',
  int: '-1',
  uint: '4194304',
  mac: '52:54:00:12:34:56',
  rdev: '0A:C8',
  'hex-byte': '88',
  acl: 'rw',
  word: 'system_u:system_r:svirt_t:s0:c1,c2',
  text: '/var/lib/libvirt/images/my disk ü.qcow2',
  enum: '',
};

function wire(spec: FieldSpec): string {
  const value = spec.values?.[0] ?? SAMPLE[spec.value];
  if (spec.wire === 'encoded') return encodeField(spec.name, value);
  if (spec.wire === 'quoted-legacy') return `${spec.name}='${value}'`;
  return `${spec.name}=${spec.value === 'text' ? '/dev/shm/shmem0' : value}`;
}

function line(layout: PayloadLayout, serial: number): string {
  const payload = layout.fields.map(wire).join(' ');
  return `type=${layout.recordType} msg=audit(1700000000.123:${serial}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='${payload} exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'`;
}

async function verifyLayouts(layouts: readonly PayloadLayout[], profile: 'libvirt' | 'legacy') {
  const file = join(mkdtempSync(join(tmpdir(), 'virt-audit-layouts-')), `${profile}.log`);
  writeFileSync(file, Buffer.from(`${layouts.map((layout, index) => line(layout, index + 1)).join('\n')}\n`, 'utf8'));
  return verify([{ kind: 'file', path: file }], { profile });
}

describe('every layout accepts a record written the way its format string says', () => {
  it('current libvirt layouts, under the libvirt profile', async () => {
    const { summary, problems } = await verifyLayouts(LIBVIRT_LAYOUTS, 'libvirt');
    expect(problems).toEqual([]);
    expect(summary.valid).toBe(LIBVIRT_LAYOUTS.length);
  });

  it('historical layouts, under the legacy profile only', async () => {
    const legacy = await verifyLayouts(LEGACY_LAYOUTS, 'legacy');
    expect(legacy.problems).toEqual([]);
    expect(legacy.summary.valid).toBe(LEGACY_LAYOUTS.length);
    const strict = await verifyLayouts(LEGACY_LAYOUTS, 'libvirt');
    expect(strict.summary.invalid).toBe(LEGACY_LAYOUTS.length);
  });
});
