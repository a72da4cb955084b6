// TypeScript types of the JSON form of VIRT records. The record types themselves are generated from the
// JSON Schemas (virt-records.generated.ts, npm run gen:json-types); these are the value sets they use.
import type { START_REASONS, STOP_REASONS, VIRT_TYPES } from '../libvirt/value-classes.js';

export type * from './virt-records.generated.js';

/** `virt=`: the hypervisor type as libvirt names it (virDomainVirtTypeToString); `?` for one it cannot name. */
export type VirtType = (typeof VIRT_TYPES)[number];
/** `reason=` of an `op=start` VIRT_CONTROL record. */
export type StartReason = (typeof START_REASONS)[number];
/** `reason=` of an `op=stop` VIRT_CONTROL record. */
export type StopReason = (typeof STOP_REASONS)[number];
/** `res=`: whether the audited operation succeeded. */
export type AuditResult = 'success' | 'failed';
