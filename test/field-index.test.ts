// The correlator reads a few fields of each record through an offset index instead of tokenizing; for
// any body, form and field name it must give what the tokenized fields give, whether the index was made
// where the fields are read or on the reading thread and shipped with the record.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findField } from '../src/model/audit-field.js';
import { AuditRecord, type RecordForm } from '../src/model/audit-record.js';
import { addBodyTokens, addLineTokens, TokenOffsets } from '../src/model/field-index.js';

const NAMES = ['vm', 'uuid', 'path', 'new-disk', 'res', 'uid', 'msg', 'a', 'exe', 'reason', 'cgroup', 'hostname'];

const value = fc.oneof(
  fc.constantFrom('?', '"?"', '""', '"', 'success', '0', '2F746D70', '2F746D702F6120620A', '41', 'ABC', 'C3A9', '"quoted value"', "'", 'x=y', '=', ''),
  fc.string({ unit: fc.constantFrom('A', 'F', '0', '9', 'a', '"', '=', "'", ' ', 'é', '\u00ff', 'z', '/') , maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), maxLength: 20 }),
);

const token = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...NAMES), value).map(([name, raw]) => `${name}=${raw}`) },
  { weight: 1, arbitrary: fc.constantFrom('avc:', 'denied', '{', '}', '=x', 'for', '') },
);

const tokens = fc.array(token, { maxLength: 12 }).chain((list) =>
  fc.array(fc.constantFrom(' ', '  ', '   '), { minLength: list.length, maxLength: list.length }).map((gaps) => list.map((text, index) => `${gaps[index]}${text}`).join('')),
);

/** Bodies with and without msg='…', unterminated ones, quotes inside, text after the closing quote. */
const body = fc.oneof(
  tokens,
  fc.tuple(tokens, tokens, fc.constantFrom("'", '', "' ", "'x", "' res=1"), tokens).map(([before, inside, close, after]) => `${before} msg='${inside}${close}${after}`),
);

const HEADER = 'type=VIRT_RESOURCE msg=audit(1.000:1): ';

/** A record of the line `HEADER + body [+ 0x1D enrichment]`, with the body's token offsets shipped in `shipped` if given. */
function record(body: string, form: RecordForm, enrichment: string | null = null, shipped?: TokenOffsets): AuditRecord {
  const text = `${HEADER}${body}${enrichment === null ? '' : `\x1d${enrichment}`}`;
  const bodyEnd = HEADER.length + body.length;
  const tokensAt = shipped === undefined ? undefined : addBodyTokens(text, HEADER.length, bodyEnd, shipped);
  return new AuditRecord({
    file: 'test', line: 1, form, node: null, type: 'VIRT_RESOURCE', typeNumber: 2502, time: { sec: 1, ms: 0 }, serial: 1,
    text, bodyStart: HEADER.length, bodyEnd, enrichmentStart: enrichment === null ? -1 : bodyEnd + 1, issues: [],
    tokens: shipped?.values, tokensAt,
  });
}

const enrichment = fc.option(fc.constantFrom('UID="root"', "UID=\"root\" AUID=\"unset\" msg='x=1'", ''), { nil: null });

describe('payloadValue, headerRaw, headerValue, fieldValue, words', () => {
  it('give what findField on the tokenized payload and header (and the parsed words) give, for any body', () => {
    fc.assert(
      fc.property(body, fc.constantFrom<RecordForm>('raw', 'interpreted'), fc.constantFrom(...NAMES), enrichment, fc.array(body, { maxLength: 3 }), (text, form, name, tail, before) => {
        const lean = record(text, form, tail);
        const parsed = record(text, form, tail);
        // Shipped: the entry of this body follows those of other records in the batch's offsets.
        // Small, so that adding a body moves the offsets to a larger array.
        const batch = new TokenOffsets(4);
        for (const other of before) record(other, form, null, batch);
        const shipped = record(text, form, tail, batch);
        const expectedValue = parsed.payload === null ? undefined : findField(parsed.payload, name)?.value;
        const expectedRaw = findField(parsed.header, name)?.raw;
        expect(parsed.body).toBe(text);
        expect(lean.payloadValue(name)).toBe(expectedValue);
        expect(lean.headerRaw(name)).toBe(expectedRaw);
        expect(lean.payloadRaw(name)).toBe(parsed.payload === null ? undefined : findField(parsed.payload, name)?.raw);
        expect(shipped.payloadValue(name)).toBe(expectedValue);
        expect(shipped.headerRaw(name)).toBe(expectedRaw);
        for (const unparsed of [lean, shipped]) {
          expect(unparsed.headerValue(name)).toBe(findField(parsed.header, name)?.value);
          expect(unparsed.fieldValue(name)).toBe(findField(parsed.fields, name)?.value);
          expect(unparsed.hasPayload).toBe(parsed.payload !== null);
          expect(unparsed.words).toEqual(parsed.words);
        }
        // Once parsed, the same answers come from the parsed fields.
        expect(parsed.payloadValue(name)).toBe(expectedValue);
        expect(parsed.headerRaw(name)).toBe(expectedRaw);
      }),
      { numRuns: 5000 },
    );
  });

  it('decode a hex value once and give the same text when it comes back', () => {
    const first = record("pid=1 msg='vm=7765622073657276657220303030 uuid=x'", 'raw');
    const second = record("pid=2 msg='uuid=y vm=7765622073657276657220303030'", 'raw');
    expect(first.payloadValue('vm')).toBe('web server 000');
    expect(second.payloadValue('vm')).toBe('web server 000');
    expect(record("msg='uuid=7765622073657276657220303030'", 'raw').payloadValue('uuid')).toBe('7765622073657276657220303030');
  });
});

describe('addLineTokens', () => {
  it('makes the entry addBodyTokens makes from the same line as text, for any body and place in the buffer', () => {
    fc.assert(
      fc.property(fc.oneof(body, body.map((text) => text.trimStart())), enrichment, fc.nat(9), fc.boolean(), (text, tail, offset, ascii) => {
        const line = `${HEADER}${text}${tail === null ? '' : `\x1d${tail}`}`;
        const bodyEnd = HEADER.length + text.length;
        const fromText = new TokenOffsets(4);
        const fromBytes = new TokenOffsets(4);
        const textAt = addBodyTokens(line, HEADER.length, bodyEnd, fromText, ascii);
        const bytes = Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(line, 'latin1'), Buffer.from(" msg='x=1'")]);
        const bytesAt = addLineTokens(bytes, offset, HEADER.length, bodyEnd, fromBytes, ascii);
        expect([...fromBytes.values.subarray(bytesAt, fromBytes.used)]).toEqual([...fromText.values.subarray(textAt, fromText.used)]);
      }),
      { numRuns: 5000 },
    );
  });
});
