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
  serial: number | null;
  [field: string]: unknown;
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

function put(json: VirtRecordJson, duplicates: Array<{ name: string; value: JsonValue }>, name: string, value: JsonValue): void {
  if (Object.hasOwn(json, name)) duplicates.push({ name, value });
  // A field called __proto__ is a field like any other, not the object's prototype.
  else if (name === '__proto__') Object.defineProperty(json, name, { value, enumerable: true, writable: true, configurable: true });
  else json[name] = value;
}

export function toJsonForm(record: AuditRecord, layout?: PayloadLayout): VirtRecordJson {
  const json: VirtRecordJson = {
    type: record.type,
    node: record.node,
    time: record.time === null ? null : timeToIso(record.time),
    serial: record.serial,
  };
  const duplicates: Array<{ name: string; value: JsonValue }> = [];
  for (const field of record.header) {
    put(json, duplicates, field.name, HEADER_INTEGERS.has(field.name) ? toInteger(field.value) : field.value);
  }
  const { body, tail } = splitLibauditTail(record.payload ?? []);
  const specs = new Map(layout?.fields.map((spec) => [spec.name, spec]));
  for (const field of body) put(json, duplicates, field.name, jsonValue(field, specs.get(field.name)));
  for (const field of tail ?? []) put(json, duplicates, field.name, field.value);
  if (duplicates.length > 0) json.duplicates = duplicates;
  if (record.enrichment.length > 0) json.enrichment = fieldsObject(record.enrichment);
  if (record.form !== 'raw') json.form = record.form;
  if (record.lossy) json.lossy = true;
  if (record.timeText !== undefined) json.timeText = record.timeText;
  json.file = record.file;
  json.line = record.line;
  return json;
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
