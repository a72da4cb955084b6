// A domain's <uuid> as libvirt reads and prints it (src/util/viruuid.c): virUUIDParse skips surrounding
// whitespace and takes exactly 32 hex digits of either case, with '-' or ' ' anywhere between pairs;
// virUUIDFormat prints them lower-case 8-4-4-4-12. So an upper-case UUID is libvirt's lower-case one.
import { EmitError } from '../errors.js';

/** g_ascii_isspace: space, \t, \n, \v, \f, \r. */
const isAsciiSpace = (char: string | undefined): boolean => char === ' ' || char === '\t' || char === '\n' || char === '\v' || char === '\f' || char === '\r';
const isHexDigit = (char: string | undefined): boolean => char !== undefined && /^[0-9a-fA-F]$/.test(char);

/** The UUID libvirt stores for this text, as virUUIDFormat prints it; an error where virUUIDParse fails. */
export function libvirtUuid(text: string): string {
  let index = 0;
  while (isAsciiSpace(text[index])) index++;
  const bytes: string[] = [];
  while (bytes.length < 16) {
    const char = text[index];
    if (char === '-' || char === ' ') {
      index++;
      continue;
    }
    if (!isHexDigit(char) || !isHexDigit(text[index + 1])) {
      throw new EmitError('invalid-record', `malformed uuid element ${JSON.stringify(text)}: libvirt's virUUIDParse wants 32 hex digits, '-' or ' ' between pairs`);
    }
    bytes.push(text.slice(index, index + 2).toLowerCase());
    index += 2;
  }
  for (; index < text.length; index++) {
    if (!isAsciiSpace(text[index])) throw new EmitError('invalid-record', `malformed uuid element ${JSON.stringify(text)}: libvirt's virUUIDParse allows only whitespace after the 32 hex digits`);
  }
  const hex = bytes.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
