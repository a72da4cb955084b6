import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { resolveInputs, type AuditInput } from '../src/index.js';
import type { HostValues } from '../emitter/index.js';
import { checkTrailRules, type TrailRulesSummary } from '../verifier/conform/conform-rules.js';
import { KeptFindings, KEPT_FINDINGS_PER_RULE, formatFinding, formatTrailSummary, trailJunitCases } from '../verifier/conform/conform-report.js';
import { escapeXml } from '../verifier/report-junit.js';
import { TRAIL_RULE_IDS, type TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';
import { JOURNAL_FINDING_KINDS, conformJournal, formatJournalFinding, type JournalConformance, type JournalFinding } from '../testing/journal-conformance.js';
import { readJournal } from '../testing/journal-replay.js';
import { progressReporter, totalBytes } from './progress.js';
import { UsageError, inputsOrStdin } from './usage.js';
import { packageVersion } from './package-version.js';

interface ConformFlags {
  rules?: boolean;
  journal?: string;
  libvirt?: string;
  hostValues?: string;
  format: 'text' | 'json' | 'junit';
  skip?: string;
}

export function conformCommand(): Command {
  return new Command('conform')
    .exitOverride()
    .version(`virt-audit ${packageVersion()}`, '-V, --version', 'print the version')
    .description('check whole audit trails against what libvirt must write (exit 0 conforming, 1 findings, 2 usage or I/O)')
    .argument('[inputs...]', 'log files, directories (rotated sets read oldest first) or - for stdin')
    .option('--rules', 'check the trail rules, which need no journal')
    .option('--journal <file>', 'match each journaled step against the records libvirt must have written for it')
    .addOption(new Option('--libvirt <version>', 'the libvirt whose rules apply (default: the journal\'s)').choices(['9.0', '11.3', '12.9']))
    .option('--host-values <file>', 'run-time values (JSON, the journal\'s "runtime" form) for steps whose journal entry has none')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .option('--skip <rules>', `comma-separated trail rule ids not to check (${TRAIL_RULE_IDS.join(', ')})`)
    .action(async (args: string[], flags: ConformFlags) => {
      process.exitCode = await runConform(args, flags);
    });
}

function skippedRules(list: string | undefined): Set<TrailRuleId> {
  const skip = new Set<TrailRuleId>();
  for (const id of (list ?? '').split(',').map((text) => text.trim()).filter(Boolean)) {
    if (!(TRAIL_RULE_IDS as readonly string[]).includes(id)) throw new UsageError(`--skip: unknown rule ${JSON.stringify(id)} (rules: ${TRAIL_RULE_IDS.join(', ')})`);
    skip.add(id as TrailRuleId);
  }
  return skip;
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new UsageError(`${what} ${path}: ${(error as Error).message}`);
  }
}

/** Journal findings kept for JSON and JUnit, per kind; the rest are counted. */
class KeptJournalFindings {
  private readonly kept = new Map<string, JournalFinding[]>();

  add(finding: JournalFinding): void {
    let list = this.kept.get(finding.kind);
    if (list === undefined) this.kept.set(finding.kind, (list = []));
    if (list.length < KEPT_FINDINGS_PER_RULE) list.push(finding);
  }

  all(): JournalFinding[] {
    return JOURNAL_FINDING_KINDS.flatMap((kind) => this.kept.get(kind) ?? []);
  }
}

function formatJournalSummary(summary: JournalConformance): string {
  const failing = JOURNAL_FINDING_KINDS.filter((kind) => summary.findings[kind] > 0);
  const detail = failing.length === 0 ? '' : ` (${failing.map((kind) => `${kind} ${summary.findings[kind]}`).join(', ')})`;
  return `conform: journal of ${summary.guests} guests, libvirt ${summary.libvirt}: ${summary.expected} records expected, ${summary.written} written, ${summary.equal} equal: ${summary.total} finding${summary.total === 1 ? '' : 's'}${detail}`;
}

async function runConform(args: string[], flags: ConformFlags): Promise<number> {
  if (!flags.rules && flags.journal === undefined) throw new UsageError('conform: give --rules (trail rules), --journal FILE (steps), or both');
  if (flags.journal === undefined && (flags.libvirt !== undefined || flags.hostValues !== undefined)) throw new UsageError('conform: --libvirt and --host-values go with --journal');
  const skip = skippedRules(flags.skip);
  const journal = flags.journal === undefined ? undefined : readJson<Parameters<typeof conformJournal>[0]>(flags.journal, 'journal');
  const hostValues = flags.hostValues === undefined ? undefined : readJson<HostValues>(flags.hostValues, 'host values');
  const inputs: AuditInput[] = await resolveInputs(inputsOrStdin(args));
  if (journal !== undefined && inputs.some((input) => input.kind === 'stdin') && flags.rules) throw new UsageError('conform: stdin is read once: give files to check both --rules and --journal');
  const text = flags.format === 'text';
  const keptRules = new KeptFindings();
  const keptJournal = new KeptJournalFindings();
  const progress = progressReporter(totalBytes(inputs));
  let rules: TrailRulesSummary | undefined;
  let steps: JournalConformance | undefined;
  if (journal !== undefined) {
    steps = await conformJournal(journal, inputs, {
      ...(flags.libvirt ? { libvirt: flags.libvirt } : {}),
      ...(hostValues ? { fallbackHostValues: hostValues } : {}),
      onFinding: (finding) => (text ? process.stdout.write(`${formatJournalFinding(finding)}\n`) : keptJournal.add(finding)),
    });
  }
  if (flags.rules) {
    rules = await checkTrailRules(inputs, {
      skip,
      onProgress: progress.update,
      onFinding: (finding) => (text ? process.stdout.write(`${formatFinding(finding)}\n`) : keptRules.add(finding)),
    });
  }
  progress.done();
  if (text) {
    if (steps) process.stdout.write(`${formatJournalSummary(steps)}\n`);
    if (rules) process.stdout.write(`${formatTrailSummary(rules)}\n`);
  } else if (flags.format === 'json') {
    const document = {
      ...(steps ? { journal: { summary: steps, findings: keptJournal.all(), omitted: steps.total - keptJournal.all().length } } : {}),
      ...(rules ? { rules: { summary: rules, findings: rules.rules.flatMap((rule) => keptRules.of(rule)), omitted: rules.total - rules.rules.reduce((sum, rule) => sum + keptRules.of(rule).length, 0) } } : {}),
    };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    process.stdout.write(junit(steps, keptJournal, rules, keptRules));
  }
  return (steps?.total ?? 0) + (rules?.total ?? 0) > 0 ? 1 : 0;
}

function junit(steps: JournalConformance | undefined, keptJournal: KeptJournalFindings, rules: TrailRulesSummary | undefined, keptRules: KeptFindings): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  if (steps) {
    const kept = keptJournal.all();
    const cases = JOURNAL_FINDING_KINDS.map((kind) => {
      const count = steps.findings[kind];
      const name = `    <testcase classname="virt-audit.conform.journal" name="${kind}: no record ${kind === 'extra' ? 'written beyond' : kind === 'missing' ? 'missing from' : `${kind} against`} the journal's steps"`;
      if (count === 0) return `${name}/>`;
      const list = kept.filter((finding) => finding.kind === kind);
      const more = count > list.length ? `\n… and ${count - list.length} more` : '';
      return `${name}>\n      <failure type="${kind}" message="${count} finding${count === 1 ? '' : 's'}">${escapeXml(list.map(formatJournalFinding).join('\n') + more)}</failure>\n    </testcase>`;
    });
    const failing = JOURNAL_FINDING_KINDS.filter((kind) => steps.findings[kind] > 0).length;
    tests += cases.length;
    failures += failing;
    suites.push(`  <testsuite name="virt-audit conform --journal" tests="${cases.length}" failures="${failing}">`, ...cases, '  </testsuite>');
  }
  if (rules) {
    const cases = trailJunitCases(rules, keptRules);
    const failing = rules.rules.filter((rule) => (rules.findings[rule] ?? 0) > 0).length;
    tests += cases.length;
    failures += failing;
    suites.push(`  <testsuite name="virt-audit conform --rules" tests="${cases.length}" failures="${failing}">`, ...cases, '  </testsuite>');
  }
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites tests="${tests}" failures="${failures}">`, ...suites, '</testsuites>', ''].join('\n');
}
