import { hexToBytes, isAuditHex, utf8OrNull, valueNeedsEncoding } from '../encoding/audit-encoding.js';
import { isEncodedField } from '../tables/field-types.js';

/** How a value stood on the wire. */
export type WireForm = 'quoted' | 'hex' | 'bare';

/** One `name=value` field of a record, as written and as decoded. */
export interface AuditField {
  /** The field's name, as written. */
  readonly name: string;
  /** The value text exactly as written (one JS char per byte). */
  readonly raw: string;
  /** The decoded value; null where the log says `?` (explicit absence). */
  readonly value: string | null;
  /** How the value was written: `"…"`, libaudit hex, or bare. */
  readonly wire: WireForm;
  /** Decoded bytes were not valid UTF-8; `value` holds U+FFFD replacements. */
  readonly invalidUtf8?: true;
}

const NON_ASCII = /[\x80-\xff]/;

function latin1ToUtf8(text: string): { text: string; invalid: boolean } {
  if (!NON_ASCII.test(text)) return { text, invalid: false };
  const bytes = Buffer.from(text, 'latin1');
  const strict = utf8OrNull(bytes);
  return strict === null ? { text: bytes.toString('utf8'), invalid: true } : { text: strict, invalid: false };
}

/**
 * Decodes one `name=value` token the way auparse would, but stricter about hex: an unquoted value is
 * taken as libaudit hex only for an encoded field, when it is even-length upper-case hex, and when its
 * bytes would really have needed encoding (so dockerd's raw `vm=centos:7` or `hostname=1235c5a6476b`
 * stay as they are).
 *
 * @param name - The field's name (whether it is one libaudit encodes decides how a bare value is read).
 * @param raw - The value text exactly as written, one JS char per byte.
 * @param interpretHex - false for `ausearch -i` output, whose values were already interpreted.
 * @returns The field with its decoded value.
 */
export function decodeField(name: string, raw: string, interpretHex = true): AuditField {
  if (raw === '?' || raw === '"?"') return { name, raw, value: null, wire: raw === '?' ? 'bare' : 'quoted' };
  if (raw.length >= 2 && raw.charCodeAt(0) === 0x22 && raw.charCodeAt(raw.length - 1) === 0x22) {
    const inner = raw.slice(1, -1);
    // Plain ASCII, the common case, without the decoding's intermediate object.
    if (!NON_ASCII.test(inner)) return { name, raw, value: inner, wire: 'quoted' };
    return withText(name, raw, latin1ToUtf8(inner), 'quoted');
  }
  if (interpretHex && isEncodedField(name) && isAuditHex(raw)) {
    const bytes = hexToBytes(raw);
    if (valueNeedsEncoding(bytes)) {
      const strict = utf8OrNull(bytes);
      return withText(name, raw, { text: strict ?? Buffer.from(bytes).toString('utf8'), invalid: strict === null }, 'hex');
    }
  }
  if (!NON_ASCII.test(raw)) return { name, raw, value: raw, wire: 'bare' };
  return withText(name, raw, latin1ToUtf8(raw), 'bare');
}

function withText(name: string, raw: string, decoded: { text: string; invalid: boolean }, wire: WireForm): AuditField {
  return decoded.invalid
    ? { name, raw, value: decoded.text, wire, invalidUtf8: true }
    : { name, raw, value: decoded.text, wire };
}

export interface TokenizedFields {
  readonly fields: readonly AuditField[];
  readonly words: readonly string[];
}

/** Splits on runs of spaces, as auparse does; keeps duplicate names and their order. */
export function tokenizeFields(text: string, interpretHex = true): TokenizedFields {
  const fields: AuditField[] = [];
  const words: string[] = [];
  let start = 0;
  const length = text.length;
  while (start < length) {
    while (start < length && text.charCodeAt(start) === 0x20) start++;
    if (start >= length) break;
    let end = text.indexOf(' ', start);
    if (end === -1) end = length;
    const token = text.slice(start, end);
    const eq = token.indexOf('=');
    if (eq > 0) fields.push(decodeField(token.slice(0, eq), token.slice(eq + 1), interpretHex));
    else words.push(token);
    start = end + 1;
  }
  return { fields, words };
}

export function findField(fields: readonly AuditField[], name: string): AuditField | undefined {
  for (const field of fields) if (field.name === name) return field;
  return undefined;
}
