// The record shapes of src/conf/domain_audit.c, in the emitter's JSON form.
import type { EmitInput } from '../emitter.js';
import type { DomainDefinition, Hostdev } from './domain-definition.js';

/** virDomainAuditLifecycle: VIRT_CONTROL op=start|stop. */
export function control(domain: DomainDefinition, op: 'start' | 'stop', reason: string, vmPid: number, success: boolean): EmitInput {
  return { type: 'VIRT_CONTROL', virt: domain.virtType, op, reason, vm: domain.name, uuid: domain.uuid, 'vm-pid': vmPid, res: success ? 'success' : 'failed' };
}

/** A VIRT_RESOURCE record: virt, resrc, reason, vm, uuid, then the resource's own fields. */
export function resource(domain: DomainDefinition, resrc: string, reason: string, fields: Record<string, unknown>, success = true): EmitInput {
  return { type: 'VIRT_RESOURCE', virt: domain.virtType, resrc, reason, vm: domain.name, uuid: domain.uuid, ...fields, res: success ? 'success' : 'failed' };
}

/** virDomainAuditGenericDev: nothing when both sides are absent. */
export function generic(domain: DomainDefinition, kind: string, reason: string, oldValue: string | null, newValue: string | null, success = true): EmitInput[] {
  if (oldValue === null && newValue === null) return [];
  return [resource(domain, kind, reason, { [`old-${kind}`]: oldValue, [`new-${kind}`]: newValue }, success)];
}

/** virDomainAuditResource: mem, vcpu, iothread. */
export function counted(domain: DomainDefinition, kind: 'mem' | 'vcpu' | 'iothread', reason: string, oldValue: number, newValue: number, success = true): EmitInput {
  return resource(domain, kind, reason, { [`old-${kind}`]: oldValue, [`new-${kind}`]: newValue }, success);
}

/** virDomainAuditHostdev: subsystem devices by bus and address, capabilities by host path. */
export function hostdevRecords(domain: DomainDefinition, hostdev: Hostdev, reason: string, success = true): EmitInput[] {
  if (hostdev.mode === 'subsystem') {
    return hostdev.device === null ? [] : [resource(domain, 'dev', reason, { bus: hostdev.bus, device: hostdev.device }, success)];
  }
  if (hostdev.kind === 'storage') return [resource(domain, 'hostdev', reason, { disk: hostdev.path }, success)];
  if (hostdev.kind === 'misc') return [resource(domain, 'hostdev', reason, { chardev: hostdev.path }, success)];
  return [];
}
