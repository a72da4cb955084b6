/**
 * `virt-audit/emitter`: writes VIRT_CONTROL / VIRT_RESOURCE / VIRT_MACHINE_ID records byte for byte as
 * libvirt does, through libaudit (real records in the host's audit trail) or into memory, stdout or a file
 * (dry runs); and the lifecycle builders, which say which records libvirt's QEMU driver writes for a guest's
 * start, stop, hot-plug and updates, from its domain XML.
 *
 * Only {@link LibauditSink} writes into the host's audit trail, and it is the default sink of {@link Emitter}:
 * give a {@link MemorySink} or a {@link LineSink} for a dry run.
 *
 * @packageDocumentation
 * @module virt-audit/emitter
 */
export {
  DeliveryStopped, Emitter, MAX_LINE_BYTES, MAX_MESSAGE_BYTES,
  type EmitInput, type EmitPolicy, type EmitResult, type EmitterOptions, type LibvirtRecordInput,
} from './emitter.js';
export {
  LibauditSink, LineSink, MemorySink,
  type DeliverOptions, type Delivery, type LibauditSinkOptions, type LineSinkOptions, type OutgoingRecord, type Sink,
} from './sinks.js';
export type { ConnectionOptions } from './libaudit-connection.js';
export type { LibauditTail, RecordHeader } from './process-identity.js';
export { EmitError, NotDelivered, SinkFailed, isNotDelivered, type EmitErrorKind, type LossDetail } from './errors.js';
export { FieldError } from './field-refusal.js';
export { parseDeviceXml, parseDomainXml } from './domain/parse-domain.js';
export type * from './domain/domain-definition.js';
export {
  FAILED_START_STAGES, LIBVIRT_VERSIONS, auditBlockCopy, auditDiskSnapshot, auditFailedStart, auditHotplug, auditMediaChange,
  auditNetBridgeChange, auditReboot, auditResourceUpdate, auditStart, auditStop, hostValuesFrom, statPath,
  type CgroupRuntime, type DeviceNumber, type DeviceState, type DiskJobOptions, type DiskOverlay, type FailedStartOptions, type FailedStartStage,
  type HostValues, type HotplugAction, type HotplugOptions, type LibvirtVersion, type LifecycleOptions, type MediaChangeOptions, type PathState,
  type ResourceUpdateOptions, type StartOptions, type StatPath,
} from './domain/lifecycle.js';
