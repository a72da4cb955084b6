// Generated records of every libvirt 9.0 layout whose every field — payload, kernel header, libaudit tail,
// auditd stamp, node and ENRICHED block — is either a value its writer can print or a hostile one, and
// the check that a line read back by the real libauparse holds exactly the record.
import fc from 'fast-check';
import { LIBVIRT_LAYOUTS, type FieldSpec, type PayloadLayout } from '../../src/libvirt/layouts.js';
import { AUPARSE_TYPE_ESCAPED, type AuparseRecord } from './libauparse.js';

/** Pieces that forge fields or records, cut values, or change bytes, wherever they land. */
const HOSTILE_PIECES = [
  ' ', ' res=failed', "'", '"', '\n', '\r', '\t', '\0', '\x1d', '\x7f', '\x85', '\u2028', '\ud800', '\udfff', '\ud83d', 'é', '😀', '?', '=',
  "' res=success", '\ntype=VIRT_CONTROL msg=audit(1700000000.000:1): pid=1 uid=0 auid=0 ses=1 msg=\'virt=kvm op=start\'', 'msg=\'', '(', ')',
  'AB', '00', '\\', '%s', 'node=x ', 'UID="root"', ':', '.', '-', ',', '/', 'x',
];

const hostilePiece = fc.constantFrom(...HOSTILE_PIECES);

/** Any string, weighted to the pieces that break audit lines. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(hostilePiece, fc.string({ maxLength: 3 })), { minLength: 0, maxLength: 6 }).map((pieces) => pieces.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_PIECES.filter((piece) => piece.length === 1)), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(9000)) },
);

/** Any JSON-ish value a careless or hostile producer might put in a field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 1.5, -1, 2 ** 53 + 2, Number.NaN, [], {}, '1 res=failed', 'garbage', '') },
);

const BARE_CHARS = [...Array.from({ length: 0x7e - 0x21 + 1 }, (_unused, index) => String.fromCharCode(0x21 + index))].filter((char) => char !== '"' && char !== "'");

/** A value printable unencoded: 0x21–0x7E less quotes, not `?`, not ending in ')', ',' or ':', and (in a field auparse decodes) not hex- or '('-led. */
export function bareWord(escaped: boolean): fc.Arbitrary<string> {
  return fc
    .string({ unit: fc.constantFrom(...BARE_CHARS), minLength: 1, maxLength: 12 })
    .filter((word) => word !== '?' && !/[),:]$/.test(word) && (!escaped || (!/^[0-9A-Fa-f]{2}/.test(word) && !word.startsWith('('))));
}

/** Any text with a UTF-8 form and no NUL, but `?` (libaudit's absent value). */
export const encodableText: fc.Arbitrary<string> = fc
  .string({ unit: 'grapheme', maxLength: 16 })
  .filter((text) => !text.includes('\0') && text !== '?');

const userName = encodableText.filter((text) => !/[\x00-\x1f\x7f]/.test(text));

const hexByte = fc.integer({ min: 0, max: 255 }).map((byte) => byte.toString(16).toUpperCase().padStart(2, '0'));

function validPayloadValue(spec: FieldSpec, escapedName: boolean): fc.Arbitrary<unknown> {
  if (spec.values) return fc.constantFrom(...spec.values.filter((value) => value !== '?'));
  const valid = ((): fc.Arbitrary<unknown> => {
    switch (spec.value) {
      case 'int':
        return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String));
      case 'uint':
        return fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String));
      case 'uuid':
        return fc.uuid();
      case 'mac':
        return fc.array(hexByte, { minLength: 6, maxLength: 6 }).map((bytes) => bytes.join(':').toLowerCase());
      case 'rdev':
        return fc.tuple(hexByte, hexByte).map(([major, minor]) => `${major}:${minor}`);
      case 'hex-byte':
        return hexByte;
      case 'acl':
        return fc.string({ unit: fc.constantFrom('r', 'w', 'm'), minLength: 1, maxLength: 3 });
      default:
        return spec.wire === 'encoded' ? encodableText : spec.value === 'text' ? bareWord(escapedName).map((word) => `/${word}`) : bareWord(escapedName);
    }
  })();
  return spec.nullable ? fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.constant(null) }) : valid;
}

/** A field's value: its writer's kind or, one time in 13, a hostile one (a few per record), and which it was. */
function either(valid: fc.Arbitrary<unknown>, hostile: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<{ value: unknown; hostile: boolean }> {
  return fc.oneof(
    { weight: 12, arbitrary: valid.map((value) => ({ value, hostile: false })) },
    { weight: 1, arbitrary: hostile.map((value) => ({ value, hostile: true })) },
  );
}

const ABSENT = Symbol('absent');
const optional = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof(fc.constant(ABSENT), valid);

const isoTime = fc.date({ min: new Date(1000), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((date) => date.toISOString());
const hostileTime = fc.oneof(
  hostileValue,
  fc.constantFrom('1970-01-01T00:00:00.999Z', '2023-02-30T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2023-11-14T22:13:20.1234Z', '2023-11-14 22:13:20Z', '1700000000', '2023-11-14T24:00:00Z', null),
);

const ENVELOPE_FIELDS: ReadonlyArray<readonly [string, fc.Arbitrary<unknown>, fc.Arbitrary<unknown>]> = [
  ['node', optional(fc.oneof(fc.constant(null), bareWord(false))), hostileValue],
  ['time', optional(isoTime), hostileTime],
  ['serial', optional(fc.oneof(fc.integer({ min: 1, max: 2 ** 53 - 1 }), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }).map(String))), fc.oneof(hostileValue, fc.constantFrom(0, -1, '18446744073709551616', '01', null))],
  ['pid', optional(fc.integer({ min: 0, max: 2 ** 31 - 1 })), fc.oneof(hostileValue, fc.constantFrom(2 ** 31, '1 res=failed', null))],
  ['uid', optional(fc.integer({ min: 0, max: 2 ** 32 - 1 })), fc.oneof(hostileValue, fc.constantFrom(2 ** 32, -1, null))],
  ['auid', optional(fc.integer({ min: 0, max: 2 ** 32 - 1 })), fc.oneof(hostileValue, fc.constantFrom(2 ** 32, null))],
  ['ses', optional(fc.integer({ min: 0, max: 2 ** 32 - 1 })), fc.oneof(hostileValue, fc.constantFrom(2 ** 32, null))],
  ['subj', optional(fc.oneof(fc.constant(null), bareWord(false))), hostileValue],
  ['exe', optional(fc.oneof(fc.constant(null), encodableText)), hostileValue],
  ['hostname', optional(fc.oneof(fc.constant(null), bareWord(false))), hostileValue],
  ['addr', optional(fc.oneof(fc.constant(null), bareWord(false))), fc.oneof(hostileValue, fc.constant('a'.repeat(46)))],
  ['terminal', optional(fc.oneof(fc.constant(null), bareWord(false))), hostileValue],
  ['res', fc.constantFrom('success', 'failed'), fc.oneof(hostileValue, fc.constantFrom(ABSENT, null, 'SUCCESS', 'success ', 1))],
  [
    'enrichment',
    // A user name from the passwd database: no control bytes (ausearch -i prints the names unescaped).
    optional(fc.record({ UID: fc.oneof(userName, fc.constant(null)), AUID: fc.oneof(userName, fc.constant(null)) }, { requiredKeys: [] })),
    fc.oneof(
      hostileValue,
      fc.record({ UID: hostileValue }).map((block) => ({ ...block, AUID: 'unset' })),
      fc.constantFrom({ GID: 'root' }, { UID: 'root', 'AUID ': 'x' }, [], null),
    ),
  ],
];

export interface GeneratedRecord {
  readonly layout: PayloadLayout;
  readonly input: Record<string, unknown>;
  /** Keys whose value was drawn hostile (a refusal must name one of them). */
  readonly hostile: ReadonlySet<string>;
}

const layouts = LIBVIRT_LAYOUTS.filter((layout) => layout.profile === 'libvirt');

export function generatedRecord(isEscaped: (name: string) => boolean): fc.Arbitrary<GeneratedRecord> {
  return fc.constantFrom(...layouts).chain((layout) => {
    const payload = layout.fields.map((spec) =>
      spec.values?.length === 1 ? fc.constant({ value: spec.values[0] as unknown, hostile: false }) : either(validPayloadValue(spec, isEscaped(spec.name))),
    );
    const envelope = ENVELOPE_FIELDS.map(([, valid, hostile]) => either(valid, hostile));
    const extra = fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('vm_name', 'res ', 'VM', 'exe2', 'resrc2') });
    return fc.tuple(fc.tuple(...payload), fc.tuple(...envelope), extra).map(([payloadValues, envelopeValues, extraKey]) => {
      const input: Record<string, unknown> = { type: layout.recordType };
      const hostile = new Set<string>();
      layout.fields.forEach((spec, index) => {
        const drawn = payloadValues[index]!;
        input[spec.name] = drawn.value;
        if (drawn.hostile) hostile.add(spec.name);
      });
      ENVELOPE_FIELDS.forEach(([name], index) => {
        const drawn = envelopeValues[index]!;
        if (drawn.value !== ABSENT) input[name] = drawn.value;
        if (drawn.hostile) hostile.add(name);
      });
      if (hostile.has('enrichment') && input.enrichment !== null && typeof input.enrichment === 'object') {
        for (const key of Object.keys(input.enrichment)) hostile.add(`enrichment.${key}`);
      }
      if (extraKey !== null) {
        input[extraKey] = 'x';
        hostile.add(extraKey);
      }
      return { layout, input, hostile };
    });
  });
}

/** What the emitter fills in for a field the record does not carry, as the test configured it. */
export interface Defaults {
  readonly header: { pid: number; uid: number; auid: number; ses: number };
  readonly exe: string | null;
  readonly time: { sec: number; ms: number };
}

const utf8 = (value: string): Buffer => Buffer.from(value, 'utf8');

/** The bytes an encoded field's raw text stands for: `"…"` is as written, otherwise upper-case hex. */
function decodeEncoded(raw: Buffer): Buffer | 'malformed' {
  const text = raw.toString('latin1');
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return raw.subarray(1, raw.length - 1);
  return /^(?:[0-9A-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : 'malformed';
}

const numberText = (value: unknown): string => (typeof value === 'bigint' ? value.toString() : String(value));

/**
 * Differences between what auparse read and the record: field names and order as libvirt's layout and
 * the kernel and libaudit put them, and every value decoded back. Empty when the line holds the record.
 */
export function differences(record: AuparseRecord, generated: GeneratedRecord, defaults: Defaults | null): string[] {
  const { layout, input } = generated;
  const problems: string[] = [];
  const has = (name: string): boolean => Object.hasOwn(input, name);
  const expectedNames = [
    ...(has('node') && input.node !== null ? ['node'] : []),
    'type', 'pid', 'uid', 'auid', 'ses',
    ...(has('subj') ? ['subj'] : []),
    ...layout.fields.map((spec) => spec.name),
    'exe', 'hostname', 'addr', 'terminal', 'res',
  ];
  const names = record.fields.map((field) => field.name);
  if (names.join(' ') !== expectedNames.join(' ')) return [`fields ${names.join(' ')} instead of ${expectedNames.join(' ')}`];
  const field = (name: string) => record.fields.find((candidate) => candidate.name === name)!;
  const raw = (name: string): string => field(name).raw.toString('latin1');
  const expectRaw = (name: string, expected: string): void => {
    if (raw(name) !== expected) problems.push(`${name}=${JSON.stringify(raw(name))}, expected ${JSON.stringify(expected)}`);
  };
  const expectEncoded = (name: string, value: string | null): void => {
    if (value === null) return expectRaw(name, '"?"');
    const decoded = decodeEncoded(field(name).raw);
    if (decoded === 'malformed' || !decoded.equals(utf8(value))) problems.push(`${name}=${JSON.stringify(raw(name))} does not decode to ${JSON.stringify(value)}`);
    if (field(name).type === AUPARSE_TYPE_ESCAPED && !field(name).interpreted.equals(utf8(value))) {
      problems.push(`auparse interprets ${name}=${JSON.stringify(raw(name))} as ${JSON.stringify(field(name).interpreted.toString('latin1'))}, not ${JSON.stringify(value)}`);
    }
  };
  if (record.type !== layout.recordType) problems.push(`type ${record.type}`);
  if (has('node') && input.node !== null && record.node !== input.node) problems.push(`node ${record.node}`);
  for (const name of ['pid', 'uid', 'auid', 'ses'] as const) {
    if (has(name)) expectRaw(name, numberText(input[name]));
    else if (defaults) expectRaw(name, String(defaults.header[name]));
  }
  if (has('subj')) expectRaw('subj', input.subj === null ? '?' : String(input.subj));
  if (has('time')) {
    const millis = Date.parse(String(input.time));
    if (BigInt(Math.floor(millis / 1000)) !== record.sec || millis % 1000 !== record.milli) problems.push(`stamp ${record.sec}.${record.milli} for ${String(input.time)}`);
  } else if (defaults && (BigInt(defaults.time.sec) !== record.sec || defaults.time.ms !== record.milli)) problems.push('stamp not the clock\'s');
  if (has('serial') && BigInt(numberText(input.serial)) !== record.serial) problems.push(`serial ${record.serial} for ${numberText(input.serial)}`);
  for (const spec of layout.fields) {
    const value = input[spec.name] ?? null;
    if (spec.wire === 'encoded') expectEncoded(spec.name, value as string | null);
    else expectRaw(spec.name, value === null ? '?' : numberText(value));
  }
  if (has('exe')) expectEncoded('exe', input.exe as string | null);
  else if (defaults) expectEncoded('exe', defaults.exe);
  for (const name of ['hostname', 'addr', 'terminal'] as const) expectRaw(name, has(name) && input[name] !== null ? String(input[name]) : '?');
  expectRaw('res', String(input.res));
  const enrichment = input.enrichment as Record<string, string | null> | undefined;
  for (const [name, fieldName] of [['UID', 'uid'], ['AUID', 'auid']] as const) {
    if (enrichment === undefined || !Object.hasOwn(enrichment, name)) continue;
    const expected = utf8(enrichment[name] ?? '?');
    if (!field(fieldName).interpreted.equals(expected)) {
      problems.push(`auparse interprets ${fieldName} as ${JSON.stringify(field(fieldName).interpreted.toString('latin1'))}, the ENRICHED ${name} was ${JSON.stringify(enrichment[name])}`);
    }
  }
  return problems;
}
