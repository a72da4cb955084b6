// A list of assignment numbers in an Int32Array: 4 bytes each outside the JS heap, where a number[] took
// 8 and grew by copies the garbage collector had to make room for (a guest's million open assignments).

export class IndexList implements Iterable<number> {
  private items: Int32Array;
  length = 0;

  constructor(capacity = 4) {
    this.items = new Int32Array(capacity);
  }

  static from(values: Iterable<number>): IndexList {
    const list = new IndexList();
    for (const value of values) list.push(value);
    return list;
  }

  push(value: number): void {
    if (this.length === this.items.length) {
      const items = new Int32Array(this.items.length * 2);
      items.set(this.items);
      this.items = items;
    }
    this.items[this.length++] = value;
  }

  /** The last one, taken off; undefined when empty. */
  pop(): number | undefined {
    return this.length === 0 ? undefined : this.items[--this.length];
  }

  /** Leaves `value` alone in the list (and lets a list grown long go). */
  restart(value: number): void {
    if (this.items.length > 16) this.items = new Int32Array(16);
    this.items[0] = value;
    this.length = 1;
  }

  get(at: number): number {
    return this.items[at]!;
  }

  set(at: number, value: number): void {
    this.items[at] = value;
  }

  toArray(): number[] {
    return Array.from(this.items.subarray(0, this.length));
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let at = 0; at < this.length; at++) yield this.items[at]!;
  }
}
