// Rebuilds, with the emitter's lifecycle builders, the records libvirt should have written for each
// journaled guest, and reads the records libvirt did write for it from the capture — both as wire
// payloads ("field=value … res=…", libaudit's tail left out) in order.
import { readFileSync } from 'node:fs';
import { parseLine, splitLibauditTail, type AuditRecord } from '../../src/index.js';
import {
  FAILED_START_STAGES, LIBVIRT_VERSIONS, auditFailedStart, auditHotplug, auditMediaChange, auditNetBridgeChange, auditResourceUpdate, auditStart, auditStop, buildPayload,
  parseDeviceXml, parseDomainXml, type EmitInput, type FailedStartStage, type HostValues, type LibvirtVersion, type LifecycleOptions,
} from '../../emitter/index.js';
import type { GuestJournal, Journal, JournalStep } from '../../scripts/lab/journal.js';

export function readJournal(path: string): Journal {
  return JSON.parse(readFileSync(path, 'utf8')) as Journal;
}

/**
 * The journal's step kinds as the contract with the capture lab has them (docs/libvirt-rules.md); the
 * lab's journal.ts may not have every optional field yet, so they are read through this view.
 */
type ContractStep = JournalStep & {
  readonly runtime?: HostValues;
  readonly stage?: string;
  readonly cgroup?: string | null;
  readonly liveXml?: string;
  readonly success?: boolean;
  /** false: a detach virsh reported done whose device the guest never let go. */
  readonly acknowledged?: boolean;
};
/** A live change of a NIC (update-device with the same MAC), here its bridge (the lab's step). */
type InterfaceUpdateStep = {
  readonly kind: 'interface-update'; readonly liveXml: string; readonly deviceXml: string; readonly success?: boolean; readonly runtime?: HostValues;
};
type MediaChangeStep = {
  readonly kind: 'media-change'; readonly liveXml: string; readonly deviceXml: string; readonly oldSource: string | null;
  readonly cgroup: string | null; readonly success?: boolean; readonly runtime?: HostValues;
};

/** "11.3.0" → '11.3': the journal's libvirt must be one whose rules the builder knows. */
export function libvirtVersionOf(journal: object): LibvirtVersion {
  const written = (journal as { readonly libvirt?: unknown }).libvirt;
  if (written === undefined) return '9.0'; // journals from before the field: the 9.0 capture
  const version = typeof written === 'string' ? (LIBVIRT_VERSIONS as readonly string[]).find((known) => written === known || written.startsWith(`${known}.`)) : undefined;
  if (version === undefined) throw new Error(`journal: libvirt ${JSON.stringify(written)} is none of the versions the builder has rules for (${LIBVIRT_VERSIONS.join(', ')})`);
  return version as LibvirtVersion;
}

const cgroupOf = (path: string | null | undefined) => (path === null || path === undefined ? null : { path });

/** The journal's failure stage names, as the lab writes them, to the builder's stages. */
function failedStage(step: ContractStep): FailedStartStage {
  const stage = step.stage;
  if (stage !== undefined && (FAILED_START_STAGES as readonly string[]).includes(stage)) return stage as FailedStartStage;
  // the lab's before-cgroup is, in practice, qemuProcessPrepareHost refusing (a missing image): no NIC opened yet
  if (stage === 'before-cgroup') return 'prepare-host';
  if (stage === 'qemu-refused-device') return 'after-cgroup';
  if (stage !== undefined) throw new Error(`journal: failed-start stage ${JSON.stringify(stage)} is none of ${FAILED_START_STAGES.join(', ')}, before-cgroup, qemu-refused-device`);
  return step.cgroup ? 'after-cgroup' : 'prepare-host';
}

function rebuildStep(raw: JournalStep | MediaChangeStep | InterfaceUpdateStep, version: LibvirtVersion, fallbackRuntime: HostValues | undefined): EmitInput[] {
  const step = raw as ContractStep | MediaChangeStep | InterfaceUpdateStep;
  const runtime = step.runtime ?? fallbackRuntime;
  const base: LifecycleOptions = { libvirtVersion: version, ...(runtime ? { hostValues: runtime } : {}) };
  switch (step.kind) {
    case 'start':
      return auditStart(parseDomainXml(step.liveXml), { ...base, reason: step.reason, vmPid: step.vmPid, cgroup: cgroupOf(step.cgroup) });
    case 'failed-start':
      return auditFailedStart(parseDomainXml(step.definitionXml), {
        ...base, stage: failedStage(step), seclabels: step.seclabels, cgroup: cgroupOf(step.cgroup),
        ...(step.liveXml ? { liveDomain: parseDomainXml(step.liveXml) } : {}),
      });
    case 'stop':
      return auditStop(parseDomainXml(step.liveXml), step.reason);
    case 'attach':
    case 'detach':
      // a detach the guest never acknowledged: libvirt writes nothing until QEMU reports the device gone
      if (step.acknowledged === false) return [];
      return auditHotplug(parseDomainXml(step.liveXml), parseDeviceXml(step.deviceXml).domain, step.kind, {
        ...base, cgroup: cgroupOf(step.cgroup), ...(step.success === undefined ? {} : { success: step.success }),
      });
    case 'update':
      return auditResourceUpdate(parseDomainXml(step.liveXml), step.resource, step.oldValue, step.newValue, { success: step.success ?? true });
    case 'interface-update': {
      const mac = parseDeviceXml(step.deviceXml).domain.devices.nets[0]?.mac;
      if (!mac) throw new Error('journal: interface-update step whose deviceXml is no <interface> with a MAC');
      return auditNetBridgeChange(parseDomainXml(step.liveXml), mac, { ...base, ...(step.success === undefined ? {} : { success: step.success }) });
    }
    case 'media-change': {
      const disk = parseDeviceXml(step.deviceXml).domain.devices.disks[0];
      if (disk === undefined) throw new Error('journal: media-change step whose deviceXml is no <disk>');
      return auditMediaChange(parseDomainXml(step.liveXml), disk, {
        ...base, oldSource: step.oldSource, cgroup: cgroupOf(step.cgroup), ...(step.success === undefined ? {} : { success: step.success }),
      });
    }
  }
}

/**
 * The emitter's payloads for a guest's journal, in order, by the rules of the journal's libvirt. Steps
 * without run-time values take `fallbackRuntime` (journals written before they were recorded).
 */
export function rebuiltPayloads(guest: GuestJournal, journal: object = {}, fallbackRuntime?: HostValues): string[] {
  const version = libvirtVersionOf(journal);
  return guest.steps.flatMap((step) => rebuildStep(step, version, fallbackRuntime)).map((input) => `${buildPayload(input)!} res=${String(input.res)}`);
}

/** The VIRT records of one guest (by UUID) in a capture, as wire payloads, in file order. */
export function capturedPayloads(logText: string, uuid: string, file = 'capture'): string[] {
  return logText.split('\n').flatMap((line, index) => {
    if (!line.includes(uuid) || !line.includes('type=VIRT_')) return [];
    const parsed = parseLine(line, { file, line: index + 1 });
    if (parsed.kind !== 'record' || parsed.record.value('uuid') !== uuid) return [];
    return [wirePayload(parsed.record)];
  });
}

function wirePayload(record: AuditRecord): string {
  const body = splitLibauditTail(record.payload ?? []).body;
  return `${body.map((field) => `${field.name}=${field.raw}`).join(' ')} res=${record.value('res')}`;
}
