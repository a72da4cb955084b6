// Options every lifecycle builder takes: which libvirt's rules, and the values its host gave it.
import { defaultDeviceAcl, type CgroupScope } from './cgroup-acl.js';
import type { DomainDefinition } from './domain-definition.js';
import { hostPathState, type HostValues, type LibvirtVersion, type StatPath } from './host-values.js';

/** What every lifecycle builder takes: whose rules, and what libvirt read from the guest's host. */
export interface LifecycleOptions {
  /** Whose rules: libvirt 9.0 (default), 11.3 or 12.9. */
  readonly libvirtVersion?: LibvirtVersion;
  /** What libvirt read from the guest's host; what is not given is read from this host. */
  readonly hostValues?: HostValues;
  /** The fallback for paths the host values do not list (default: stat on this host). */
  readonly stat?: StatPath;
}

/** The guest's devices cgroup. */
export interface CgroupRuntime {
  /** The devices controller path (virCgroupPathOfController), as libvirt prints it; null prints "?". */
  readonly path: string | null;
  /** qemu.conf cgroup_device_acl; overrides the host values' list and the version's default. */
  readonly deviceAcl?: readonly string[];
}

export const versionOf = (options: LifecycleOptions): LibvirtVersion => options.libvirtVersion ?? '9.0';

export const statOf = (options: LifecycleOptions): StatPath => hostPathState(options.hostValues, options.stat);

/** The device ACL list in effect: given, from the host values, or the version's default. */
export function deviceAclOf(options: LifecycleOptions, cgroup?: CgroupRuntime | null): readonly string[] {
  return cgroup?.deviceAcl ?? options.hostValues?.cgroupDeviceAcl ?? defaultDeviceAcl(versionOf(options));
}

export function cgroupScope(domain: DomainDefinition, cgroup: CgroupRuntime, options: LifecycleOptions): CgroupScope {
  return {
    domain, path: cgroup.path, version: versionOf(options), deviceAcl: deviceAclOf(options, cgroup), stat: statOf(options),
    deviceMapperTargets: options.hostValues?.deviceMapperTargets,
    hostdevPaths: options.hostValues?.hostdevPaths,
    hostAudio: { vnc: options.hostValues?.vncAllowHostAudio ?? false, nogfx: options.hostValues?.nogfxAllowHostAudio ?? false },
  };
}
