// Rebuilds libvirt's own record sequences of the real capture from the guests' live XML and the run-time
// values libvirt chose (QEMU pid, cgroup path), and compares them payload for payload, in order.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLine, splitLibauditTail, type AuditRecord } from '../src/index.js';
import {
  auditHotplug, auditResourceUpdate, auditStart, auditStop, buildPayload, parseDomainXml,
  type DomainDefinition, type EmitInput,
} from '../emitter/index.js';
import { EXAMPLES, RAW_CAPTURE, ENRICHED_CAPTURE, captureLines } from './support/examples.js';

interface Session {
  readonly startRecords: AuditRecord[];
  readonly start: AuditRecord;
  readonly during: AuditRecord[];
  readonly stop: AuditRecord | undefined;
}

/** The capture's VIRT records of one guest, cut into sessions at its VIRT_CONTROL records. */
function sessionsOf(capture: string, uuid: string): Session[] {
  const records = captureLines(capture)
    .map((line, index) => parseLine(line, { file: capture, line: index + 1 }))
    .flatMap((parsed) => (parsed.kind === 'record' && parsed.record.type.startsWith('VIRT_') && parsed.record.value('uuid') === uuid ? [parsed.record] : []));
  const sessions: Session[] = [];
  let pending: AuditRecord[] = [];
  for (const record of records) {
    const op = record.type === 'VIRT_CONTROL' ? record.value('op') : undefined;
    if (op === 'start') {
      sessions.push({ startRecords: pending, start: record, during: [], stop: undefined });
      pending = [];
    } else if (op === 'stop') {
      (sessions.at(-1) as { stop: AuditRecord | undefined }).stop = record;
    } else if (sessions.length > 0 && sessions.at(-1)!.stop === undefined) {
      sessions.at(-1)!.during.push(record);
    } else {
      pending.push(record);
    }
  }
  return sessions;
}

const wire = (record: AuditRecord): string => {
  const body = splitLibauditTail(record.payload ?? []).body;
  return `${body.map((field) => `${field.name}=${field.raw}`).join(' ')} res=${record.value('res')}`;
};
const built = (input: EmitInput): string => `${buildPayload(input)!} res=${String(input.res)}`;

function domainAt(pass: string, step: string): DomainDefinition {
  const file = readdirSync(`${EXAMPLES}domains`).find((name) => name.startsWith(`${pass}.`) && name.endsWith(`.${step}.xml`));
  if (!file) throw new Error(`no live XML for ${pass} ${step}`);
  return parseDomainXml(readFileSync(`${EXAMPLES}domains/${file}`, 'utf8'));
}

function runtimeOf(session: Session) {
  const cgroupRecord = session.startRecords.find((record) => record.value('resrc') === 'cgroup');
  return {
    vmPid: Number(session.start.value('vm-pid')),
    success: session.start.value('res') === 'success',
    cgroup: cgroupRecord ? { path: cgroupRecord.value('cgroup') ?? null } : null,
  };
}

describe.each([['raw', RAW_CAPTURE], ['enriched', ENRICHED_CAPTURE]])('lifecycles rebuilt from the %s capture', (pass, capture) => {
  it.each([
    ['basic-started', 0, 'booted'],
    ['utf8-started', 0, 'booted'],
    ['utf8-restored', 1, 'restored'],
    ['running-started', 0, 'booted'],
    ['devices-started', 0, 'booted'],
    ['tap-started', 0, 'booted'],
  ] as const)('auditStart reproduces %s', (step, sessionIndex, reason) => {
    const domain = domainAt(pass, step);
    const session = sessionsOf(capture, domain.uuid)[sessionIndex]!;
    const ours = auditStart(domain, { reason, ...runtimeOf(session) }).map(built);
    expect(ours).toEqual([...session.startRecords, session.start].map(wire));
  });

  it('auditStart reproduces the failed start (labels generated, no cgroup, vm-pid 0, res=failed)', () => {
    const domain = domainAt(pass, 'broken-defined');
    const session = sessionsOf(capture, domain.uuid)[0]!;
    const label = session.startRecords.find((record) => record.type === 'VIRT_MACHINE_ID')!;
    const seclabels = [{ model: label.value('model') ?? null, label: label.value('vm-ctx') ?? null, imageLabel: label.value('img-ctx') ?? null }];
    const ours = auditStart(domain, { vmPid: 0, success: false, cgroup: null, seclabels }).map(built);
    expect(ours).toEqual([...session.startRecords, session.start].map(wire));
  });

  it('auditStop reproduces every stop', () => {
    for (const step of ['basic-started', 'utf8-started', 'devices-started']) {
      const domain = domainAt(pass, step);
      for (const session of sessionsOf(capture, domain.uuid).filter((candidate) => candidate.stop)) {
        expect(auditStop(domain, session.stop!.value('reason') as 'destroyed').map(built)).toEqual([wire(session.stop!)]);
      }
    }
  });

  it('hot-plug: a USB disk attached and detached, vCPUs set, as libvirt wrote them', () => {
    const before = domainAt(pass, 'basic-started');
    const attached = domainAt(pass, 'basic-disk-attached');
    const afterVcpus = domainAt(pass, 'basic-vcpus-set');
    const session = sessionsOf(capture, before.uuid)[0]!;
    const hotDisk: DomainDefinition = { ...attached, devices: { ...attached.devices, disks: attached.devices.disks.filter((path) => !before.devices.disks.includes(path)), nets: [], serials: [], consoles: [], rngs: [], inputs: [] } };
    const ours = [
      ...auditHotplug(before, hotDisk, 'attach'),
      ...auditHotplug(before, hotDisk, 'detach'),
      ...auditResourceUpdate(before, 'vcpu', before.vcpus, afterVcpus.vcpus),
    ].map(built);
    expect(ours).toEqual(session.during.map(wire));
  });

  it('hot-plug: a NIC, an RNG and a memory DIMM on the devices guest, as libvirt wrote them', () => {
    const started = domainAt(pass, 'devices-started');
    const withNic = domainAt(pass, 'devices-nic-attached');
    const withRng = domainAt(pass, 'devices-rng-attached');
    const withDimm = domainAt(pass, 'devices-dimm-attached');
    const session = sessionsOf(capture, started.uuid)[0]!;
    const only = (domain: DomainDefinition, devices: Partial<DomainDefinition['devices']>): DomainDefinition => ({
      ...domain,
      devices: { disks: [], filesystems: [], nets: [], hostdevs: [], redirdevs: 0, serials: [], parallels: [], channels: [], consoles: [], smartcards: [], rngs: [], tpms: [], shmems: [], inputs: [], ...devices },
    });
    const cgroup = { path: session.startRecords.find((record) => record.value('resrc') === 'cgroup')!.value('cgroup') ?? null };
    const ours = [
      ...auditHotplug(started, only(withNic, { nets: withNic.devices.nets }), 'attach', { cgroup }),
      ...auditHotplug(started, only(withRng, { rngs: withRng.devices.rngs }), 'attach', { cgroup }),
      ...auditResourceUpdate(started, 'mem', withRng.memoryKiB, withDimm.memoryKiB),
    ].map(built);
    expect(ours).toEqual(session.during.map(wire));
  });
});
