// Checks a host-values document (JSON, as the capture lab writes it) field by field, naming the source and
// the field of anything it rejects: nothing is dropped or changed silently.
import { EmitError } from '../errors.js';
import type { DeviceState, HostValues } from './host-values.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function fail(source: string, field: string, message: string): never {
  throw new EmitError('invalid-record', `${source}: host values: ${field} ${message}`);
}

function stringList(source: string, field: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) fail(source, field, 'must be a list of strings');
  return [...(value as string[])];
}

function deviceState(source: string, field: string, value: unknown): DeviceState {
  if (value === null || value === 'missing') return value;
  if (!isObject(value)) fail(source, field, 'must be { major, minor, kind }, null (not a device) or "missing" (not there)');
  const { major, minor, kind } = value;
  const valid = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n < 2 ** 32;
  if (!valid(major) || !valid(minor)) fail(source, field, 'needs non-negative integer major and minor');
  if (kind !== 'char' && kind !== 'block') fail(source, field, 'kind must be "char" or "block"');
  return { major: major as number, minor: minor as number, kind };
}

function record<T>(source: string, field: string, value: unknown, item: (key: string, value: unknown) => T): Record<string, T> {
  if (!isObject(value)) fail(source, field, 'must be an object');
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, item(`${field}[${JSON.stringify(key)}]`, entry)]));
}

const KNOWN = new Set(['devices', 'vhostNet', 'tapDevice', 'tpmEmulatorSockets', 'cgroupDeviceAcl', 'hostdevPaths', 'deviceMapperTargets', 'vncAllowHostAudio', 'nogfxAllowHostAudio', 'seclabels']);

/**
 * The host values of a parsed JSON document (a journal step's `runtime`, `conform --host-values`).
 *
 * @param json - The parsed document.
 * @param source - What to name in errors (a file name).
 * @returns The host values.
 * @throws {@link EmitError} `invalid-record` naming the source and the field that is not of its shape.
 */
export function hostValuesFrom(json: unknown, source: string): HostValues {
  if (!isObject(json)) fail(source, 'the document', 'must be a JSON object');
  for (const key of Object.keys(json)) if (!KNOWN.has(key)) fail(source, key, `is not a host value (known: ${[...KNOWN].join(', ')})`);
  const values: Mutable<HostValues> = {};
  if (json.devices !== undefined) values.devices = record(source, 'devices', json.devices, (field, entry) => deviceState(source, field, entry));
  if (json.vhostNet !== undefined) {
    values.vhostNet = record(source, 'vhostNet', json.vhostNet, (field, entry) => (typeof entry === 'boolean' ? entry : fail(source, field, 'must be true or false')));
  }
  if (json.tapDevice !== undefined) values.tapDevice = typeof json.tapDevice === 'string' ? json.tapDevice : fail(source, 'tapDevice', 'must be a path');
  for (const name of ['vncAllowHostAudio', 'nogfxAllowHostAudio'] as const) {
    const value = json[name];
    if (value !== undefined) values[name] = typeof value === 'boolean' ? value : fail(source, name, 'must be true or false');
  }
  if (json.tpmEmulatorSockets !== undefined) values.tpmEmulatorSockets = stringList(source, 'tpmEmulatorSockets', json.tpmEmulatorSockets);
  if (json.cgroupDeviceAcl !== undefined) values.cgroupDeviceAcl = stringList(source, 'cgroupDeviceAcl', json.cgroupDeviceAcl);
  if (json.hostdevPaths !== undefined) {
    values.hostdevPaths = record(source, 'hostdevPaths', json.hostdevPaths, (field, entry) => (typeof entry === 'string' ? entry : fail(source, field, 'must be a path')));
  }
  if (json.deviceMapperTargets !== undefined) {
    values.deviceMapperTargets = record(source, 'deviceMapperTargets', json.deviceMapperTargets, (field, entry) => stringList(source, field, entry));
  }
  if (json.seclabels !== undefined) {
    if (!Array.isArray(json.seclabels)) fail(source, 'seclabels', 'must be a list');
    values.seclabels = json.seclabels.map((label, index) => {
      const field = `seclabels[${index}]`;
      if (!isObject(label)) fail(source, field, 'must be { model, label, imageLabel }');
      const text = (name: string) => {
        const value = label[name] ?? null;
        return value === null || typeof value === 'string' ? value : fail(source, `${field}.${name}`, 'must be a string or null');
      };
      return { model: text('model'), label: text('label'), imageLabel: text('imageLabel') };
    });
  }
  return values;
}
