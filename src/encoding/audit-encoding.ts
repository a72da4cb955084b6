// libaudit's value encoding (audit_value_needs_encoding / audit_encode_nv_string), on bytes.
// A value is written as NAME="VALUE" unless one of its bytes is '"', below 0x21 or above 0x7E;
// then it is written as NAME=HEX, upper-case, covering the whole value.

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A value's bytes (audit values are bytes; text is UTF-8). */
export type AuditBytes = Uint8Array;

export function toBytes(value: string | AuditBytes): AuditBytes {
  // Buffer's UTF-8 encoder, as TextEncoder's, writes a lone surrogate as U+FFFD; it is several times faster
  // on the short values of audit fields. Callers that must not change a value check loneSurrogateAt first.
  return typeof value === 'string' ? bytesOf(Buffer.from(value, 'utf8')) : value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where a string holds half of a UTF-16 surrogate pair, or -1. Such a string has no UTF-8 form: every
 * encoder writes U+FFFD in its place, which would change the value without a word.
 */
export function loneSurrogateAt(value: string): number {
  const match = LONE_SURROGATE.exec(value);
  return match === null ? -1 : match.index;
}

/** A Buffer's memory as plain bytes (Buffer's methods and equality differ from a Uint8Array's). */
function bytesOf(buffer: Buffer): AuditBytes {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

export function byteNeedsEncoding(byte: number): boolean {
  return byte === 0x22 || byte < 0x21 || byte > 0x7e;
}

export function valueNeedsEncoding(value: string | AuditBytes): boolean {
  // A string needs no UTF-8 encoding to be judged: chars up to 0x7E are their own byte, and every other
  // char (a lone surrogate too: it becomes U+FFFD) encodes to bytes above 0x7E.
  if (typeof value === 'string') {
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      if (code === 0x22 || code < 0x21 || code > 0x7e) return true;
    }
    return false;
  }
  for (const byte of value) {
    if (byteNeedsEncoding(byte)) return true;
  }
  return false;
}

export function bytesToHex(bytes: AuditBytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

const UPPER_HEX = /^(?:[0-9A-F]{2})+$/;

export function isAuditHex(text: string): boolean {
  return UPPER_HEX.test(text);
}

export function hexToBytes(hex: string): AuditBytes {
  if (!isAuditHex(hex)) throw new RangeError(`not an even-length upper-case hex string: ${hex}`);
  return bytesOf(Buffer.from(hex, 'hex'));
}

/**
 * How auparse and ausearch read an unquoted value: hex-decoded up to the first non-hex character (an odd
 * last digit dropped), one char per byte; null when fewer than two hex digits lead.
 */
const isHexDigit = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

export function decodeHexPrefix(text: string): string | null {
  let length = 0;
  while (length < text.length && isHexDigit(text.charCodeAt(length))) length++;
  length -= length % 2;
  return length < 2 ? null : Buffer.from(text.slice(0, length), 'hex').toString('latin1');
}

/**
 * The text libaudit writes after `NAME=`: `"value"`, or the whole value in upper-case hex when a byte is `"`,
 * below 0x21 or above 0x7E (audit_value_needs_encoding).
 *
 * @param value - Text (written as UTF-8) or bytes; null for libvirt's `"?"`.
 * @returns The encoded value.
 * @example
 * ```ts
 * import { encodeValue } from 'virt-audit';
 *
 * console.log(encodeValue('web1'), encodeValue('web 1')); // "web1" 7765622031
 * ```
 */
export function encodeValue(value: string | AuditBytes | null): string {
  if (value === null) return '"?"';
  // A string is judged as it is and made bytes only to be hex-encoded.
  if (!valueNeedsEncoding(value)) return typeof value === 'string' ? `"${value}"` : `"${latin1(value)}"`;
  return bytesToHex(toBytes(value));
}

/**
 * audit_encode_nv_string(name, value, 0): `NAME="value"` or `NAME=HEX`.
 *
 * @param name - The field's name.
 * @param value - Text (written as UTF-8) or bytes; null for libvirt's `"?"`.
 * @returns The field as libaudit writes it.
 */
export function encodeField(name: string, value: string | AuditBytes | null): string {
  return `${name}=${encodeValue(value)}`;
}

/** Bytes to a JS string, one char per byte (how the reader keeps raw line text). */
export function latin1(bytes: AuditBytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function fromLatin1(text: string): AuditBytes {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** UTF-8 text of some bytes, or null when they are not valid UTF-8. */
export function utf8OrNull(bytes: AuditBytes): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/** The length of the longest prefix of some bytes that is valid UTF-8: where the first bad byte is. */
export function validUtf8Prefix(bytes: AuditBytes): number {
  if (utf8OrNull(bytes) !== null) return bytes.length;
  let low = 0;
  let high = bytes.length - 1;
  // Bisection on the strict decoder: a prefix cut inside a sequence is invalid too, so validity is monotone.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (utf8OrNull(bytes.subarray(0, middle)) !== null) low = middle;
    else high = middle - 1;
  }
  return low;
}
