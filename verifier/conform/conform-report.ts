// The formats of `virt-audit conform --rules`: text lines as findings come, JUnit cases at the end with
// their finding lists bounded (what is left out is counted), so memory stays flat whatever the trail.
import { escapeXml } from '../report-junit.js';
import { TRAIL_RULES, type TrailRuleId } from './trail-rule-catalog.js';
import type { TrailFinding } from './trail-checker.js';
import type { TrailRulesSummary } from './conform-rules.js';

/** Findings kept for JSON and JUnit, per rule; the rest are counted. */
export const KEPT_FINDINGS_PER_RULE = 1000;

export function formatFinding(finding: TrailFinding): string {
  const guest = finding.vm === null ? '' : ` vm=${JSON.stringify(finding.vm)}`;
  return `${finding.file}:${finding.line}: ${finding.rule} — ${finding.type} ${finding.serial ?? '?'}${guest}: ${finding.message}`;
}

export function formatTrailSummary(summary: TrailRulesSummary): string {
  const failing = summary.rules.filter((rule) => (summary.findings[rule] ?? 0) > 0);
  const detail = failing.length === 0 ? '' : ` (${failing.map((rule) => `${rule} ${summary.findings[rule]}`).join(', ')})`;
  return `conform: ${summary.records} VIRT records of ${summary.guests} guests, ${summary.rules.length} rules: ${summary.total} finding${summary.total === 1 ? '' : 's'}${detail}`;
}

/** Keeps up to KEPT_FINDINGS_PER_RULE findings of each rule for the formats written at the end. */
export class KeptFindings {
  private readonly kept = new Map<TrailRuleId, TrailFinding[]>();

  add(finding: TrailFinding): void {
    let list = this.kept.get(finding.rule);
    if (list === undefined) this.kept.set(finding.rule, (list = []));
    if (list.length < KEPT_FINDINGS_PER_RULE) list.push(finding);
  }

  of(rule: TrailRuleId): readonly TrailFinding[] {
    return this.kept.get(rule) ?? [];
  }
}

/** The JUnit test cases of the trail rules: one per rule, failing with the rule's findings. */
export function trailJunitCases(summary: TrailRulesSummary, kept: KeptFindings): string[] {
  return summary.rules.map((rule) => {
    const name = `    <testcase classname="virt-audit.conform" name="${escapeXml(`${rule}: ${TRAIL_RULES[rule].requires}`)}"`;
    const count = summary.findings[rule] ?? 0;
    if (count === 0) return `${name}/>`;
    const list = kept.of(rule);
    const more = count > list.length ? `\n… and ${count - list.length} more` : '';
    const body = escapeXml(list.map(formatFinding).join('\n') + more);
    return `${name}>\n      <failure type="${rule}" message="${count} finding${count === 1 ? '' : 's'}">${body}</failure>\n    </testcase>`;
  });
}
