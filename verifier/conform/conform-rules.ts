// `virt-audit conform --rules`: reads audit logs (event state carried across files, rotated sets oldest
// first) and checks the whole trail against the trail rules, handing each finding on as it is found.
import type { AuditInput } from '../../src/reader/input-set.js';
import { ALL_BUT_INTERPRETED, readAuditEvents } from '../../src/reader/read-events.js';
import { typeSelector } from '../../src/reader/type-selection.js';
import { TrailChecker, type TrailFinding } from './trail-checker.js';
import { TRAIL_RULE_IDS, type TrailRuleId } from './trail-rule-catalog.js';

export interface TrailRulesOptions {
  /** Rules not to check (their findings are not reported). */
  readonly skip?: ReadonlySet<TrailRuleId>;
  readonly onFinding?: (finding: TrailFinding) => void;
  readonly onProgress?: (bytesRead: number) => void;
}

export interface TrailRulesSummary {
  /** VIRT records read. */
  readonly records: number;
  /** Guests (node and uuid) seen. */
  readonly guests: number;
  /** Rules checked. */
  readonly rules: readonly TrailRuleId[];
  /** Findings per rule checked (0 for a rule that holds). */
  readonly findings: Readonly<Record<string, number>>;
  readonly total: number;
}

/** The events the trail rules read: VIRT records and the host's boot, shutdown and audit-daemon events. */
const keepEvent = typeSelector({ prefixes: ['VIRT_', 'SYSTEM_', 'DAEMON_'] });

/** Checks the trail of the inputs against the trail rules. */
export async function checkTrailRules(inputs: readonly AuditInput[], options: TrailRulesOptions = {}): Promise<TrailRulesSummary> {
  const skip = options.skip ?? new Set<TrailRuleId>();
  const rules = TRAIL_RULE_IDS.filter((rule) => !skip.has(rule));
  const findings: Record<string, number> = Object.fromEntries(rules.map((rule) => [rule, 0]));
  let total = 0;
  const checker = new TrailChecker((finding) => {
    if (skip.has(finding.rule)) return;
    findings[finding.rule]!++;
    total++;
    options.onFinding?.(finding);
  });
  await readAuditEvents(
    inputs,
    (event) => {
      for (const record of event.records) checker.handle(record);
    },
    { forms: ALL_BUT_INTERPRETED, keepEvent, ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
  );
  return { records: checker.records, guests: checker.guestCount, rules, findings, total };
}
