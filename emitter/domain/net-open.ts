// virDomainAuditNetDevice: `resrc=net reason=open`, written while libvirt opens a NIC's host side
// (qemuBuildInterfaceConnect), before the cgroup is set up on a start, before the attach record on hot-plug.
import type { EmitInput } from '../emitter.js';
import { formatRdev } from '../payload.js';
import type { DomainDefinition, NetInterface } from './domain-definition.js';
import type { HostValues, LibvirtVersion, StatPath } from './host-values.js';
import { resource } from './records.js';

export interface NetOpenContext {
  readonly stat: StatPath;
  readonly hostValues?: HostValues | undefined;
  readonly version: LibvirtVersion;
}

/** The guests qemuInterfaceOpenVhostNet opens vhost-net for: KVM; from 12.9 (binary) Hyper-V too. */
const vhostNetGuest = (virtType: string, version: LibvirtVersion): boolean => virtType === 'kvm' || (version === '12.9' && virtType === 'hyperv');

/** virDomainAuditNetDevice: the device number when the path is a device on the guest's host, else "?". */
function openRecord(domain: DomainDefinition, net: NetInterface, path: string, stat: StatPath, success: boolean): EmitInput {
  // libvirtd runs in /: a macvtap's bare name is no path there
  const state = path.startsWith('/') ? stat(path) : 'missing';
  const rdev = typeof state === 'object' ? formatRdev(state.major, state.minor) : null;
  return resource(domain, 'net', 'open', { net: net.mac, path, rdev }, success);
}

/**
 * qemuInterfaceOpenVhostNet: only for KVM guests (never TCG; 12.9 Hyper-V too), a virtio model, and a driver that is not
 * "qemu". When an open fails libvirt writes a failed record, gives up on vhost-net and then still writes
 * its success record (the audit after the loop passes the queue count as the outcome).
 */
function vhostRecords(domain: DomainDefinition, net: NetInterface, context: NetOpenContext): EmitInput[] {
  if (!vhostNetGuest(domain.virtType, context.version) || net.driver === 'qemu' || net.model !== 'virtio') return [];
  const path = net.backendVhost ?? '/dev/vhost-net';
  // not recorded: taken as opened, as on any KVM host with the vhost_net module
  const opened = (net.mac === null ? undefined : context.hostValues?.vhostNet?.[net.mac]) ?? true;
  const success = openRecord(domain, net, path, context.stat, true);
  return opened ? [success] : [openRecord(domain, net, path, context.stat, false), success];
}

/**
 * The open records of one NIC: the tap device (qemuInterfaceBridgeConnect for network and bridge,
 * qemuInterfaceEthernetConnect for ethernet), the macvtap by name (qemuInterfaceDirectConnect), then
 * vhost-net. Other types (user, vhostuser, vdpa, hostdev …) open nothing libvirt audits.
 */
export function netOpenRecords(domain: DomainDefinition, net: NetInterface, context: NetOpenContext): EmitInput[] {
  const tap = context.hostValues?.tapDevice ?? net.backendTap ?? '/dev/net/tun';
  switch (net.type) {
    case 'network':
    case 'bridge':
    case 'ethernet':
      return [openRecord(domain, net, tap, context.stat, true), ...vhostRecords(domain, net, context)];
    case 'direct':
      return [...(net.targetDev === null ? [] : [openRecord(domain, net, net.targetDev, context.stat, true)]), ...vhostRecords(domain, net, context)];
    default:
      return [];
  }
}
