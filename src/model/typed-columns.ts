// Tables of hundreds of thousands of rows keep them in typed-array columns; a column grows by copying.

export type Column = Uint8Array | Uint16Array | Int32Array | Float64Array;

/** A copy of `column` with room for `length` values. */
export function grown<T extends Column>(column: T, length: number): T {
  const next = new (column.constructor as new (length: number) => T)(length);
  next.set(column);
  return next;
}
