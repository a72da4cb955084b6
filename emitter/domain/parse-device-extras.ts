// Devices that matter only to the cgroup ACLs (qemuSetupDevicesCgroup): sound cards and the graphics
// that decide host audio, render nodes, memory devices with a host backing.
import type { DomainDevices } from './domain-definition.js';
import { bytesOf } from './sizes.js';
import { attr, node, nodes, text, type XmlNode } from './xml-nodes.js';

type Extras = Pick<DomainDevices, 'memoryDevices' | 'sounds' | 'graphics' | 'graphicsRenderNodes' | 'videos'>;

export function parseDeviceExtras(devices: XmlNode): Extras {
  const graphics = nodes(devices.graphics);
  return {
    memoryDevices: nodes(devices.memory).map((element) => ({
      model: attr(element, 'model') ?? 'dimm',
      path: text(node(element.source).path),
      sizeKiB: node(element.target).size === undefined ? 0 : Math.round(bytesOf(node(element.target).size, 'KiB') / 1024),
    })),
    sounds: nodes(devices.sound).length,
    graphics: graphics.map((element) => attr(element, 'type') ?? ''),
    // virDomainGraphicsGetRenderNode: spice and egl-headless carry it in <gl rendernode=…>
    graphicsRenderNodes: graphics.flatMap((element) => {
      const renderNode = attr(element.gl, 'rendernode');
      return renderNode === null ? [] : [renderNode];
    }),
    videos: nodes(devices.video).map((element) => {
      const model = node(element.model);
      return { renderNode: attr(model.acceleration, 'rendernode'), blob: attr(model, 'blob') === 'on' };
    }),
  };
}
