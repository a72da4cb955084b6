// Properties of the lifecycle builder over generated guests (fast-check): a rendering does not depend on the
// host that renders it once the host values list every path; and the order qemuSetupDevicesCgroup and
// virDomainAuditStart impose holds for any mix of devices, whatever each device's path is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditHotplug, auditStart, parseDeviceXml, parseDomainXml, type EmitInput, type HostValues, type LibvirtVersion, type StatPath } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';

type Role = 'acl-list' | 'disk-top' | 'disk-top-readonly' | 'disk-backing' | 'cdrom' | 'chardev' | 'tpm' | 'input' | 'rng';

interface GeneratedGuest {
  readonly xml: string;
  readonly version: LibvirtVersion;
  /** What each generated device path is used as. */
  readonly roles: ReadonlyMap<string, Role>;
  readonly hostValues: HostValues;
}

const ACL_LIST = ['/dev/null', '/dev/full', '/dev/zero', '/dev/random', '/dev/urandom', '/dev/ptmx', '/dev/kvm', '/dev/userfaultfd', '/dev/net/tun', '/dev/vhost-net'];

const guestArbitrary: fc.Arbitrary<GeneratedGuest> = fc
  .record({
    virt: fc.constantFrom('kvm', 'qemu'),
    version: fc.constantFrom<LibvirtVersion>('9.0', '11.3', '12.9'),
    disks: fc.array(fc.record({ kind: fc.constantFrom('file', 'block', 'cdrom'), readonly: fc.boolean(), backing: fc.integer({ min: 0, max: 2 }) }), { maxLength: 4 }),
    serials: fc.array(fc.constantFrom('pty', 'dev', 'file'), { maxLength: 3 }),
    consoleOnSerial: fc.boolean(),
    inputs: fc.integer({ min: 0, max: 2 }),
    rngs: fc.array(fc.constantFrom('random', 'builtin'), { maxLength: 2 }),
    tpm: fc.boolean(),
    nics: fc.array(fc.record({ type: fc.constantFrom('bridge', 'user', 'network'), model: fc.constantFrom('virtio', 'e1000') }), { maxLength: 2 }),
    numbers: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 64, maxLength: 64 }),
  })
  .map((spec) => {
    const roles = new Map<string, Role>();
    const devices: Record<string, { major: number; minor: number; kind: 'char' | 'block' } | null> = {};
    let next = 0;
    const device = (role: Role, kind: 'char' | 'block'): string => {
      const path = `/dev/gen${next}`;
      devices[path] = { major: spec.numbers[next % 64]!, minor: next, kind };
      next += 1;
      roles.set(path, role);
      return path;
    };
    for (const path of ACL_LIST) devices[path] = { major: 10, minor: ACL_LIST.indexOf(path), kind: 'char' };
    const parts: string[] = [];
    spec.disks.forEach((disk, index) => {
      const target = `<target dev='vd${String.fromCharCode(97 + index)}'/>`;
      if (disk.kind === 'file') {
        const file = `/var/lib/images/gen${index}.qcow2`;
        devices[file] = null;
        parts.push(`<disk type='file' device='disk'><source file='${file}'/>${target}</disk>`);
        return;
      }
      const top = device(disk.kind === 'cdrom' ? 'cdrom' : disk.readonly ? 'disk-top-readonly' : 'disk-top', 'block');
      let chain = '<backingStore/>';
      for (let level = 0; level < disk.backing; level++) chain = `<backingStore type='block'><format type='raw'/><source dev='${device('disk-backing', 'block')}'/>${chain}</backingStore>`;
      const readonly = disk.readonly && disk.kind !== 'cdrom' ? '<readonly/>' : '';
      parts.push(`<disk type='block' device='${disk.kind === 'cdrom' ? 'cdrom' : 'disk'}'><source dev='${top}'/>${chain}${target}${readonly}</disk>`);
    });
    const serialPaths = spec.serials.map((type, port) => {
      if (type === 'pty') return { xml: `<serial type='pty'><source path='/dev/pts/${port}'/><target port='${port}'/></serial>`, type, path: `/dev/pts/${port}` };
      if (type === 'file') return { xml: `<serial type='file'><source path='/var/log/gen${port}.log'/><target port='${port}'/></serial>`, type, path: `/var/log/gen${port}.log` };
      const path = device('chardev', 'char');
      return { xml: `<serial type='dev'><source path='${path}'/><target port='${port}'/></serial>`, type, path };
    });
    parts.push(...serialPaths.map((serial) => serial.xml));
    const first = serialPaths[0];
    if (spec.consoleOnSerial && first) parts.push(`<console type='${first.type}'><source path='${first.path}'/><target type='serial' port='0'/></console>`);
    for (let index = 0; index < spec.inputs; index++) parts.push(`<input type='evdev'><source dev='${device('input', 'char')}'/></input>`);
    for (const backend of spec.rngs) {
      parts.push(backend === 'random' ? `<rng model='virtio'><backend model='random'>${device('rng', 'char')}</backend></rng>` : `<rng model='virtio'><backend model='builtin'/></rng>`);
    }
    if (spec.tpm) parts.push(`<tpm model='tpm-tis'><backend type='passthrough'><device path='${device('tpm', 'char')}'/></backend></tpm>`);
    spec.nics.forEach((nic, index) => {
      const source = nic.type === 'bridge' ? "<source bridge='br0'/>" : nic.type === 'network' ? "<source network='default'/>" : '';
      parts.push(`<interface type='${nic.type}'><mac address='52:54:00:00:00:0${index}'/>${source}<model type='${nic.model}'/></interface>`);
    });
    const xml = `<domain type='${spec.virt}'><name>gen</name><uuid>7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d99</uuid><memory unit='KiB'>262144</memory>` +
      `<vcpu>1</vcpu><os><type>hvm</type></os><devices>${parts.join('')}</devices></domain>`;
    return { xml, version: spec.version, roles, hostValues: { devices } };
  });

const render = (guest: GeneratedGuest, stat: StatPath): EmitInput[] =>
  auditStart(parseDomainXml(guest.xml), { libvirtVersion: guest.version, hostValues: guest.hostValues, stat, vmPid: 77, cgroup: { path: '/cg/' } });

describe('auditStart over generated guests', () => {
  it('renders the same on any host once the host values list every path', () => {
    fc.assert(fc.property(guestArbitrary, (guest) => {
      const missing: StatPath = () => 'missing';
      const everythingADevice: StatPath = () => ({ major: 200, minor: 1, kind: 'char' });
      expect(render(guest, missing).map((record) => buildPayload(record))).toEqual(render(guest, everythingADevice).map((record) => buildPayload(record)));
    }), { numRuns: 200 });
  });

  it("keeps qemuSetupDevicesCgroup's order and permissions for every device path", () => {
    fc.assert(fc.property(guestArbitrary, (guest) => {
      const records = render(guest, () => 'missing');
      const cgroup = records.filter((record) => record.resrc === 'cgroup');
      const rank: Record<Role | 'pty', number> = { 'acl-list': 0, 'disk-top': 1, 'disk-top-readonly': 1, 'disk-backing': 1, cdrom: 1, pty: 2, chardev: 3, tpm: 4, input: 5, rng: 6 };
      const readOnly = new Set<Role>(['disk-top-readonly', 'disk-backing', 'cdrom']);
      const ranks = cgroup.slice(1).map((record) => (record.class === 'major' ? rank.pty : rank[guest.roles.get(String(record.path)) ?? 'acl-list']));
      expect(cgroup[0]).toMatchObject({ reason: 'deny', class: 'all' });
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      for (const record of cgroup.filter((entry) => entry.class === 'path')) {
        const role = guest.roles.get(String(record.path)) ?? 'acl-list';
        expect(record.acl).toBe(readOnly.has(role) ? 'r' : 'rw');
      }
      // every generated device path is allowed exactly once (the backcompat console adds none)
      const allowed = cgroup.filter((record) => record.class === 'path' && guest.roles.has(String(record.path))).map((record) => String(record.path));
      expect([...allowed].sort()).toEqual([...guest.roles.keys()].sort());
      // the cgroup block sits between the labels/opens and the device records
      const firstCgroup = records.findIndex((record) => record.resrc === 'cgroup');
      const lastCgroup = records.findLastIndex((record) => record.resrc === 'cgroup');
      expect(records.slice(0, firstCgroup).every((record) => record.type === 'VIRT_MACHINE_ID' || record.reason === 'open')).toBe(true);
      expect(records.slice(lastCgroup + 1).every((record) => record.reason === 'start' || record.type === 'VIRT_CONTROL')).toBe(true);
    }), { numRuns: 300 });
  });
});

describe('auditHotplug over generated devices', () => {
  type Kind = 'disk' | 'chardev' | 'input' | 'rng' | 'usb';
  const deviceArbitrary = fc.record({
    kind: fc.constantFrom<Kind>('disk', 'chardev', 'input', 'rng', 'usb'),
    backing: fc.integer({ min: 0, max: 3 }),
    readonly: fc.boolean(),
    aclPath: fc.boolean(),
    numbers: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 5, maxLength: 5 }),
  }).map((spec) => {
    const devices: Record<string, { major: number; minor: number; kind: 'char' | 'block' }> = {};
    const add = (path: string, kind: 'char' | 'block', index: number) => {
      devices[path] = { major: spec.numbers[index]!, minor: index, kind };
      return path;
    };
    add('/dev/urandom', 'char', 0);
    let xml: string;
    switch (spec.kind) {
      case 'disk': {
        let chain = '<backingStore/>';
        for (let level = 0; level < spec.backing; level++) chain = `<backingStore type='block'><source dev='${add(`/dev/gen-b${level}`, 'block', level + 1)}'/>${chain}</backingStore>`;
        xml = `<disk type='block' device='disk'><source dev='${add('/dev/gen-top', 'block', 4)}'/>${chain}<target dev='vdz'/>${spec.readonly ? '<readonly/>' : ''}</disk>`;
        break;
      }
      case 'chardev':
        xml = `<serial type='dev'><source path='${add('/dev/gen-tty', 'char', 1)}'/><target port='3'/></serial>`;
        break;
      case 'input':
        xml = `<input type='evdev'><source dev='${add('/dev/gen-event', 'char', 1)}'/></input>`;
        break;
      case 'rng':
        xml = `<rng model='virtio'><backend model='random'>${spec.aclPath ? '/dev/urandom' : add('/dev/gen-rng', 'char', 1)}</backend></rng>`;
        break;
      case 'usb':
        add('/dev/bus/usb/002/009', 'char', 2);
        xml = `<hostdev mode='subsystem' type='usb'><source><address bus='2' device='9'/></source></hostdev>`;
        break;
    }
    return { xml, hostValues: { devices } as HostValues };
  });
  const guest = parseDomainXml(`<domain type='kvm'><name>gen</name><uuid>7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d98</uuid><memory unit='KiB'>262144</memory><os><type>hvm</type></os><devices/></domain>`);
  const attach = (device: { xml: string; hostValues: HostValues }, success: boolean) =>
    auditHotplug(guest, parseDeviceXml(device.xml).domain, 'attach', { hostValues: device.hostValues, stat: () => 'missing', cgroup: { path: '/cg/' }, success });

  it('allows before the device record; a refused attach denies exactly what it allowed, less the ACL list, after the failed record', () => {
    fc.assert(fc.property(deviceArbitrary, (device) => {
      const ok = attach(device, true);
      const firstDevice = ok.findIndex((record) => record.resrc !== 'cgroup');
      expect(ok.slice(0, firstDevice === -1 ? ok.length : firstDevice).every((record) => record.reason === 'allow')).toBe(true);
      expect(ok.slice(firstDevice === -1 ? ok.length : firstDevice).every((record) => record.resrc !== 'cgroup')).toBe(true);
      const refused = attach(device, false);
      const failed = refused.findIndex((record) => record.res === 'failed');
      expect(failed).toBeGreaterThan(-1);
      const allowed = refused.slice(0, failed).map((record) => String(record.path));
      const denied = refused.slice(failed + 1).map((record) => { expect(record.reason).toBe('deny'); return String(record.path); });
      expect(denied).toEqual(allowed.filter((path) => path !== '/dev/urandom'));
    }), { numRuns: 200 });
  });
});
