// Fixed-size rows in the pages of a PageSpool: the most recently used pages in memory, the others in an
// unnamed temporary file. The correlator's tables live here so that assignments which never end (a
// guest that never stops, hot-plugging for ever) keep memory flat however long the log.
import { PageSpool } from '../auvirt/page-spool.js';

/** How a paged table keeps its rows. */
export interface PagingOptions {
  /** Where the pages beyond the cached ones go: `$TMPDIR`, else /tmp. */
  readonly directory?: string;
  /** Rows of a page, as a power of two (each table has its own default, a page of about 1 MiB). */
  readonly pageRowsShift?: number;
  /** Pages kept in memory (each table has its own default). */
  readonly cachedPages?: number;
}

/**
 * Rows of `rowBytes` bytes (a multiple of 4), read and written through `i32` and, when the rows are a
 * multiple of 8 bytes, `f64`: views of the page made current by `at`, valid until the next `at` or `append`.
 */
export class PagedRows {
  length = 0;
  f64 = new Float64Array(0);
  i32 = new Int32Array(0);
  private readonly spool: PageSpool;
  private readonly shift: number;
  private readonly mask: number;
  private readonly intsPerRow: number;
  private pageId = -1;
  private pageEvictions = -1;
  private pageWritable = false;

  constructor(rowBytes: number, defaults: { readonly pageRowsShift: number; readonly cachedPages: number }, options: PagingOptions = {}) {
    this.shift = options.pageRowsShift ?? defaults.pageRowsShift;
    this.mask = (1 << this.shift) - 1;
    this.intsPerRow = rowBytes / 4;
    this.spool = new PageSpool(rowBytes << this.shift, Math.max(1, options.cachedPages ?? defaults.cachedPages), options.directory);
  }

  /** Bytes written to the temporary file so far (0 while the rows fit the cached pages). */
  get spooledBytes(): number {
    return this.spool.spooledBytes;
  }

  /** Appends a row of zeros; its index. */
  append(): number {
    const index = this.length;
    if ((index & this.mask) === 0) this.spool.allocate();
    this.length++;
    return index;
  }

  /**
   * Makes the page of row `index` current (`forWrite`: it goes back to the file when it leaves memory);
   * returns where the row starts in `i32` (half that in `f64`).
   */
  at(index: number, forWrite: boolean): number {
    const id = index >>> this.shift;
    if (id !== this.pageId || this.spool.evictions !== this.pageEvictions || (forWrite && !this.pageWritable)) {
      if (index < 0 || index >= this.length) throw new RangeError(`no row ${index} (${this.length} rows)`);
      const buffer = this.spool.page(id, forWrite);
      if (this.intsPerRow % 2 === 0) this.f64 = new Float64Array(buffer);
      this.i32 = new Int32Array(buffer);
      this.pageId = id;
      this.pageEvictions = this.spool.evictions;
      this.pageWritable = forWrite;
    }
    return (index & this.mask) * this.intsPerRow;
  }

  /** Closes the temporary file (it is gone then); the rows are not to be read after. */
  close(): void {
    this.spool.close();
  }
}
