// The two ways a value reaches an audit line — encoded by libaudit, or written as it is by whoever prints it
// (libvirt's %s, libaudit's tail, the kernel's header, auditd's node=) — and what each must refuse so
// that the line reads back as one record with the same fields and values.
import { isEncodedField } from '../src/tables/field-types.js';
import { decodeHexPrefix, loneSurrogateAt } from '../src/encoding/audit-encoding.js';
import { EmitError, type EmitErrorKind } from './errors.js';

/** An EmitError about one field of the record; `field` names it (`hostname`, `enrichment.UID`…). */
export class FieldError extends EmitError {
  override readonly name: string = 'FieldError';

  /**
   * A refused field.
   *
   * @param kind - Why the value is refused.
   * @param field - The field (`hostname`, `enrichment.UID`…).
   * @param message - What is wrong.
   */
  constructor(
    kind: EmitErrorKind,
    /** The field refused: `hostname`, `enrichment.UID`… */
    readonly field: string,
    message: string,
  ) {
    super(kind, message);
  }
}

/**
 * A value about to be written as UTF-8: no NUL (libaudit, the kernel and auditd read C strings, so the rest
 * would be lost) and no lone surrogate (no UTF-8 form; encoders write U+FFFD instead).
 */
export function checkText(field: string, value: string): void {
  if (value.includes('\0')) throw new FieldError('nul-byte', field, `${field} holds a NUL byte; the C code on the way reads up to it and would cut the value there`);
  const at = loneSurrogateAt(value);
  if (at >= 0) {
    throw new FieldError('invalid-record', field, `${field} holds a lone UTF-16 surrogate at index ${at}: it has no UTF-8 form and would be written as U+FFFD`);
  }
}

/** Who writes a field as it is: named in the refusal. */
export type BareWriter = 'libvirt' | 'libaudit' | 'the kernel' | 'auditd';

/**
 * A value written with no encoding. auparse and ausearch split a record on spaces, read `"` as the start of
 * an encoded value and `'` as the end of msg='…'; control bytes, non-ASCII bytes and newlines do worse. So a
 * bare value must be printable ASCII (0x21–0x7E) without `"` or `'`, not empty or `?` (both read back as
 * an absent value), and not end in what auparse trims.
 */
export function checkBare(field: string, value: string, writer: BareWriter): void {
  checkText(field, value);
  if (value === '' || value === '?') {
    throw new FieldError('unsafe-value', field, `${writer} writes ${field} unencoded; ${JSON.stringify(value)} would read back as an absent value`);
  }
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x21 || code > 0x7e || code === 0x22 || code === 0x27) {
      throw new FieldError(
        'unsafe-value',
        field,
        `${writer} writes ${field} unencoded; ${JSON.stringify(value)} holds ${describeChar(code)} at index ${index}, which would forge or lose fields`,
      );
    }
  }
  // auparse drops a trailing ')', ',' or ':' from an unquoted value (the old `(hostname=…, addr=…)` tail form).
  if (/[),:]$/.test(value)) {
    throw new FieldError('unsafe-value', field, `${writer} writes ${field} unencoded; auparse drops the last character of ${JSON.stringify(value)} (a trailing ')', ',' or ':')`);
  }
  // auparse reads an unquoted value of a field it types ESCAPED (libvirt's bare shmem/evdev path=) as hex
  // from two leading hex digits, or up to a ')' after a leading '(': such a value reads back as other text.
  if (isEncodedField(field) && (decodeHexPrefix(value) !== null || /^\(.*\)./s.test(value))) {
    throw new FieldError('unsafe-value', field, `${writer} writes ${field} unencoded and auparse decodes it; ${JSON.stringify(value)} would read back as other text`);
  }
}

function describeChar(code: number): string {
  if (code === 0x20) return 'a space';
  if (code === 0x22) return "a '\"'";
  if (code === 0x27) return 'a "\'"';
  if (code < 0x20 || code === 0x7f) return `the control byte 0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
  return `the non-ASCII character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
