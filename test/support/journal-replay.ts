// Rebuilds, with the emitter's lifecycle builders, the records libvirt should have written for each
// journaled guest, and reads the records libvirt did write for it from the capture — both as wire
// payloads ("field=value … res=…", libaudit's tail left out) in order.
import { readFileSync } from 'node:fs';
import { parseLine, splitLibauditTail, type AuditRecord } from '../../src/index.js';
import {
  auditHotplug, auditResourceUpdate, auditStart, auditStop, buildPayload, parseDeviceXml, parseDomainXml, type EmitInput,
} from '../../emitter/index.js';
import type { GuestJournal, Journal, JournalStep } from '../../scripts/lab/journal.js';

export function readJournal(path: string): Journal {
  return JSON.parse(readFileSync(path, 'utf8')) as Journal;
}

const cgroupOf = (path: string | null) => (path === null ? null : { path });

function rebuildStep(step: JournalStep): EmitInput[] {
  switch (step.kind) {
    case 'start':
      return auditStart(parseDomainXml(step.liveXml), { reason: step.reason, vmPid: step.vmPid, cgroup: cgroupOf(step.cgroup) });
    case 'failed-start':
      return auditStart(parseDomainXml(step.definitionXml), { vmPid: 0, success: false, cgroup: null, seclabels: step.seclabels });
    case 'stop':
      return auditStop(parseDomainXml(step.liveXml), step.reason);
    case 'attach':
    case 'detach':
      return auditHotplug(parseDomainXml(step.liveXml), parseDeviceXml(step.deviceXml).domain, step.kind, { cgroup: cgroupOf(step.cgroup), success: step.success ?? true });
    case 'update':
      return auditResourceUpdate(parseDomainXml(step.liveXml), step.resource, step.oldValue, step.newValue, step.success ?? true);
    case 'media-change':
    case 'interface-update':
      // No builder for a change of media or of a NIC yet (issue 14; the builder branch maps them).
      return [];
  }
}

/** The emitter's payloads for a guest's journal, in order (`_journal`: its libvirt version, for the builder branch). */
export function rebuiltPayloads(guest: GuestJournal, _journal?: Journal): string[] {
  return guest.steps.flatMap(rebuildStep).map((input) => `${buildPayload(input)!} res=${String(input.res)}`);
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
