// The JUnit report. Its counts head each suite and the whole document, so the test cases are written to
// an unnamed temporary file as they are found and copied out at the end: memory stays flat and the time
// linear however many cases.
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic, VerifyResult } from './verify.js';
import { formatDiagnostic } from './report-text.js';
import { PieceWriter } from './report-output.js';

/** A checked record, as a JUnit test case. */
export interface VerifiedRecord {
  /** The input it was read from (the test suite). */
  readonly file: string;
  /** Its line, from 1. */
  readonly line: number;
  /** Its type. */
  readonly type: string;
  /** Its serial (a decimal string beyond 2^53). */
  readonly serial: number | string | null;
  /** Its errors: none for a passed case. */
  readonly failures: readonly Diagnostic[];
}

const NEEDS_ESCAPE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f&<>"]/;

/** Text for an XML attribute or element: markup escaped, control bytes as \\xNN. */
export const escapeXml = (text: string): string =>
  !NEEDS_ESCAPE.test(text)
    ? text
    : text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

const failureXml = (failure: Diagnostic): string =>
  `      <failure type="${escapeXml(failure.rule)}" message="${escapeXml(failure.message)}">${escapeXml(formatDiagnostic(failure))}</failure>\n`;

/** A file's test cases: where its runs lie in the spool file, and its counts. */
interface Suite {
  readonly spans: Array<[start: number, end: number]>;
  tests: number;
  failures: number;
}

const COPY_BYTES = 1 << 20;

/** JUnit XML: a suite per input file, a case per VIRT record (`record`) and per rejected line (`finding`). */
export class JunitReport {
  private readonly fd: number;
  private readonly spool: PieceWriter;
  private spooled = 0;
  /** The bytes of the cases added so far (some perhaps still pending): where the next one will lie in the spool file. */
  private caseBytes = 0;
  private readonly suites = new Map<string, Suite>();
  private current: { file: string; suite: Suite; start: number } | null = null;

  /**
   * A JUnit report; its cases wait in an unnamed temporary file until `end`.
   *
   * @param write - Receives the document, in pieces (UTF-8 bytes or text); it must be done with a piece when
   * it returns: the buffer is reused.
   */
  constructor(private readonly write: (piece: string | Uint8Array) => void) {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-junit-'));
    const path = join(directory, 'cases.xml');
    this.fd = openSync(path, 'w+', 0o600);
    // Unnamed from now on: gone with the descriptor, whatever happens to this process.
    unlinkSync(path);
    rmdirSync(directory);
    this.spool = new PieceWriter((text) => {
      const bytes = Buffer.from(text, 'utf8');
      writeSync(this.fd, bytes, 0, bytes.length, this.spooled);
      this.spooled += bytes.length;
    });
  }

  /**
   * Adds a record's test case: passed, or failed with its errors.
   *
   * @param record - The record and its errors.
   */
  readonly record = (record: VerifiedRecord): void => {
    const name = escapeXml(`${record.type} ${record.serial ?? '?'} (line ${record.line})`);
    const classname = escapeXml(record.file);
    if (record.failures.length === 0) this.add(record.file, `    <testcase classname="${classname}" name="${name}"/>\n`, false);
    else this.add(record.file, `    <testcase classname="${classname}" name="${name}">\n${record.failures.map(failureXml).join('')}    </testcase>\n`, true);
  };

  /**
   * A rejected line is a failed case of its own; the other findings belong to a record's case. Give it as
   * verify's `onFinding`.
   *
   * @param diagnostic - The finding.
   */
  readonly finding = (diagnostic: Diagnostic): void => {
    if (diagnostic.severity !== 'rejected') return;
    this.add(diagnostic.file, `    <testcase classname="${escapeXml(diagnostic.file)}" name="line ${diagnostic.line}">\n${failureXml(diagnostic)}    </testcase>\n`, true);
  };

  /**
   * Writes the document: a suite per input with its counts, then its cases.
   *
   * @param _result - What verify returned (the counts come from the cases).
   */
  end(_result: VerifyResult): void {
    this.closeSpan();
    this.spool.flush();
    try {
      let tests = 0;
      let failures = 0;
      for (const suite of this.suites.values()) {
        tests += suite.tests;
        failures += suite.failures;
      }
      this.write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="virt-audit verify" tests="${tests}" failures="${failures}" errors="0">\n`);
      const buffer = Buffer.alloc(COPY_BYTES);
      for (const [file, suite] of this.suites) {
        this.write(`  <testsuite name="${escapeXml(file)}" tests="${suite.tests}" failures="${suite.failures}" errors="0">\n`);
        for (const [start, end] of suite.spans) {
          for (let at = start; at < end; ) {
            const read = readSync(this.fd, buffer, 0, Math.min(COPY_BYTES, end - at), at);
            this.write(buffer.subarray(0, read));
            at += read;
          }
        }
        this.write('  </testsuite>\n');
      }
      this.write('</testsuites>\n');
    } finally {
      closeSync(this.fd);
    }
  }

  private add(file: string, testcase: string, failed: boolean): void {
    if (this.current?.file !== file) {
      this.closeSpan();
      let suite = this.suites.get(file);
      if (suite === undefined) this.suites.set(file, (suite = { spans: [], tests: 0, failures: 0 }));
      this.current = { file, suite, start: this.offset() };
    }
    const suite = this.current.suite;
    suite.tests++;
    if (failed) suite.failures++;
    this.spool.write(testcase);
    this.caseBytes += Buffer.byteLength(testcase, 'utf8');
  }

  private offset(): number {
    return this.caseBytes;
  }

  private closeSpan(): void {
    if (this.current === null) return;
    this.current.suite.spans.push([this.current.start, this.offset()]);
    this.current = null;
  }
}
