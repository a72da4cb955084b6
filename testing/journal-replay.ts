// The records libvirt must have written for each journaled step, rebuilt with the emitter's lifecycle
// builders by the rules of the journal's libvirt version.
import { readFileSync } from 'node:fs';
import { buildPayload } from '../emitter/payload.js';
import type { EmitInput } from '../emitter/emitter.js';
import { LIBVIRT_VERSIONS, type HostValues, type LibvirtVersion } from '../emitter/domain/host-values.js';
import {
  FAILED_START_STAGES, auditFailedStart, auditHotplug, auditMediaChange, auditNetBridgeChange, auditResourceUpdate, auditStart, auditStop,
  parseDeviceXml, parseDomainXml, type FailedStartStage, type LifecycleOptions,
} from '../emitter/index.js';
import type { GuestJournal, Journal, JournalStep } from './journal.js';

/**
 * Reads a journal file (schemas/journal.schema.json).
 *
 * @param path - The file.
 * @returns The journal, as parsed (not validated: `schemas/journal.schema.json` does that).
 * @throws When the file cannot be read or is not JSON.
 */
export function readJournal(path: string): Journal {
  return JSON.parse(readFileSync(path, 'utf8')) as Journal;
}

/**
 * "11.3.0" → '11.3': the journal's libvirt must be one whose rules the builder knows; absent is 9.0.
 *
 * @param journal - The journal (its `libvirt`).
 * @param override - A version to use instead.
 * @returns The version whose rules apply.
 * @throws When it is none the builders know.
 */
export function libvirtVersionOf(journal: { readonly libvirt?: unknown }, override?: string): LibvirtVersion {
  const written = override ?? journal.libvirt;
  if (written === undefined) return '9.0'; // journals from before the field: the 9.0 capture
  const version = typeof written === 'string' ? LIBVIRT_VERSIONS.find((known) => written === known || written.startsWith(`${known}.`)) : undefined;
  if (version === undefined) throw new Error(`journal: libvirt ${JSON.stringify(written)} is none of the versions the builder has rules for (${LIBVIRT_VERSIONS.join(', ')})`);
  return version;
}

const cgroupOf = (path: string | null | undefined) => (path === null || path === undefined ? null : { path });
const successOf = (success: boolean | undefined) => (success === undefined ? {} : { success });

/** The journal's failure stage names, as the lab writes them, to the builder's stages. */
function failedStage(step: Extract<JournalStep, { kind: 'failed-start' }>): FailedStartStage {
  const stage: string | undefined = step.stage;
  if (stage !== undefined && (FAILED_START_STAGES as readonly string[]).includes(stage)) return stage as FailedStartStage;
  // the lab's before-cgroup is, in practice, qemuProcessPrepareHost refusing (a missing image): no NIC opened yet
  if (stage === 'before-cgroup') return 'prepare-host';
  if (stage === 'qemu-refused-device') return 'after-cgroup';
  if (stage !== undefined) throw new Error(`journal: failed-start stage ${JSON.stringify(stage)} is none of ${FAILED_START_STAGES.join(', ')}, before-cgroup, qemu-refused-device`);
  return step.cgroup ? 'after-cgroup' : 'prepare-host';
}

/**
 * The records libvirt writes for one journaled step, in its order.
 *
 * @param step - The step.
 * @param version - Whose rules.
 * @param fallbackRuntime - Host values for a step that carries none.
 * @returns The records.
 */
export function stepRecords(step: JournalStep, version: LibvirtVersion, fallbackRuntime?: HostValues): EmitInput[] {
  const runtime = ('runtime' in step ? step.runtime : undefined) ?? fallbackRuntime;
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
      return auditHotplug(parseDomainXml(step.liveXml), parseDeviceXml(step.deviceXml).domain, step.kind, { ...base, cgroup: cgroupOf(step.cgroup), ...successOf(step.success) });
    case 'update':
      return auditResourceUpdate(parseDomainXml(step.liveXml), step.resource, step.oldValue, step.newValue, { success: step.success ?? true });
    case 'interface-update': {
      const mac = parseDeviceXml(step.deviceXml).domain.devices.nets[0]?.mac;
      if (!mac) throw new Error('journal: interface-update step whose deviceXml is no <interface> with a MAC');
      return auditNetBridgeChange(parseDomainXml(step.liveXml), mac, { ...base, ...successOf(step.success) });
    }
    case 'media-change': {
      const disk = parseDeviceXml(step.deviceXml).domain.devices.disks[0];
      if (disk === undefined) throw new Error('journal: media-change step whose deviceXml is no <disk>');
      return auditMediaChange(parseDomainXml(step.liveXml), disk, { ...base, oldSource: step.oldSource, cgroup: cgroupOf(step.cgroup), ...successOf(step.success) });
    }
  }
}

/** A record a journaled step must have written: its payload and the step (index in the guest's steps) it belongs to. */
export interface ExpectedStepRecord {
  /** The step's index in the guest's steps. */
  readonly step: number;
  /** The step's kind. */
  readonly kind: JournalStep['kind'];
  /** The payload, with `res=`. */
  readonly payload: string;
}

/**
 * Every record the guest's steps must have written, in order.
 *
 * @param guest - The guest's journal.
 * @param version - Whose rules.
 * @param fallbackRuntime - Host values for the steps that carry none.
 * @returns The records' payloads, each with its step.
 */
export function expectedRecords(guest: GuestJournal, version: LibvirtVersion, fallbackRuntime?: HostValues): ExpectedStepRecord[] {
  return guest.steps.flatMap((step, index) =>
    stepRecords(step, version, fallbackRuntime).flatMap((input) => {
      const payload = buildPayload(input);
      return payload === null ? [] : [{ step: index, kind: step.kind, payload: `${payload} res=${String(input.res)}` }];
    }),
  );
}
