// Disks with their backing chains, and firmware images: what qemuSetupImageChainCgroup and
// qemuSetupFirmwareCgroup walk, read from a (live) domain XML.
import type { Disk, Firmware, StorageSource } from './domain-definition.js';
import { attr, node, nodes, present, text, type XmlNode } from './xml-nodes.js';

/** virStorageSourceIsLocalStorage: the types whose path is a host path. */
const LOCAL_TYPES = new Set(['file', 'block', 'dir']);

/** Where each local type keeps its path in `<source>`. */
const PATH_ATTRIBUTE: Readonly<Record<string, string>> = { file: 'file', block: 'dev', dir: 'dir' };

function storageSource(element: XmlNode, type: string): StorageSource {
  const attribute = PATH_ATTRIBUTE[type];
  const source = nodes(element.source)[0];
  const path = LOCAL_TYPES.has(type) && attribute !== undefined ? attr(source, attribute) : null;
  // <source><dataStore type=…><format/><source …/></dataStore></source>
  const dataStore = nodes(node(source).dataStore)[0];
  return {
    type,
    path: path === '' ? null : path,
    managedReservations: attr(node(source).reservations, 'managed') === 'yes',
    nvmeAddress: type === 'nvme' ? pciAddress(node(source).address) : null,
    dataStore: dataStore === undefined ? null : storageSource(dataStore, attr(dataStore, 'type') ?? 'file'),
  };
}

/** A PCI address as virPCIDeviceAddress prints it: dddd:bb:ss.f. */
function pciAddress(address: unknown): string | null {
  if (address === undefined) return null;
  const field = (name: string, width: number) => Number.parseInt(attr(address, name) ?? '0', 16).toString(16).padStart(width, '0');
  return `${field('domain', 4)}:${field('bus', 2)}:${field('slot', 2)}.${Number.parseInt(attr(address, 'function') ?? '0', 16)}`;
}

/**
 * The backing images of a live XML's `<backingStore>` nesting, top excluded. virStorageSourceIsBacking
 * ends the chain at the empty `<backingStore/>` (type none) that closes it.
 */
function backingChain(element: XmlNode): StorageSource[] {
  const chain: StorageSource[] = [];
  let next = nodes(element.backingStore)[0];
  while (next !== undefined && attr(next, 'type') !== null) {
    chain.push(storageSource(next, attr(next, 'type')!));
    next = nodes(next.backingStore)[0];
  }
  return chain;
}

const BUS_OF_TARGET_PREFIX: readonly (readonly [string, string])[] = [['hd', 'ide'], ['sd', 'scsi'], ['vd', 'virtio'], ['xvd', 'xen'], ['ubd', 'uml']];

/** virDomainDiskDefPostParse: a disk without `<target bus=…>` is fdc for a floppy, else by its name's prefix, else ide. */
function defaultBus(device: string, target: string | null): string {
  if (device === 'floppy') return 'fdc';
  return BUS_OF_TARGET_PREFIX.find(([prefix]) => target?.startsWith(prefix))?.[1] ?? 'ide';
}

export function parseDisk(element: XmlNode): Disk {
  const device = attr(element, 'device') ?? 'disk';
  const target = attr(element.target, 'dev');
  return {
    device,
    target,
    bus: attr(element.target, 'bus') ?? defaultBus(device, target),
    source: storageSource(element, attr(element, 'type') ?? 'file'),
    readonly: present(element.readonly) || device === 'cdrom',
    backingChain: backingChain(element),
    transient: present(element.transient) && attr(element.transient, 'shareBacking') !== 'yes',
  };
}

export function parseFirmware(os: XmlNode): Firmware {
  const loader = os.loader;
  const loaderPath = text(loader);
  const nvram = node(os.nvram);
  // libvirt 9+: <nvram type='file'><source file=…/></nvram> or the path as text
  const nvramPath = text(os.nvram) || attr(nodes(nvram.source)[0], 'file') || attr(nodes(nvram.source)[0], 'dev');
  return {
    loader: loaderPath ? { path: loaderPath, readonly: attr(loader, 'readonly') === 'yes' } : null,
    nvram: nvramPath || null,
  };
}
