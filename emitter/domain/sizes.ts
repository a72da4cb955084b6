// Sizes in domain XML: a number and a `unit=` (virScaleInteger's units).
import { EmitError } from '../errors.js';
import { attr, text } from './xml-nodes.js';

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1, bytes: 1, KB: 1e3, k: 1024, KiB: 1024, MB: 1e6, M: 1024 ** 2, MiB: 1024 ** 2, GB: 1e9, G: 1024 ** 3, GiB: 1024 ** 3,
  TB: 1e12, T: 1024 ** 4, TiB: 1024 ** 4,
};

export function bytesOf(element: unknown, defaultUnit: string): number {
  const amount = Number(text(element) ?? 0);
  const factor = UNIT_BYTES[attr(element, 'unit') ?? defaultUnit];
  if (factor === undefined || !Number.isFinite(amount)) throw new EmitError('invalid-record', `unknown size ${JSON.stringify(element)}`);
  return amount * factor;
}
