/**
 * `virt-audit/testing`: what a virt manager's own test suite needs to assert the audit trail its guests leave:
 * {@link AuditCapture} (the host's log from now on, or a private auditd), the trail assertions, the trail rules
 * and the journal conformance of `virt-audit conform --journal`.
 *
 * @packageDocumentation
 * @module virt-audit/testing
 */
export { AuditCapture, auditdLogFile, type AuditCaptureOptions, type RecordsOptions } from './audit-capture.js';
export {
  assertConforms, assertWritten, compareWritten, describeComparison, expectedPayload, trailFindings, virtAuditMatchers, writtenPayload,
  type ExpectedRecord, type MatcherResult, type TrailComparison, type WrittenRecord,
} from './trail-assertions.js';
export type { TrailFinding } from '../verifier/conform/trail-checker.js';
export { TRAIL_RULE_IDS, TRAIL_RULES, type TrailRule, type TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';
export type { FailedStartStage, GuestJournal, HostValues, Journal, JournalStep, SeclabelValue, StepWindow } from './journal.js';
export { expectedRecords, libvirtVersionOf, readJournal, stepRecords, type ExpectedStepRecord } from './journal-replay.js';
export {
  JOURNAL_FINDING_KINDS, conformJournal, fieldDifferences, formatJournalFinding,
  type FieldDifference, type JournalConformOptions, type JournalConformance, type JournalFinding, type JournalFindingKind,
} from './journal-conformance.js';
