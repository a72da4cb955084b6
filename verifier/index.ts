/**
 * `virt-audit/verifier`: checks every VIRT_* record of audit logs against the formats libvirt writes and
 * the JSON Schemas of schemas/, accounts for every line, and writes the findings as text, JSON or JUnit.
 *
 * @packageDocumentation
 * @module virt-audit/verifier
 */
export {
  FINDINGS_KEPT, WARNINGS_KEPT_PER_RULE, verify,
  type Diagnostic, type Severity, type VerifyOptions, type VerifyResult, type VerifySummary,
} from './verify.js';
export { TextReport, formatDiagnostic, formatSummary, isProblem } from './report-text.js';
export { JsonReport } from './report-json.js';
export { JunitReport, type VerifiedRecord } from './report-junit.js';
