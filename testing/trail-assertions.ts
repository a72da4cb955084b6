// Assertions on a captured trail, for any test runner: the records a test expects libvirt (or the emitter's
// lifecycle builders) to write, compared record by record with what was written; and the trail rules.
import { AssertionError } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../src/model/audit-record.js';
import { splitLibauditTail } from '../src/libvirt/libaudit-tail.js';
import type { EmitInput } from '../emitter/emitter.js';
import { buildPayload } from '../emitter/payload.js';
import { checkTrailRules } from '../verifier/conform/conform-rules.js';
import { formatFinding } from '../verifier/conform/conform-report.js';
import type { TrailFinding } from '../verifier/conform/trail-checker.js';
import type { TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';
import type { AuditCapture } from './audit-capture.js';

/** A record a test expects: the emitter's input form (as the lifecycle builders return it), or a wire payload. */
export type ExpectedRecord = EmitInput | string;

/** A VIRT record found in the trail. */
export interface WrittenRecord {
  /** The log it was read from. */
  readonly file: string;
  /** Its line, from 1. */
  readonly line: number;
  /** `field=value …` as written inside msg='…', libaudit's tail left out but for `res=`. */
  readonly payload: string;
}

/** The written records of the expected guests, compared in order with the expected ones. */
export interface TrailComparison {
  /** How many are as expected. */
  readonly equal: number;
  /** Expected payloads that were not written. */
  readonly missing: readonly string[];
  /** Written records that were not expected. */
  readonly extra: readonly WrittenRecord[];
  /** Records written in an expected one's place, with other fields. */
  readonly differing: ReadonlyArray<{
    /** The expected payload. */
    readonly expected: string;
    /** The record written instead. */
    readonly written: WrittenRecord;
  }>;
}

/**
 * A written VIRT record as its payload: libvirt's fields as written, then `res=`.
 *
 * @param record - The record.
 * @returns `field=value … res=…`.
 */
export function writtenPayload(record: AuditRecord): string {
  const body = splitLibauditTail(record.payload ?? []).body;
  return `${body.map((field) => `${field.name}=${field.raw}`).join(' ')} res=${record.payloadValue('res') ?? '?'}`;
}

/**
 * An expected record as the payload libvirt writes for it (no record at all where libvirt skips one).
 *
 * @param record - The record, as a builder returns it, or already a payload.
 * @returns `field=value … res=…`; null where libvirt writes no record.
 * @throws `EmitError` for a record no layout fits.
 */
export function expectedPayload(record: ExpectedRecord): string | null {
  if (typeof record === 'string') return record;
  const payload = buildPayload(record);
  return payload === null ? null : `${payload} res=${String(record.res ?? 'success')}`;
}

const uuidIn = (payload: string): string | null => / uuid=([0-9a-f-]{36})(?: |$)/.exec(payload)?.[1] ?? null;

/**
 * The written records of the guests the expected records name (by uuid), compared in order with the
 * expected ones: equal, missing (expected, not written), extra (written, not expected), differing.
 *
 * @param records - The written records (a capture's).
 * @param expected - The expected ones, in order.
 * @returns The comparison.
 */
export function compareWritten(records: readonly AuditRecord[], expected: readonly ExpectedRecord[]): TrailComparison {
  const wanted = expected.map(expectedPayload).filter((payload): payload is string => payload !== null);
  const guests = new Set(wanted.map(uuidIn).filter((uuid): uuid is string => uuid !== null));
  const written = records
    .filter((record) => guests.has(record.payloadValue('uuid') ?? ''))
    .map((record): WrittenRecord => ({ file: record.file, line: record.line, payload: writtenPayload(record) }));
  // Longest common subsequence; in each gap between matches, records pair up as differing, the rest are
  // missing or extra.
  const rows = wanted.length + 1;
  const cols = written.length + 1;
  const common = new Uint32Array(rows * cols);
  for (let i = wanted.length - 1; i >= 0; i--) {
    for (let j = written.length - 1; j >= 0; j--) {
      common[i * cols + j] = wanted[i] === written[j]!.payload ? common[(i + 1) * cols + j + 1]! + 1 : Math.max(common[(i + 1) * cols + j]!, common[i * cols + j + 1]!);
    }
  }
  let equal = 0;
  const missing: string[] = [];
  const extra: WrittenRecord[] = [];
  const differing: Array<{ expected: string; written: WrittenRecord }> = [];
  let gapWanted: string[] = [];
  let gapWritten: WrittenRecord[] = [];
  const closeGap = (): void => {
    const paired = Math.min(gapWanted.length, gapWritten.length);
    for (let k = 0; k < paired; k++) differing.push({ expected: gapWanted[k]!, written: gapWritten[k]! });
    missing.push(...gapWanted.slice(paired));
    extra.push(...gapWritten.slice(paired));
    gapWanted = [];
    gapWritten = [];
  };
  let i = 0;
  let j = 0;
  while (i < wanted.length && j < written.length) {
    if (wanted[i] === written[j]!.payload) {
      closeGap();
      equal++;
      i++;
      j++;
    } else if (common[(i + 1) * cols + j]! >= common[i * cols + j + 1]!) gapWanted.push(wanted[i++]!);
    else gapWritten.push(written[j++]!);
  }
  gapWanted.push(...wanted.slice(i));
  gapWritten.push(...written.slice(j));
  closeGap();
  return { equal, missing, extra, differing };
}

/**
 * A comparison for a person: the counts, then each differing, missing and extra record.
 *
 * @param comparison - What compareWritten returned.
 * @returns Lines of text.
 */
export function describeComparison(comparison: TrailComparison): string {
  const lines = [`${comparison.equal} equal, ${comparison.differing.length} differing, ${comparison.missing.length} missing, ${comparison.extra.length} extra`];
  for (const { expected, written } of comparison.differing) lines.push(`  differs at ${written.file}:${written.line}:\n    expected ${expected}\n    written  ${written.payload}`);
  for (const payload of comparison.missing) lines.push(`  missing: ${payload}`);
  for (const written of comparison.extra) lines.push(`  extra at ${written.file}:${written.line}: ${written.payload}`);
  return lines.join('\n');
}

const matches = (comparison: TrailComparison): boolean => comparison.missing.length === 0 && comparison.extra.length === 0 && comparison.differing.length === 0;

/**
 * Throws an AssertionError unless the capture holds exactly the expected records of their guests, in order.
 *
 * @param capture - The capture.
 * @param expected - The records, as the lifecycle builders return them or as payloads.
 * @throws `AssertionError` (node:assert) describing each differing, missing and extra record.
 */
export function assertWritten(capture: AuditCapture, expected: readonly ExpectedRecord[]): void {
  const comparison = compareWritten(capture.records(), expected);
  if (!matches(comparison)) throw new AssertionError({ message: `the audit trail differs from the expected records: ${describeComparison(comparison)}` });
}

/**
 * The trail rules' findings on what the capture read.
 *
 * @param capture - The capture.
 * @param skip - Rules not to check.
 * @returns The findings, in log order.
 */
export async function trailFindings(capture: AuditCapture, skip: readonly TrailRuleId[] = []): Promise<TrailFinding[]> {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-capture-'));
  try {
    const file = join(directory, 'captured.log');
    writeFileSync(file, Buffer.from(capture.text(), 'latin1'));
    const findings: TrailFinding[] = [];
    await checkTrailRules([{ kind: 'file', path: file }], { skip: new Set(skip), onFinding: (finding) => findings.push({ ...finding, file: capture.logFile }) });
    return findings;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Throws an AssertionError when the captured trail breaks a trail rule.
 *
 * @param capture - The capture.
 * @param skip - Rules not to check.
 * @throws `AssertionError` (node:assert) listing the findings.
 */
export async function assertConforms(capture: AuditCapture, skip: readonly TrailRuleId[] = []): Promise<void> {
  const findings = await trailFindings(capture, skip);
  if (findings.length > 0) throw new AssertionError({ message: `the audit trail breaks ${findings.length} trail rule finding(s):\n${findings.map(formatFinding).join('\n')}` });
}

/** What a matcher returns to `expect.extend`. */
export interface MatcherResult {
  /** Whether the assertion holds. */
  readonly pass: boolean;
  /** What to print when it fails. */
  readonly message: () => string;
}

/**
 * Matchers for `expect.extend` (vitest, or Jest): `expect(capture).toHaveWritten(records)` and
 * `await expect(capture).toConform()`. `virt-audit/testing/vitest` registers them with vitest.
 */
export const virtAuditMatchers = {
  /**
   * The capture holds exactly these records of their guests (by uuid), in order.
   *
   * @param received - The capture.
   * @param expected - The records, as the lifecycle builders return them or as payloads.
   * @returns The matcher's verdict.
   */
  toHaveWritten(received: AuditCapture, expected: readonly ExpectedRecord[]): MatcherResult {
    const comparison = compareWritten(received.records(), expected);
    const pass = matches(comparison);
    return { pass, message: () => (pass ? 'expected the trail to differ from these records, but it holds exactly them' : `the audit trail differs from the expected records: ${describeComparison(comparison)}`) };
  },
  /**
   * The captured trail breaks no trail rule.
   *
   * @param received - The capture.
   * @param skip - Rules not to check.
   * @returns The matcher's verdict.
   */
  async toConform(received: AuditCapture, skip: readonly TrailRuleId[] = []): Promise<MatcherResult> {
    const findings = await trailFindings(received, skip);
    const pass = findings.length === 0;
    return { pass, message: () => (pass ? 'expected the trail to break a trail rule, but it conforms' : `the audit trail breaks trail rules:\n${findings.map(formatFinding).join('\n')}`) };
  },
};
