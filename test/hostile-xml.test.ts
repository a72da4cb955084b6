// Domain XML as libvirt reads it: the real libxml2 (libvirt's parser, its options) is the oracle for what
// is a document and what its values are; DOCTYPEs and other encodings than UTF-8, which libxml2 would
// take, are refused here on purpose.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmitError, parseDomainXml } from '../emitter/index.js';
import { libvirtUuid } from '../emitter/domain/libvirt-uuid.js';
import { loadLibxml2 } from './support/libxml2.js';

const libxml2 = loadLibxml2();
const UUID = 'c7a5fdbd-cdaf-9455-926a-d65c16db1809';
const domainXml = (name: string, uuid = UUID, prolog = ''): string =>
  `${prolog}<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <memory unit='KiB'>1024</memory>\n</domain>\n`;

const refusal = (xml: string | Uint8Array): string => {
  try {
    parseDomainXml(xml);
  } catch (error) {
    if (error instanceof EmitError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('domain XML (the issue\'s cases)', () => {
  it('decodes character references', () => {
    expect(parseDomainXml(domainXml('web&#45;1&#x2D;&#x1F600;&amp;&lt;')).name).toBe('web-1-😀&<');
  });

  it.each([
    ['&#0;', 'line 2, column 11: &#0; is not a character XML allows'],
    ['&#x1D;', 'line 2, column 11: &#x1D; is not a character XML allows'],
    ['&#xD800;', 'line 2, column 11: &#xD800; is not a character XML allows'],
    ['&#X41;', 'line 2, column 11: &#X41; is refused'],
    ['\x1d', 'line 2, column 11: U+001D is not a character XML allows'],
    ['&lol9;', 'line 2, column 11: &lol9; is refused'],
    ['a</nam>', 'line 2, column 12: </nam> does not close <name>'],
  ])('refuses %j naming line and column', (name, message) => {
    expect(refusal(domainXml(`vm${name}`))).toContain(message);
  });

  it('refuses billion laughs (a DOCTYPE), instead of vm=&lol9;', () => {
    const entities = Array.from({ length: 9 }, (_unused, index) => `<!ENTITY lol${index + 1} "${`&lol${index};`.repeat(10)}">`).join('');
    const xml = domainXml('&lol9;', UUID, `<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY lol0 "lol">${entities}]>\n`);
    expect(refusal(xml)).toMatch(/^domain XML line 2, column 1: a DOCTYPE is refused/);
  });

  it('refuses ISO-8859-1 bytes, naming the line, and a declared encoding other than UTF-8', () => {
    const latin1 = Buffer.from(domainXml('café'), 'latin1');
    expect(refusal(latin1)).toMatch(/^domain XML line 2: byte \d+ is not UTF-8/);
    expect(refusal(domainXml('cafe', UUID, '<?xml version="1.0" encoding="ISO-8859-1"?>\n'))).toContain('only UTF-8 documents are read');
    expect(parseDomainXml(Buffer.from(domainXml('café'), 'utf8')).name).toBe('café');
  });

  it('refuses a second root', () => {
    expect(refusal(`${domainXml('a')}<domain/>`)).toContain('a second root element');
  });

  it('an upper-case UUID is libvirt\'s lower-case one; a malformed one is refused as libvirt refuses it', () => {
    expect(parseDomainXml(domainXml('a', UUID.toUpperCase())).uuid).toBe(UUID);
    expect(parseDomainXml(domainXml('a', ` ${UUID.replaceAll('-', '')} `)).uuid).toBe(UUID);
    expect(refusal(domainXml('a', `${UUID}0`))).toContain('malformed uuid element');
    expect(refusal(domainXml('a', UUID.slice(1)))).toContain('malformed uuid element');
  });
});

describe('libvirtUuid (virUUIDParse then virUUIDFormat)', () => {
  it('reads 16 bytes written in any case with - and space between pairs and whitespace around (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.constantFrom('', '-', ' ', '--'), { minLength: 17, maxLength: 17 }),
        fc.constantFrom('', ' ', '\t\n'),
        fc.boolean(),
        (bytes, separators, around, upper) => {
          const hex = Buffer.from(bytes).toString('hex');
          const pairs = hex.match(/../g)!.map((pair) => (upper ? pair.toUpperCase() : pair));
          const written = `${around}${separators[0]!.replace(/-/g, '')}${pairs.map((pair, index) => `${pair}${index < 15 ? separators[index + 1] : ''}`).join('')}${around}`;
          expect(libvirtUuid(written)).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
        },
      ),
    );
  });

  it('refuses a digit split by a separator, a 33rd digit, or anything but whitespace after', () => {
    expect(() => libvirtUuid(`c-7${UUID.slice(2)}`)).toThrow(EmitError);
    expect(() => libvirtUuid(`${UUID}a`)).toThrow(EmitError);
    expect(() => libvirtUuid(`${UUID} x`)).toThrow(EmitError);
    expect(() => libvirtUuid(UUID.slice(0, 35))).toThrow(EmitError);
  });
});

const XML_PIECES = [
  'a', 'é', '😀', ' ', '\t', '\n', '\r\n', '\r', '&#45;', '&#x2D;', '&#X2D;', '&#0;', '&#x1D;', '&#xD800;', '&#xFFFE;', '&#1114111;', '&#1114112;', '&#;', '&#x;',
  '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&nbsp;', '&lol;', '&', '&amp', '<', '>', ']]>', '"', "'", '<![CDATA[x&#45;<]]>', '<!-- c -->', '<!-- a -- b -->',
  '<b/>', '<b>x</b>', '</name>', '</nam>', '<name>', '<?pi x?>', '\x1d', '\x00', '\x7f', '\x85', '\ufffe', '\ud800',
];

describe.skipIf(libxml2 === null)('domain XML against libxml2 (libvirt\'s parser and options)', () => {
  it('accepts what libxml2 accepts and reads the same name; refuses what it refuses (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...XML_PIECES), { maxLength: 8 }), (pieces) => {
        const xml = Buffer.from(domainXml(`vm${pieces.join('')}`), 'utf8');
        const oracle = libxml2!.xpathString(xml, 'string(/domain/name[1])');
        let ours: string | EmitError;
        try {
          ours = parseDomainXml(xml).name;
        } catch (error) {
          if (!(error instanceof EmitError)) throw error;
          ours = error;
        }
        if (typeof ours === 'string') {
          // parse-domain trims the name as its text() reads every value.
          expect(oracle === null ? null : oracle.trim(), `${JSON.stringify(xml.toString())} read as ${JSON.stringify(ours)}`).toBe(ours);
        } else if (/^domain XML line/.test(ours.message)) {
          expect(oracle, `${JSON.stringify(xml.toString())} refused: ${ours.message}`).toBeNull();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads an attribute value as libxml2 does: references decoded, whitespace normalised (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...XML_PIECES), { maxLength: 8 }), (pieces) => {
        const path = `/img${pieces.join('')}`;
        const xml = Buffer.from(domainXml('vm').replace('</domain>', `  <devices><disk type='file'><source file='${path}'/></disk></devices>\n</domain>`), 'utf8');
        const oracle = libxml2!.xpathString(xml, 'string(/domain/devices/disk[1]/source/@file)');
        let ours: string | null | EmitError;
        try {
          ours = parseDomainXml(xml).devices.disks[0]?.source.path ?? null;
        } catch (error) {
          if (!(error instanceof EmitError)) throw error;
          ours = error;
        }
        if (ours instanceof EmitError) {
          if (/^domain XML line/.test(ours.message)) expect(oracle, `${JSON.stringify(xml.toString())} refused: ${ours.message}`).toBeNull();
        } else expect(oracle, `${JSON.stringify(xml.toString())} read as ${JSON.stringify(ours)}`).toBe(ours);
      }),
      { numRuns: 3000 },
    );
  });
});
