// The real libxml2 (libxml2.so.2, the parser libvirt reads domain XML with) through koffi: a document
// parsed as virXMLParseHelper parses it (XML_PARSE_NONET | XML_PARSE_NOWARNING, no entity substitution
// flag), then an XPath string() as virXPathString reads a value.
import koffi from 'koffi';
import { loadWithLibc } from './native-library.js';

export interface Libxml2 {
  /** The string value of an XPath over the document, or null when libxml2 refuses the document. */
  xpathString(document: Uint8Array, expression: string): string | null;
}

const XML_PARSE_NOERROR = 1 << 5;
const XML_PARSE_NOWARNING = 1 << 6;
const XML_PARSE_NONET = 1 << 11;

export function loadLibxml2(): Libxml2 | null {
  const loaded = loadWithLibc('libxml2.so.2');
  if (loaded === null) return null;
  const { library, libc } = loaded;
  const XPathObject = koffi.struct('xmlXPathObject', {
    type: 'int', nodesetval: 'void *', boolval: 'int', floatval: 'double', stringval: 'void *', user: 'void *', index: 'int', user2: 'void *', index2: 'int',
  });
  const readMemory = library.func('void *xmlReadMemory(const uint8_t *buffer, int size, const char *URL, const char *encoding, int options)');
  const freeDoc = library.func('void xmlFreeDoc(void *doc)');
  const newContext = library.func('void *xmlXPathNewContext(void *doc)');
  const freeContext = library.func('void xmlXPathFreeContext(void *context)');
  const evaluate = library.func('void *xmlXPathEvalExpression(const char *expression, void *context)');
  const freeObject = library.func('void xmlXPathFreeObject(void *object)');
  const strlen = libc.func('size_t strlen(void *s)');

  return {
    xpathString(document, expression) {
      // NOERROR only silences libxml2's printing; libvirt installs its own error handler instead.
      const doc = readMemory(document, document.length, 'domain.xml', null, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR) as unknown;
      if (doc === null) return null;
      const context = newContext(doc) as unknown;
      try {
        const object = evaluate(expression, context) as unknown;
        if (object === null) throw new Error(`XPath ${expression} failed`);
        try {
          const { stringval } = koffi.decode(object, XPathObject) as { stringval: unknown };
          if (stringval === null) return '';
          const length = Number(strlen(stringval));
          return length === 0 ? '' : Buffer.from(koffi.decode(stringval, koffi.array('uint8_t', length, 'Typed')) as Uint8Array).toString('utf8');
        } finally {
          freeObject(object);
        }
      } finally {
        freeContext(context);
        freeDoc(doc);
      }
    },
  };
}
