// Live changes of counted resources (src/qemu/qemu_hotplug.c, qemu_driver.c): vCPUs one hot-pluggable
// entity at a time, IOThreads one at a time, memory modules. Balloon changes are not audited by libvirt.
import type { EmitInput } from '../emitter.js';
import type { DomainDefinition } from './domain-definition.js';
import { counted } from './records.js';

/** What {@link auditResourceUpdate} needs beyond the change. */
export interface ResourceUpdateOptions {
  /** Whether the change succeeded; a failed change stops at its first step. Default true. */
  readonly success?: boolean;
  /**
   * vCPUs per hot-pluggable entity (qemuDomainVcpuPrivate.vcpus: 1 on x86, where every thread plugs
   * alone; the threads of a core on ppc64). Default 1.
   */
  readonly vcpusPerEntity?: number;
}

/** Steps of `step` from `oldValue` towards `newValue`; the last may be shorter. */
function steps(oldValue: number, newValue: number, step: number): [number, number][] {
  const out: [number, number][] = [];
  const direction = Math.sign(newValue - oldValue);
  for (let value = oldValue; value !== newValue;) {
    const next = direction > 0 ? Math.min(value + step, newValue) : Math.max(value - step, newValue);
    out.push([value, next]);
    value = next;
  }
  return out;
}

/**
 * A live change of memory (KiB, a memory module plugged or unplugged: qemuDomainAttachMemory,
 * qemuDomainRemoveMemoryDevice), vCPUs (qemuDomainHotplugAddVcpu / qemuDomainRemoveVcpu: one record per
 * entity, `old-vcpu=1 new-vcpu=2` then `2 → 3`) or IOThreads (qemuDomainHotplugAddIOThread /
 * DelIOThread, one per thread). `oldValue` and `newValue` are the totals before and after.
 *
 * @param domain - The guest's live definition.
 * @param kind - What changed: mem (KiB), vcpu or iothread.
 * @param oldValue - The total before.
 * @param newValue - The total after.
 * @param options - Success and vCPUs per hot-pluggable entity (or just whether it succeeded).
 * @returns The records, in libvirt's order.
 */
export function auditResourceUpdate(
  domain: DomainDefinition, kind: 'mem' | 'vcpu' | 'iothread', oldValue: number, newValue: number,
  options: ResourceUpdateOptions | boolean = {},
): EmitInput[] {
  const { success = true, vcpusPerEntity = 1 } = typeof options === 'boolean' ? { success: options } : options;
  if (kind === 'mem') return [counted(domain, 'mem', 'update', oldValue, newValue, success)];
  const all = steps(oldValue, newValue, kind === 'vcpu' ? Math.max(1, vcpusPerEntity) : 1);
  if (!success) return all.slice(0, 1).map(([from, to]) => counted(domain, kind, 'update', from, to, false));
  return all.map(([from, to]) => counted(domain, kind, 'update', from, to));
}
