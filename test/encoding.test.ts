import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeField, encodeField, encodeValue } from '../src/index.js';
import { bytesToHex, hexToBytes, latin1, loneSurrogateAt, toBytes, valueNeedsEncoding } from '../src/encoding/audit-encoding.js';
import { tokenizeFields } from '../src/model/audit-field.js';
import { loadLibauditEncoder } from './support/libaudit.js';

const libaudit = loadLibauditEncoder();
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('encodeField (audit_encode_nv_string semantics)', () => {
  it('quotes values of printable ASCII other than the double quote', () => {
    expect(encodeField('vm', 'demo')).toBe('vm="demo"');
    expect(encodeField('vm', "it's")).toBe(`vm="it's"`);
    expect(encodeField('vm', 'a=b')).toBe('vm="a=b"');
    expect(encodeField('vm', 'back\\slash')).toBe('vm="back\\slash"');
    expect(encodeField('vm', '')).toBe('vm=""');
  });

  it('hex-encodes the whole value when one byte is a space, quote, control, DEL or ≥0x80', () => {
    expect(encodeField('vm', 'my vm')).toBe('vm=6D7920766D');
    expect(encodeField('vm', 'café')).toBe('vm=636166C3A9');
    expect(encodeField('vm', 'q"x')).toBe('vm=712278');
    expect(encodeField('vm', 'del\x7f')).toBe('vm=64656C7F');
    expect(encodeField('device', 'USB redirdev')).toBe('device=555342207265646972646576');
  });

  it('writes an absent value as "?" quoted, like VIR_AUDIT_STR(NULL)', () => {
    expect(encodeField('old-disk', null)).toBe('old-disk="?"');
  });
});

describe.skipIf(libaudit === null)('differential: our encoder against libaudit.so.1 itself', () => {
  const awkwardByte = fc.constantFrom(0x20, 0x22, 0x27, 0x3d, 0x5c, 0x7f, 0x80, 0xc3, 0xff, 0x09, 0x0a, 0x01, 0x1d);
  // libaudit reads the value up to NUL (vlen 0, as libvirt passes it), so values never hold NUL.
  const nonNulByte = fc.oneof(fc.integer({ min: 1, max: 255 }), awkwardByte);
  const value = fc.array(nonNulByte, { maxLength: 40 }).map((bytes) => Uint8Array.from(bytes));

  it('agrees on 100,000 random byte strings', () => {
    let differences = 0;
    fc.assert(
      fc.property(value, (bytes) => {
        const ours = encodeField('vm', bytes);
        const theirs = libaudit!.encodeField('vm', bytes);
        if (ours !== theirs) differences++;
        expect(ours).toBe(theirs);
      }),
      { numRuns: 100_000 },
    );
    expect(differences).toBe(0);
  });

  it('agrees on the empty string and on every single byte', () => {
    expect(encodeField('vm', new Uint8Array())).toBe(libaudit!.encodeField('vm', new Uint8Array()));
    for (let byte = 1; byte < 256; byte++) {
      expect(encodeField('path', Uint8Array.of(byte))).toBe(libaudit!.encodeField('path', Uint8Array.of(byte)));
    }
  });
});

describe('decoding', () => {
  it('decode(encode(v)) = v for any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const wire = encodeValue(bytes);
        const decoded = wire.startsWith('"') ? new TextEncoder().encode(wire.slice(1, -1)) : hexToBytes(wire);
        expect(bytesToHex(decoded)).toBe(bytesToHex(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the decoded text of any UTF-8 string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }).filter((text) => text !== '?'), (text) => {
        const field = decodeField('vm', latin1(utf8(encodeValue(text))));
        expect(field.value).toBe(text);
      }),
    );
  });

  it('no name or path can forge another field (no field injection)', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom(' res=success', "' uuid=x", '" vm="evil', 'a uuid=00000000-0000-0000-0000-000000000000', '\x1dUID="root"'),
    );
    fc.assert(
      fc.property(hostile, hostile, (name, path) => {
        const payload = `virt=kvm resrc=disk reason=start ${encodeField('vm', name)} uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 old-disk="?" ${encodeField('new-disk', path)}`;
        const { fields, words } = tokenizeFields(latin1(utf8(payload)));
        expect(fields.map((field) => field.name)).toEqual(['virt', 'resrc', 'reason', 'vm', 'uuid', 'old-disk', 'new-disk']);
        expect(words).toEqual([]);
        expect(fields[3]!.value).toBe(name === '?' ? null : name);
        expect(fields[6]!.value).toBe(path === '?' ? null : path);
      }),
      { numRuns: 5000 },
    );
  });

  it('needs-encoding is exactly: a byte that is ", below 0x21 or above 0x7E', () => {
    for (let byte = 0; byte < 256; byte++) {
      expect(valueNeedsEncoding(Uint8Array.of(byte))).toBe(byte === 0x22 || byte < 0x21 || byte > 0x7e);
    }
  });
});

describe('toBytes', () => {
  it('gives the UTF-8 bytes TextEncoder gives, lone surrogates as U+FFFD included', () => {
    const encoder = new TextEncoder();
    const unit = fc.oneof(fc.constantFrom('\ud800', '\udfff', '\ud83d', '\ude00', 'é', '"', ' ', '\x7f', '\0'), fc.string({ unit: 'grapheme', maxLength: 1 }), fc.string({ unit: 'binary', maxLength: 1 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 30 }).map((parts) => parts.join('')), (text) => {
        expect([...toBytes(text)]).toEqual([...encoder.encode(text)]);
        expect(bytesToHex(toBytes(text))).toBe([...encoder.encode(text)].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(''));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('loneSurrogateAt', () => {
  it('is -1 exactly for the strings UTF-8 round-trips, else the index of the first lone half (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', 'a', '😀'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 12 }), (text) => {
        const at = loneSurrogateAt(text);
        expect(at === -1).toBe(Buffer.from(text, 'utf8').toString('utf8') === text);
        if (at >= 0) {
          expect(Buffer.from(text.slice(0, at), 'utf8').toString('utf8')).toBe(text.slice(0, at));
          expect(Buffer.from(text.slice(0, at + 1), 'utf8').toString('utf8')).not.toBe(text.slice(0, at + 1));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
