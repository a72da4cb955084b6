// The one JSON form of a VIRT record, used by `verify --records`, the schemas and the emitter's input:
// audit field names with decoded values, `?` as null, plus type/node/time/serial, the kernel's header
// fields, libaudit's tail, the ENRICHED block and the record's place (file, line).
import { decodeField, type AuditField } from '../model/audit-field.js';
import type { AuditRecord, AuditTime } from '../model/audit-record.js';
import { splitLibauditTail } from './libaudit-tail.js';
import type { FieldSpec, PayloadLayout } from './layouts.js';
import { isNumericClass } from './value-classes.js';

export type JsonValue = string | number | null;

export interface VirtRecordJson {
  type: string;
  node: string | null;
  time: string | null;
  /** Past 2^53 a decimal string: a JSON number would not hold it exactly. */
  serial: number | string | null;
  [field: string]: unknown;
}

const STAMP_SERIAL = /\(\d+\.\d+:(\d+)\)/;

/** The record's serial, exact: beyond 2^53 the digits of its stamp (without leading zeros) as a string. */
export function exactSerial(record: Pick<AuditRecord, 'serial' | 'text'>): number | string | null {
  const serial = record.serial;
  if (serial === null || Number.isSafeInteger(serial)) return serial;
  const digits = STAMP_SERIAL.exec(record.text)?.[1];
  return digits === undefined ? serial : BigInt(digits).toString();
}

const HEADER_INTEGERS = new Set(['pid', 'uid', 'auid', 'ses']);
const INTEGER = /^-?\d+$/;

let isoSecond = Number.NaN;
let isoSecondPrefix = '';

export function timeToIso(time: AuditTime): string | null {
  const millis = time.sec * 1000 + time.ms;
  if (!Number.isSafeInteger(millis) || millis > 253402300799999) return null;
  if (time.ms < 0 || time.ms > 999 || !Number.isInteger(time.sec) || time.sec < 0) return new Date(millis).toISOString();
  // Records come in bursts within one second: its `YYYY-MM-DDTHH:MM:SS.` is made once.
  if (time.sec !== isoSecond) {
    isoSecond = time.sec;
    isoSecondPrefix = new Date(time.sec * 1000).toISOString().slice(0, 20);
  }
  return `${isoSecondPrefix}${String(time.ms).padStart(3, '0')}Z`;
}

/** Seconds and milliseconds back from the JSON form's ISO time. */
export function isoToTime(iso: string): AuditTime {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw new RangeError(`not an ISO 8601 time: ${iso}`);
  return { sec: Math.floor(millis / 1000), ms: millis % 1000 };
}

function toInteger(value: string | null): JsonValue {
  if (value === null || !INTEGER.test(value)) return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/**
 * Makers of JSON objects with one sequence of keys, from their values: an object literal with those keys,
 * so the object keeps V8's fast properties. One filled by adding twenty computed keys turns into a
 * dictionary, slow to fill and slower to validate. Only for keys that are plain names; a log can hold
 * any number of key sequences, so at most MAX_MAKERS are made.
 */
type ObjectMaker = (values: readonly unknown[]) => VirtRecordJson;
/** By number of keys: the key lists that have a maker, the most recently used first. */
const makers = new Map<number, Array<{ readonly keys: readonly string[]; readonly maker: ObjectMaker }>>();
let makerCount = 0;
const MAX_MAKERS = 1024;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The maker of exactly these keys, if one was made: then they are unique. */
function knownMaker(keys: readonly string[]): ObjectMaker | undefined {
  const candidates = makers.get(keys.length);
  if (candidates === undefined) return undefined;
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index]!;
    let same = true;
    for (let at = keys.length - 1; at >= 0 && same; at--) same = keys[at] === candidate.keys[at];
    if (!same) continue;
    if (index > 0) candidates.unshift(...candidates.splice(index, 1));
    return candidate.maker;
  }
  return undefined;
}

/** The maker of these unique keys, made now if need be (not for keys that are not plain names). */
function makerFor(keys: readonly string[]): ObjectMaker | undefined {
  const known = knownMaker(keys);
  if (known !== undefined || makerCount >= MAX_MAKERS) return known;
  // A quoted __proto__ in a literal would set the prototype: such keys take the general path.
  if (!keys.every((key) => PLAIN_KEY.test(key) && key !== '__proto__')) return undefined;
  // The keys are plain names written as JSON string literals: the source holds nothing else of the log.
  const maker = new Function('values', `return { ${keys.map((key, index) => `${JSON.stringify(key)}: values[${index}]`).join(', ')} };`) as ObjectMaker;
  const candidates = makers.get(keys.length) ?? [];
  candidates.unshift({ keys: [...keys], maker });
  makers.set(keys.length, candidates);
  makerCount++;
  return maker;
}

/** An object of these keys (unique) and values, in order. */
function objectOf(keys: readonly string[], values: readonly unknown[]): VirtRecordJson {
  const maker = makerFor(keys);
  if (maker !== undefined) return maker(values);
  const json = {} as VirtRecordJson;
  // A field called __proto__ is a field like any other, not the object's prototype.
  keys.forEach((key, index) => Object.defineProperty(json, key, { value: values[index], enumerable: true, writable: true, configurable: true }));
  return json;
}

/** The keys and values of a JSON form, in order, before the object is made. */
class JsonFields {
  readonly keys: string[] = [];
  readonly values: unknown[] = [];
  private readonly seen = new Set<string>();
  duplicates: Array<{ name: string; value: JsonValue }> | undefined;

  /** A field; one whose name came before goes to `duplicates`. */
  put(name: string, value: JsonValue): void {
    if (this.seen.has(name)) (this.duplicates ??= []).push({ name, value });
    else this.add(name, value);
  }

  /** A key of the form itself: it takes the place and value of a field of the same name. */
  set(name: string, value: unknown): void {
    if (!this.seen.has(name)) return this.add(name, value);
    this.values[this.keys.indexOf(name)] = value;
  }

  private add(name: string, value: unknown): void {
    this.seen.add(name);
    this.keys.push(name);
    this.values.push(value);
  }
}

const NO_SPECS: ReadonlyMap<string, FieldSpec> = new Map();
const specsByLayout = new WeakMap<PayloadLayout, ReadonlyMap<string, FieldSpec>>();

function specsOf(layout: PayloadLayout): ReadonlyMap<string, FieldSpec> {
  let specs = specsByLayout.get(layout);
  if (specs === undefined) specsByLayout.set(layout, (specs = new Map(layout.fields.map((spec) => [spec.name, spec]))));
  return specs;
}

export function toJsonForm(record: AuditRecord, layout?: PayloadLayout): VirtRecordJson {
  const keys: string[] = ['type', 'node', 'time', 'serial'];
  const values: unknown[] = [record.type, record.node, record.time === null ? null : timeToIso(record.time), exactSerial(record)];
  for (const field of record.header) {
    keys.push(field.name);
    values.push(HEADER_INTEGERS.has(field.name) ? toInteger(field.value) : field.value);
  }
  const { body, tail } = splitLibauditTail(record.payload ?? []);
  const specs = layout === undefined ? NO_SPECS : specsOf(layout);
  for (const field of body) {
    keys.push(field.name);
    values.push(jsonValue(field, specs.get(field.name)));
  }
  for (const field of tail ?? []) {
    keys.push(field.name);
    values.push(field.value);
  }
  const fieldCount = keys.length;
  const own = (key: string, value: unknown): void => {
    keys.push(key);
    values.push(value);
  };
  if (record.enrichment.length > 0) own('enrichment', fieldsObject(record.enrichment));
  if (record.form !== 'raw') own('form', record.form);
  if (record.lossy) own('lossy', true);
  if (record.timeText !== undefined) own('timeText', record.timeText);
  own('file', record.file);
  own('line', record.line);
  // Keys seen before as a unique list are unique now: nothing is repeated, nothing overridden.
  const known = knownMaker(keys);
  if (known !== undefined) return known(values);
  const fields = new JsonFields();
  for (let index = 0; index < fieldCount; index++) fields.put(keys[index]!, values[index] as JsonValue);
  if (fields.duplicates !== undefined) fields.set('duplicates', fields.duplicates);
  for (let index = fieldCount; index < keys.length; index++) fields.set(keys[index]!, values[index]);
  return objectOf(fields.keys, fields.values);
}

/** A field's JSON value as its layout reads it: numbers, bare fields never hex-decoded, legacy '…' MACs. */
function jsonValue(field: AuditField, spec: FieldSpec | undefined): JsonValue {
  if (spec === undefined) return field.value;
  if (isNumericClass(spec.value)) return toInteger(field.value);
  if (spec.wire === 'bare' && field.wire === 'hex') return decodeField(field.name, field.raw, false).value;
  if (spec.wire === 'quoted-legacy' && field.value !== null && /^'.*'$/.test(field.value)) {
    const inner = field.value.slice(1, -1);
    return inner === '?' ? null : inner;
  }
  return field.value;
}

function fieldsObject(fields: readonly AuditField[]): Record<string, string | null> {
  const object: Record<string, string | null> = {};
  for (const field of fields) if (!Object.hasOwn(object, field.name)) object[field.name] = field.value;
  return object;
}
