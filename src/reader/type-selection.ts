// Which events a consumer reads, by the type of their first record, as plain data: it crosses to a
// reading thread, where a function could not.
import { recordTypeNumber } from '../tables/record-types.js';

export interface TypeSelection {
  /** Type names read, as auditd writes them. */
  readonly names?: readonly string[];
  /** Name prefixes read (`VIRT_`: every VIRT record, also types newer than this table). */
  readonly prefixes?: readonly string[];
  /** Inclusive ranges of type numbers read (known names and UNKNOWN[n] alike). */
  readonly numbers?: ReadonlyArray<readonly [number, number]>;
}

/** The selection as a predicate on type names. */
export function typeSelector(selection: TypeSelection): (type: string) => boolean {
  const names = new Set(selection.names ?? []);
  const ranges = selection.numbers ?? [];
  const prefixes = selection.prefixes ?? [];
  return (type) => {
    if (names.has(type)) return true;
    if (prefixes.some((prefix) => type.startsWith(prefix))) return true;
    if (ranges.length === 0) return false;
    const number = recordTypeNumber(type);
    return number !== null && ranges.some(([low, high]) => number >= low && number <= high);
  };
}
