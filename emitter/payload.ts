// Builds the text libvirt hands to audit_log_user_message, from a record in the JSON form, byte for
// byte as libvirt 9.0's domain_audit.c formats it.
import { encodeField, type LibvirtRecordType } from '../src/index.js';
import { LIBVIRT_LAYOUTS, type FieldSpec, type PayloadLayout } from '../src/libvirt/layouts.js';
import { isNumericClass } from '../src/libvirt/value-classes.js';
import { EmitError } from './errors.js';
import { FieldError, checkBare, checkText } from './field-refusal.js';

export type PayloadValues = Readonly<Record<string, unknown>> & { readonly type: string };

const CLASS_PATTERNS: Partial<Record<FieldSpec['value'], RegExp>> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  mac: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/,
  rdev: /^[0-9A-F]{2,}:[0-9A-F]{2,}$/,
  'hex-byte': /^[0-9A-F]{2,}$/,
  acl: /^[rwm]+$/,
};

function discriminatorsHold(layout: PayloadLayout, values: PayloadValues): boolean {
  return layout.fields.every((spec) => spec.values?.length !== 1 || values[spec.name] === spec.values[0]);
}

const discriminatorCount = (layout: PayloadLayout): number => layout.fields.filter((spec) => spec.values?.length === 1).length;

/** Each record type's layouts, the most specific (most single-value fields) first; ties in table order. */
const LAYOUTS_BY_TYPE = new Map<string, readonly PayloadLayout[]>();
for (const layout of [...LIBVIRT_LAYOUTS].sort((a, b) => discriminatorCount(b) - discriminatorCount(a))) {
  LAYOUTS_BY_TYPE.set(layout.recordType, [...(LAYOUTS_BY_TYPE.get(layout.recordType) ?? []), layout]);
}

/** The libvirt 9.0 layout a JSON-form record is written with: the most specific whose fields it all has. */
export function layoutForRecord(values: PayloadValues): PayloadLayout {
  let firstCandidate: PayloadLayout | undefined;
  for (const layout of LAYOUTS_BY_TYPE.get(values.type) ?? []) {
    if (!discriminatorsHold(layout, values)) continue;
    firstCandidate ??= layout;
    if (layout.fields.every((spec) => Object.hasOwn(values, spec.name))) return layout;
  }
  if (!firstCandidate) {
    const what = values.type === 'VIRT_RESOURCE' ? `resrc=${String(values.resrc)}` : `type=${values.type}`;
    throw new EmitError('invalid-record', `no libvirt 9.0 layout for ${what}`);
  }
  return firstCandidate;
}

/** %lld and %llu: what libvirt's integer fields can print. */
const INTEGER_RANGES = { int: [-(2n ** 63n), 2n ** 63n - 1n], uint: [0n, 2n ** 64n - 1n] } as const;
const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;

/** A number (a safe integer) or a decimal string (exact, however large) within %lld or %llu. */
function integerText(spec: FieldSpec, value: unknown): string {
  const [low, high] = INTEGER_RANGES[spec.value === 'uint' ? 'uint' : 'int'];
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' && DECIMAL.test(value) ? value : null;
  if (text === null || BigInt(text) < low || BigInt(text) > high) {
    throw new FieldError(
      'invalid-record',
      spec.name,
      `${spec.name} must be ${spec.value === 'uint' ? 'a non-negative' : 'an'} integer (%${spec.value === 'uint' ? 'llu' : 'lld'}), got ${JSON.stringify(value)}`,
    );
  }
  return text;
}

function text(spec: FieldSpec, value: unknown): string | null {
  if (value === null || value === undefined) {
    if (spec.nullable) return null;
    throw new FieldError('invalid-record', spec.name, `${spec.name} is required`);
  }
  if (isNumericClass(spec.value)) return integerText(spec, value);
  if (typeof value !== 'string') throw new FieldError('invalid-record', spec.name, `${spec.name} must be a string, got ${JSON.stringify(value)}`);
  checkText(spec.name, value);
  if (spec.values && !spec.values.includes(value)) {
    throw new FieldError('invalid-record', spec.name, `${spec.name} must be one of ${spec.values.join('|')}, got ${JSON.stringify(value)}`);
  }
  const pattern = CLASS_PATTERNS[spec.value];
  if (pattern && !pattern.test(value)) throw new FieldError('invalid-record', spec.name, `${spec.name} ${JSON.stringify(value)} does not match ${pattern}`);
  if (spec.values) return value;
  if (spec.wire !== 'encoded') checkBare(spec.name, value, 'libvirt');
  else if (value === '?') {
    throw new FieldError('unsafe-value', spec.name, `${spec.name} "?" is how libvirt writes an absent value; it would read back as absent`);
  }
  return value;
}

function field(spec: FieldSpec, value: unknown): string {
  const rendered = text(spec, value);
  if (spec.wire === 'encoded') return encodeField(spec.name, rendered);
  return `${spec.name}=${rendered ?? '?'}`;
}

/**
 * The libvirt part of the message, or null where libvirt emits nothing: a device record whose old and
 * new values are both absent (virDomainAuditGenericDev's skip rule).
 */
export function buildPayload(values: PayloadValues, layout = layoutForRecord(values)): string | null {
  if (layout.notBothAbsent) {
    const [old, current] = layout.notBothAbsent;
    if ((values[old] ?? null) === null && (values[current] ?? null) === null) return null;
  }
  return layout.fields.map((spec) => field(spec, values[spec.name])).join(' ');
}

/** `%02X:%02X`, as libvirt prints a device number. */
export function formatRdev(major: number, minor: number): string {
  return `${formatHexByte(major)}:${formatHexByte(minor)}`;
}

/** `%02X`, as libvirt prints `maj=`. */
export function formatHexByte(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
