import type { LibvirtRecord } from '../src/model/virt-records.js';
import { PieceWriter } from './report-output.js';
import type { VerifyResult } from './verify.js';

/** `JSON.stringify(value, null, 2)` as a member of the document's top-level object. */
const member = (name: string, value: unknown): string => `  ${JSON.stringify(name)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}`;

/**
 * The JSON report: `{"records": [...] (with --records), "summary", "violations", "violationsNotShown",
 * "warnings", "warningsNotShown"}`. Records are written as they are checked; violations and warnings are
 * those the result holds (the first of each, bounded), with the count of those left out.
 */
export class JsonReport {
  private readonly out: PieceWriter;
  private records = 0;

  /**
   * A JSON report; its opening is written at once.
   *
   * @param write - Receives the document's text, in pieces.
   * @param withRecords - Whether the document holds a `records` array (then give {@link JsonReport.record} as verify's `onVirtRecord`).
   * @param skipped - Files of a directory given as input that were not read, and why.
   */
  constructor(
    write: (text: string) => void,
    private readonly withRecords: boolean,
    /** Files of a directory given as input that were not read, and why (`"skipped"`, when there are any). */
    private readonly skipped: ReadonlyArray<{ readonly path: string; readonly reason: string }> = [],
  ) {
    this.out = new PieceWriter(write);
    this.out.write(withRecords ? '{\n  "records": [' : '{\n');
  }

  /**
   * Writes a record into the `records` array, as it is checked.
   *
   * @param json - The record.
   */
  readonly record = (json: LibvirtRecord): void => {
    this.out.write(`${this.records++ === 0 ? '\n' : ',\n'}    ${JSON.stringify(json)}`);
  };

  /**
   * Ends the document with the summary, the problems and warnings the result holds, and how many were left out.
   *
   * @param result - What verify returned.
   */
  end(result: VerifyResult): void {
    if (this.withRecords) this.out.write(this.records === 0 ? '],\n' : '\n  ],\n');
    const members = [
      member('summary', result.summary),
      member('violations', result.problems),
      member('violationsNotShown', result.problemsNotKept),
      member('warnings', result.warnings),
      member('warningsNotShown', result.warningsNotKept),
      ...(this.skipped.length === 0 ? [] : [member('skipped', this.skipped)]),
    ];
    this.out.write(`${members.join(',\n')}\n}\n`);
    this.out.flush();
  }
}
