// The records libvirt's QEMU driver writes around a guest's life, in its order, from a domain definition
// and the values libvirt read from its host at run time. Rules per libvirt version: docs/libvirt-rules.md.
export { LIBVIRT_VERSIONS, statPath, type DeviceNumber, type DeviceState, type HostValues, type LibvirtVersion, type PathState, type StatPath } from './host-values.js';
export { defaultDeviceAcl } from './cgroup-acl.js';
export type { CgroupRuntime, LifecycleOptions } from './lifecycle-options.js';
export { FAILED_START_STAGES, auditFailedStart, auditReboot, auditStart, auditStop, type FailedStartOptions, type FailedStartStage, type StartOptions } from './start.js';
export { auditHotplug, auditMediaChange, auditNetBridgeChange, type HotplugAction, type HotplugOptions, type MediaChangeOptions } from './hotplug.js';
export { auditResourceUpdate, type ResourceUpdateOptions } from './updates.js';
export { hostValuesFrom } from './host-values-file.js';
export { auditBlockCopy, auditDiskSnapshot, type DiskJobOptions, type DiskOverlay } from './block-jobs.js';
