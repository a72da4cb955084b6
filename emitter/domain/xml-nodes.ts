// Reading the object tree fast-xml-parser makes of a domain XML: elements as nodes, attributes as '@name',
// text as '#text'.
import { EmitError } from '../errors.js';

export type XmlNode = Record<string, unknown>;

export const node = (value: unknown): XmlNode =>
  (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as XmlNode) : {});

export const nodes = (value: unknown): XmlNode[] => (Array.isArray(value) ? value.map(node) : value === undefined ? [] : [node(value)]);

export const attr = (element: unknown, name: string): string | null => {
  const value = node(element)[`@${name}`];
  return typeof value === 'string' ? value : null;
};

export const text = (element: unknown): string | null => {
  if (typeof element === 'string') return element.trim();
  // libvirt reads a value as XPath string(): the text of child elements too, in document order, which this tree has lost.
  const child = Object.keys(node(element)).find((key) => !key.startsWith('@') && key !== '#text');
  if (child !== undefined) throw new EmitError('invalid-record', `a value element holds an element <${child}>; libvirt would read its text as part of the value`);
  const value = node(element)['#text'];
  return typeof value === 'string' ? value.trim() : null;
};

export const texts = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) => text(item) ?? '');

/** Whether an element is present (`<readonly/>` parses to an empty string). */
export const present = (value: unknown): boolean => value !== undefined;
