// Each distinct string once, with a number: for tables of hundreds of thousands of rows whose texts
// repeat (guest names, UUIDs, users, paths).

export const NO_STRING = -1;

/**
 * One Map key for a pair of string numbers (kind and value, kind and reason): a small integer while
 * they are small (a Map hashes such keys fastest; a larger number would be a heap number), else a string.
 */
export const idPairKey = (first: number, second: number): number | string =>
  first >= 0 && first < 1 << 6 && second >= 0 && second < 1 << 24 ? first * (1 << 24) + second : `${first}:${second}`;

const BEYOND_LATIN1 = /[^\x00-\xff]/;

/** A copy of `text` that owns its chars (V8 keeps a slice of 13 chars or more as a view of its parent). */
function flatCopy(text: string): string {
  return BEYOND_LATIN1.test(text) ? Buffer.from(text, 'utf16le').toString('utf16le') : Buffer.from(text, 'latin1').toString('latin1');
}

/**
 * Each distinct string once, with a number. The copy kept is flat: a value read from a line is a slice
 * of it, and a slice would keep the whole line alive.
 */
export class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];

  id(text: string | null | undefined): number {
    if (text === null || text === undefined) return NO_STRING;
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const copy = text.length < 13 ? text : flatCopy(text);
    const id = this.texts.push(copy) - 1;
    this.ids.set(copy, id);
    return id;
  }

  private readonly recentTexts: Array<string | null | undefined> = [];
  private readonly recentIds: number[] = [];

  /**
   * `id`, first compared with the last string asked for under the same `slot`: a guest's records come
   * in runs that repeat their user, UUID, resource type and values, and a comparison is cheaper than a
   * lookup.
   */
  recentId(slot: number, text: string | null | undefined): number {
    if (text === this.recentTexts[slot] && text !== undefined) return this.recentIds[slot]!;
    const id = this.id(text);
    this.recentTexts[slot] = text;
    this.recentIds[slot] = id;
    return id;
  }

  /** The number of a string already stored, or NO_STRING. */
  find(text: string | null | undefined): number {
    if (text === null || text === undefined) return NO_STRING;
    return this.ids.get(text) ?? NO_STRING;
  }

  text(id: number): string | null {
    return id === NO_STRING ? null : this.texts[id]!;
  }
}
