import { XMLParser } from 'fast-xml-parser';
import { EmitError } from '../errors.js';
import { libvirtUuid } from './libvirt-uuid.js';
import { readXmlDocument } from './xml-document.js';
import type { CharDevice, DomainDefinition, Hostdev, Input, Rng, SecurityLabel, Shmem, Smartcard, Tpm } from './domain-definition.js';
import { parseDeviceExtras } from './parse-device-extras.js';
import { parseDisk, parseFirmware } from './parse-storage.js';
import { bytesOf } from './sizes.js';
import { attr, node, nodes, text, texts, type XmlNode as Node } from './xml-nodes.js';


const REPEATED = new Set([
  'disk', 'filesystem', 'interface', 'hostdev', 'redirdev', 'serial', 'parallel', 'channel', 'console', 'smartcard',
  'rng', 'tpm', 'shmem', 'input', 'seclabel', 'certificate', 'iothread', 'memory',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseAttributeValue: false,
  parseTagValue: false,
  // Decodes character references (&#45;); readXmlDocument has refused every named entity but XML's five.
  htmlEntities: true,
  // Text around a CDATA section keeps its spaces, as XPath string() does; text() trims the whole value.
  trimValues: false,
  isArray: (name, jpath) => {
    const path = String(jpath);
    return REPEATED.has(name) && (path.startsWith('domain.devices.') || path === 'domain.seclabel' || path.endsWith('.certificate') || path === 'domain.iothreadids.iothread');
  },
});

/** virDomainAuditChardevPath: the host path of file-like sources, null for network or virtual ones. */
function charDevice(element: Node): CharDevice {
  const sourceType = attr(element, 'type') ?? 'pty';
  const withPath = ['pty', 'dev', 'file', 'pipe', 'nmdm', 'unix'].includes(sourceType);
  const source = nodes(element.source)[0];
  return { sourceType, path: withPath ? attr(source, 'path') : null, targetType: attr(element.target, 'type') };
}

function filesystemPath(element: Node): string | null {
  const source = element.source;
  return attr(source, 'dir') ?? attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'name') ?? attr(source, 'socket');
}

const pad = (value: string | null, width: number, radix: number): string =>
  Number.parseInt(value ?? '0', radix).toString(radix).padStart(width, '0');

function hostdev(element: Node): Hostdev {
  const source = node(element.source);
  if (attr(element, 'mode') === 'capabilities') {
    const kind = attr(element, 'type');
    if (kind === 'storage') return { mode: 'capabilities', kind, path: text(source.block) };
    if (kind === 'misc') return { mode: 'capabilities', kind, path: text(source.char) };
    return { mode: 'capabilities', kind: 'net', path: null };
  }
  const address = node(source.address);
  const subsystem = { vfio: false, iommufd: false, readonly: element.readonly !== undefined, located: true };
  switch (attr(element, 'type')) {
    case 'pci': {
      const field = (name: string): string => attr(address, name) ?? '0';
      const device = `${pad(field('domain'), 4, 16)}:${pad(field('bus'), 2, 16)}:${pad(field('slot'), 2, 16)}.${Number.parseInt(field('function'), 16)}`;
      const vfio = (attr(element.driver, 'name') ?? 'vfio') === 'vfio';
      return { mode: 'subsystem', bus: 'pci', device, ...subsystem, vfio, iommufd: vfio && attr(element.driver, 'iommufd') === 'yes' };
    }
    case 'usb': {
      const bus = attr(address, 'bus');
      const device = attr(address, 'device');
      // virDomainAuditHostdev prints "%.3d.%.3d" even for a device found by vendor/product that has no address
      return { mode: 'subsystem', bus: 'usb', device: `${pad(bus, 3, 10)}.${pad(device, 3, 10)}`, ...subsystem, located: bus !== null && device !== null };
    }
    case 'scsi': {
      if (attr(source, 'protocol') === 'iscsi') return { mode: 'subsystem', bus: 'scsi', device: null, ...subsystem };
      const adapter = attr(source.adapter, 'name');
      return { mode: 'subsystem', bus: 'scsi', device: `${adapter}:${attr(address, 'bus')}:${attr(address, 'target')}:${attr(address, 'unit')}`, ...subsystem };
    }
    case 'scsi_host':
      return { mode: 'subsystem', bus: 'scsi_host', device: attr(source, 'wwpn'), ...subsystem };
    case 'mdev':
      return { mode: 'subsystem', bus: 'mdev', device: attr(address, 'uuid'), ...subsystem };
    default:
      throw new EmitError('invalid-record', `hostdev type ${attr(element, 'type')} is not one libvirt audits`);
  }
}

function smartcard(element: Node): Smartcard {
  const mode = attr(element, 'mode');
  if (mode === 'host-certificates') {
    return {
      mode,
      certificates: texts(element.certificate),
      database: text(element.database) ?? '/etc/pki/nssdb',
      path: null,
    };
  }
  if (mode === 'passthrough') return { mode, certificates: [], database: null, path: charDevice(element).path };
  return { mode: 'host', certificates: [], database: null, path: null };
}

function rng(element: Node): Rng {
  const backend = node(element.backend);
  const model = attr(backend, 'model');
  if (model === 'random') return { backend: 'random', path: text(backend) || '/dev/random' };
  if (model === 'egd') return { backend: 'egd', path: charDevice(backend).path };
  return { backend: 'builtin', path: null };
}

function tpm(element: Node): Tpm {
  const backend = node(element.backend);
  const type = attr(backend, 'type');
  if (type === 'passthrough') return { backend: 'passthrough', path: attr(backend.device, 'path') ?? '/dev/tpm0' };
  if (type === 'external') return { backend: 'external', path: attr(backend.source, 'path') };
  return { backend: 'emulator', path: null };
}

function shmem(element: Node): Shmem {
  const name = attr(element, 'name') ?? '';
  const model = attr(element.model, 'type');
  const hasServer = element.server !== undefined || model === 'ivshmem-doorbell';
  return {
    name,
    sizeBytes: element.size === undefined ? 0 : bytesOf(element.size, 'M'),
    server: hasServer ? { path: attr(element.server, 'path') ?? `/var/lib/libvirt/shmem-${name}-sock` } : null,
  };
}

function input(element: Node): Input {
  const type = attr(element, 'type') ?? '';
  const source = element.source;
  const path = type === 'passthrough' ? attr(source, 'evdev') : type === 'evdev' ? attr(source, 'dev') : null;
  return { type, path };
}

function seclabel(element: Node): SecurityLabel {
  return { model: attr(element, 'model'), label: text(element.label), imageLabel: text(element.imagelabel) };
}

/**
 * Reads a libvirt domain XML (inactive or live) into what the audit code needs.
 *
 * @param xml - The XML, as text or bytes (`virsh dumpxml`).
 * @returns The definition.
 * @throws {@link EmitError} `invalid-record` for XML that is not a well-formed domain definition.
 * @example
 * ```ts
 * import { execFileSync } from 'node:child_process';
 * import { parseDomainXml } from 'virt-audit/emitter';
 *
 * const domain = parseDomainXml(execFileSync('virsh', ['dumpxml', 'web1']));
 * console.log(domain.name, domain.devices.disks.map((disk) => disk.source.path));
 * ```
 */
export function parseDomainXml(xml: string | Uint8Array): DomainDefinition {
  let document: Node;
  try {
    document = node(readXmlDocument(xml, (text) => parser.parse(text)));
  } catch (error) {
    if (error instanceof EmitError) throw error;
    throw new EmitError('invalid-record', `domain XML does not parse: ${(error as Error).message}`);
  }
  const domain = node(document.domain);
  const name = text(domain.name);
  const uuid = text(domain.uuid);
  if (!name || !uuid) throw new EmitError('invalid-record', 'domain XML needs <name> and <uuid> (libvirt fills in the UUID on define)');
  const devices = node(domain.devices);
  const vcpu = domain.vcpu;
  const iothreadIds = nodes(node(domain.iothreadids).iothread).length;
  return {
    name,
    uuid: libvirtUuid(uuid),
    virtType: attr(domain, 'type') ?? '?',
    osType: text(node(domain.os).type) ?? 'hvm',
    memoryKiB: Math.round(bytesOf(domain.memory, 'KiB') / 1024),
    vcpus: Number(attr(vcpu, 'current') ?? text(vcpu) ?? 1),
    iothreads: Math.max(Number(text(domain.iothreads) ?? 0), iothreadIds),
    seclabels: nodes(domain.seclabel).map(seclabel),
    firmware: parseFirmware(node(domain.os)),
    launchSecurity: attr(domain.launchSecurity, 'type'),
    devices: {
      ...parseDeviceExtras(devices),
      disks: nodes(devices.disk).map(parseDisk),
      filesystems: nodes(devices.filesystem).map(filesystemPath),
      nets: nodes(devices.interface).map((element) => ({
        mac: attr(element.mac, 'address'),
        type: attr(element, 'type') ?? 'network',
        model: attr(element.model, 'type'),
        driver: attr(element.driver, 'name'),
        targetDev: attr(element.target, 'dev'),
        backendTap: attr(element.backend, 'tap'),
        backendVhost: attr(element.backend, 'vhost'),
      })),
      hostdevs: nodes(devices.hostdev).map(hostdev),
      redirdevs: nodes(devices.redirdev).length,
      serials: nodes(devices.serial).map(charDevice),
      parallels: nodes(devices.parallel).map(charDevice),
      channels: nodes(devices.channel).map(charDevice),
      consoles: nodes(devices.console).map(charDevice),
      smartcards: nodes(devices.smartcard).map(smartcard),
      rngs: nodes(devices.rng).map(rng),
      tpms: nodes(devices.tpm).map(tpm),
      shmems: nodes(devices.shmem).map(shmem),
      inputs: nodes(devices.input).map(input),
    },
  };
}

/**
 * Reads one device element (as given to virsh attach-device) into its kind and definition.
 *
 * @param input - The device's XML, as text or bytes.
 * @returns Its element name and a definition holding only it (for {@link auditHotplug}).
 * @throws {@link EmitError} `invalid-record` for XML that is not one well-formed device.
 */
export function parseDeviceXml(input: string | Uint8Array): {
  /** The element's name: disk, interface, hostdev … */
  readonly kind: string;
  /** A definition whose devices are this one alone. */
  readonly domain: DomainDefinition;
} {
  const { xml, tree } = readXmlDocument(input, (text) => ({ xml: text, tree: parser.parse(text) as unknown }), 'device XML');
  const element = Object.keys(node(tree)).find((key) => !key.startsWith('?'));
  if (!element) throw new EmitError('invalid-record', 'device XML has no element');
  const wrapped = `<domain type='?'><name>device</name><uuid>00000000-0000-0000-0000-000000000000</uuid><memory unit='KiB'>0</memory><devices>${xml}</devices></domain>`;
  return { kind: element, domain: parseDomainXml(wrapped) };
}
