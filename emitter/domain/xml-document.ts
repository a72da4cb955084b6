// A domain XML document read as a conforming XML 1.0 processor without a DTD reads it: UTF-8 only (no
// byte replaced), line ends normalised, character references decoded, attribute whitespace normalised,
// and refused — naming line and column — where XML or libvirt refuses: a DOCTYPE (internal subsets,
// entities: billion laughs), an entity other than XML's five, a character XML does not allow (&#0;,
// &#x1D;, &#xD800;), mismatched tags, a second root. fast-xml-parser's validator checks the rest of the
// syntax (names, attributes); what it lets through is checked here before its parser builds the tree.
import { XMLValidator } from 'fast-xml-parser';
import { validUtf8Prefix } from '../../src/encoding/audit-encoding.js';
import { EmitError } from '../errors.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

const REFERENCE = /&(?:(lt|gt|amp|apos|quot)|#([0-9]+)|#x([0-9a-fA-F]+));/y;

class Scanner {
  /** The document with attribute whitespace normalised (XML 1.0 §3.3.3); same length as the input. */
  private readonly out: string[] = [];
  /** How much of the input `out` holds. */
  private copied = 0;
  private roots = 0;

  constructor(
    private readonly text: string,
    private readonly what: string,
  ) {}

  fail(index: number, message: string): never {
    let line = 1;
    let lineStart = 0;
    for (let at = this.text.indexOf('\n'); at !== -1 && at < index; at = this.text.indexOf('\n', at + 1)) {
      line++;
      lineStart = at + 1;
    }
    throw new EmitError('invalid-record', `${this.what} line ${line}, column ${index - lineStart + 1}: ${message}`);
  }

  scan(): string {
    const { text } = this;
    this.checkChars();
    let depth = 0;
    let index = 0;
    /** The names of the elements open, innermost last. */
    const openElements: string[] = [];
    while (index < text.length) {
      const open = text.indexOf('<', index);
      const textEnd = open === -1 ? text.length : open;
      this.checkText(index, textEnd, depth);
      if (open === -1) break;
      if (text.startsWith('<!--', open)) {
        index = this.skipTo(open, '-->');
        // XML 1.0 §2.5: a comment holds no '--' and does not end in '-'.
        if (text.slice(open + 4, index - 3).includes('--') || text[index - 4] === '-' && index - 4 >= open + 4) this.fail(open, "'--' inside a comment");
      }
      else if (text.startsWith('<![CDATA[', open)) {
        if (depth === 0) this.fail(open, 'CDATA outside the root element');
        index = this.skipTo(open, ']]>');
      } else if (text.startsWith('<!DOCTYPE', open)) {
        this.fail(open, 'a DOCTYPE is refused: libvirt\'s schema has none, and its entities and subsets (billion laughs, external files) would change or explode the values');
      } else if (text.startsWith('<!', open)) this.fail(open, 'markup declarations are refused');
      else if (text.startsWith('<?', open)) index = this.processingInstruction(open);
      else if (text.startsWith('</', open)) {
        index = this.skipTo(open, '>');
        const name = /^<\/([^\s>]*)\s*>$/.exec(text.slice(open, index))?.[1];
        const expected = openElements.pop();
        if (expected === undefined || name !== expected) this.fail(open, `${text.slice(open, index)} does not close ${expected === undefined ? 'any element' : `<${expected}>`}`);
        depth--;
      } else {
        const { end, empty } = this.startTag(open);
        if (depth === 0 && ++this.roots > 1) this.fail(open, 'a second root element');
        if (!empty) {
          depth++;
          openElements.push(/^<([^\s/>]*)/.exec(text.slice(open, end))![1]!);
        }
        index = end;
      }
    }
    if (this.roots === 0) this.fail(text.length, 'no root element');
    if (openElements.length > 0) this.fail(text.length, `<${openElements[openElements.length - 1]}> is not closed`);
    return this.out.length === 0 ? text : this.out.join('') + text.slice(this.copied);
  }

  /** Every character must be one XML allows, written or (checked in checkReferences) referenced. */
  private checkChars(): void {
    const { text } = this;
    for (let index = 0; index < text.length; index++) {
      const code = text.codePointAt(index)!;
      if (!isXmlChar(code)) this.fail(index, `U+${code.toString(16).toUpperCase().padStart(4, '0')} is not a character XML allows`);
      if (code > 0xffff) index++;
    }
  }

  private skipTo(start: number, terminator: string): number {
    const end = this.text.indexOf(terminator, start);
    if (end === -1) this.fail(start, `no closing ${terminator}`);
    return end + terminator.length;
  }

  private processingInstruction(open: number): number {
    const end = this.skipTo(open, '?>');
    const body = this.text.slice(open, end);
    if (/^<\?xml\s/.test(body)) {
      const encoding = /\sencoding\s*=\s*(["'])([^"']*)\1/.exec(body)?.[2];
      if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) this.fail(open, `encoding ${JSON.stringify(encoding)}: only UTF-8 documents are read (no byte is replaced)`);
    }
    return end;
  }

  private checkText(start: number, end: number, depth: number): void {
    const cdataEnd = this.text.indexOf(']]>', start);
    if (cdataEnd !== -1 && cdataEnd < end) this.fail(cdataEnd, "']]>' in text");
    for (let index = this.text.indexOf('&', start); index !== -1 && index < end; index = this.text.indexOf('&', index + 1)) this.checkReference(index);
    if (depth === 0 && this.text.slice(start, end).trim() !== '') this.fail(start, 'text outside the root element');
  }

  private checkReference(index: number): void {
    REFERENCE.lastIndex = index;
    const match = REFERENCE.exec(this.text);
    if (match === null) {
      const name = /^&[^;\s<&]{0,40};?/.exec(this.text.slice(index))?.[0] ?? '&';
      this.fail(index, `${name} is refused: without a DTD only &lt; &gt; &amp; &apos; &quot; and character references (&#45; &#x2D;) exist`);
    }
    if (match[1] === undefined) {
      const code = match[2] !== undefined ? Number(match[2]) : Number.parseInt(match[3]!, 16);
      if (!isXmlChar(code)) this.fail(index, `${match[0]} is not a character XML allows`);
    }
  }

  /** A start tag: its references checked, tab/CR/LF in attribute values normalised to spaces. */
  private startTag(open: number): { end: number; empty: boolean } {
    const { text } = this;
    let index = open + 1;
    let quote: string | null = null;
    for (; index < text.length; index++) {
      const char = text[index]!;
      if (quote !== null) {
        if (char === quote) quote = null;
        else if (char === '&') this.checkReference(index);
        else if (char === '<') this.fail(index, "'<' in an attribute value");
        else if (char === '\t' || char === '\n' || char === '\r') this.replace(index, ' ');
      } else if (char === '"' || char === "'") quote = char;
      else if (char === '>') return { end: index + 1, empty: text[index - 1] === '/' };
    }
    return this.fail(open, 'a start tag with no closing >');
  }

  private replace(index: number, char: string): void {
    this.out.push(this.text.slice(this.copied, index), char);
    this.copied = index + 1;
  }
}

/**
 * Checks and normalises an XML document, then hands it to `parse` (a fast-xml-parser configured to decode
 * the character references — htmlEntities — which is safe once every other named entity is refused).
 */
export function readXmlDocument<Tree>(input: string | Uint8Array, parse: (xml: string) => Tree, what = 'domain XML'): Tree {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = STRICT_UTF8.decode(input);
    } catch {
      const valid = validUtf8Prefix(input);
      const line = input.subarray(0, valid).reduce((count, byte) => count + (byte === 0x0a ? 1 : 0), 1);
      throw new EmitError('invalid-record', `${what} line ${line}: byte ${valid} is not UTF-8; only UTF-8 documents are read (no byte is replaced)`);
    }
  }
  // XML 1.0 §2.11: CRLF and lone CR are read as LF.
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const normalised = new Scanner(text, what).scan();
  const validation = XMLValidator.validate(normalised);
  if (validation !== true) {
    throw new EmitError('invalid-record', `${what} line ${validation.err.line}, column ${validation.err.col}: ${validation.err.msg}`);
  }
  return parse(normalised);
}
