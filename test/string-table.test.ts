// Both reports store their texts once in a string table: whatever a text holds (one char per byte for
// --compat, any Unicode for the default report, lone surrogates too), the table gives it back unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idPairKey, NO_STRING, StringTable } from '../src/text/string-table.js';

describe('StringTable', () => {
  it('gives back every text as it was stored, one number per distinct text', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('名前が長いゲストマシンの名前', 'web server 000 — ünïcödé', '\ud800 lone surrogate text')), { maxLength: 30 }), (texts) => {
        const table = new StringTable();
        // Texts as slices of a longer line, as the readers make them.
        const line = texts.join('\u0001');
        let at = 0;
        const ids = texts.map((text, index) => {
          const slice = line.slice(at, at + text.length);
          at += text.length + 1;
          return index % 2 === 0 ? table.id(slice) : table.recentId(index % 3, slice);
        });
        texts.forEach((text, index) => expect(table.text(ids[index]!)).toBe(text));
        texts.forEach((text, index) => expect(table.find(text)).toBe(ids[index]));
        expect(new Set(ids).size).toBe(new Set(texts).size);
      }),
      { numRuns: 500 },
    );
    expect(new StringTable().id(null)).toBe(NO_STRING);
  });
});

describe('idPairKey', () => {
  it('gives different pairs of string numbers different keys, small or large', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(2 ** 24 - 1, 2 ** 24, 63, 64));
    fc.assert(
      fc.property(id, id, id, id, (a, b, c, d) => {
        expect(idPairKey(a, b) === idPairKey(c, d)).toBe(a === c && b === d);
      }),
      { numRuns: 3000 },
    );
  });
});
