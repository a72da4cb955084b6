export { AuditCapture, auditdLogFile, type AuditCaptureOptions, type RecordsOptions } from './audit-capture.js';
export {
  assertConforms, assertWritten, compareWritten, describeComparison, expectedPayload, trailFindings, virtAuditMatchers, writtenPayload,
  type ExpectedRecord, type TrailComparison, type WrittenRecord,
} from './trail-assertions.js';
export type { TrailFinding } from '../verifier/conform/trail-checker.js';
export { TRAIL_RULE_IDS, TRAIL_RULES, type TrailRule, type TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';
