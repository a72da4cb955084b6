// Columns a terminal gives a text: the default report pads names by them, so UTF-8 names keep the columns
// aligned (printf, which auvirt used, pads bytes).

const COMBINING = /\p{Mn}|\p{Me}|\u200B|\u200C|\u200D|\uFEFF/u;

/** East Asian wide and fullwidth characters, and the emoji blocks terminals draw two columns wide. */
function wide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0x303e) || (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) || (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) || (code >= 0x20000 && code <= 0x3fffd);
}

/** The columns one character takes. */
export function charWidth(char: string): number {
  if (COMBINING.test(char)) return 0;
  return wide(char.codePointAt(0)!) ? 2 : 1;
}

/**
 * `text` cut to at most `width` columns (never inside a character) and padded with spaces to `width`
 * columns, as UTF-8 bytes one char each.
 */
export function padColumns(text: string | null | undefined, width: number): string {
  let columns = 0;
  let kept = '';
  for (const char of text ?? '') {
    const taken = charWidth(char);
    if (columns + taken > width) break;
    columns += taken;
    kept += char;
  }
  return Buffer.from(kept + ' '.repeat(width - columns), 'utf8').toString('latin1');
}
