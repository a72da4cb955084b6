// A virt manager's CI, the way tp-libvirt would write it: a real libvirtd (the lab's private one, its
// auditd standing in for the host's) driven with virsh — start a guest, hot-plug a USB disk, unplug it,
// destroy the guest — and the trail asserted through virt-audit's public test API alone: AuditCapture
// following the log from a watermark, the expected records from the emitter's lifecycle builders, and
// the matchers toHaveWritten / toConform.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package's own exports, as a virt manager's suite imports them (not the source files).
import { auditHotplug, auditStart, auditStop, parseDeviceXml, parseDomainXml, type EmitInput } from 'virt-audit/emitter';
import { AuditCapture } from 'virt-audit/testing';
import 'virt-audit/testing/vitest';
import { HostLab, labUnavailable } from '../../scripts/lab/host-lab.js';
import { guestCgroupPath } from '../../scripts/lab/runtime-values.js';

const unavailable = labUnavailable();
if (unavailable) console.warn(`[skip] conformance through the public test API: ${unavailable}`);

const NAME = 'va-conform-ci';
const UUID = '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5dc1';

describe.skipIf(unavailable !== null)('a virt manager\'s CI asserting its trail through virt-audit/testing', () => {
  let lab: HostLab;
  let capture: AuditCapture;
  const expected: EmitInput[] = [];

  beforeAll(async () => {
    lab = await HostLab.start({ format: 'RAW' });
    const image = join(lab.directory, 'root.qcow2');
    const hotplug = join(lab.directory, 'hot plug.img');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '16M']);
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', hotplug, '1M']);
    const domainXml = join(lab.directory, 'guest.xml');
    writeFileSync(domainXml, `<domain type='qemu'><name>${NAME}</name><uuid>${UUID}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${image}'/><target dev='vda' bus='virtio'/></disk>
  <controller type='usb' model='qemu-xhci'/><memballoon model='none'/></devices></domain>`);
    const diskXml = `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${hotplug}'/><target dev='sda' bus='usb'/></disk>`;
    const diskFile = join(lab.directory, 'disk.xml');
    writeFileSync(diskFile, diskXml);
    const device = parseDeviceXml(diskXml).domain;

    capture = AuditCapture.follow(lab.auditd.logFile, { pollMs: 50 });
    lab.virsh(['define', domainXml]);
    lab.virsh(['start', NAME]);
    const vmPid = lab.qemuPid(NAME);
    const cgroup = { path: guestCgroupPath(vmPid) };
    const running = parseDomainXml(lab.virsh(['dumpxml', NAME]));
    expected.push(...auditStart(running, { vmPid, cgroup }));
    lab.virsh(['attach-device', NAME, diskFile, '--live']);
    expected.push(...auditHotplug(running, device, 'attach', { cgroup }));
    lab.virsh(['detach-device', NAME, diskFile, '--live']);
    expected.push(...auditHotplug(running, device, 'detach', { cgroup }));
    lab.virsh(['destroy', NAME]);
    expected.push(...auditStop(running, 'destroyed'));
    await capture.until((record) => record.payloadValue('uuid') === UUID && record.payloadValue('op') === 'stop', 30_000);
  }, 600_000);

  afterAll(async () => {
    await capture?.stop();
    await lab?.stop();
  });

  it('libvirt wrote exactly the records the lifecycle builders expect, in order', () => {
    expect(expected.length).toBeGreaterThan(10);
    expect(capture).toHaveWritten(expected);
  });

  it('the trail breaks no trail rule', async () => {
    await expect(capture).toConform();
  });

  it('a record the test expects but libvirt did not write fails the matcher', () => {
    const extra: EmitInput = { ...expected.at(-1)!, reason: 'shutdown' };
    expect(() => expect(capture).toHaveWritten([...expected.slice(0, -1), extra])).toThrow(/1 differing/);
  });
});
