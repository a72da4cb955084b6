import { Command, Option } from 'commander';
import { resolveInputs } from '../src/index.js';
import { checkTrailRules } from '../verifier/conform/conform-rules.js';
import { KeptFindings, formatFinding, formatTrailJson, formatTrailJunit, formatTrailSummary } from '../verifier/conform/conform-report.js';
import { TRAIL_RULE_IDS, type TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';
import { progressReporter } from './progress.js';
import { UsageError, inputsOrStdin } from './usage.js';

interface ConformFlags {
  rules?: boolean;
  format: 'text' | 'json' | 'junit';
  skip?: string;
}

export function conformCommand(): Command {
  return new Command('conform')
    .exitOverride()
    .description('check whole audit trails against what libvirt must write (exit 0 conforming, 1 findings, 2 usage or I/O)')
    .argument('[inputs...]', 'log files, directories (rotated sets read oldest first) or - for stdin')
    .option('--rules', 'check the trail rules, which need no journal (README: "Conformance in your CI")')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .option('--skip <rules>', `comma-separated rule ids not to check (${TRAIL_RULE_IDS.join(', ')})`)
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

async function runConform(args: string[], flags: ConformFlags): Promise<number> {
  if (!flags.rules) throw new UsageError('conform: give --rules (trail rules that need no journal)');
  const skip = skippedRules(flags.skip);
  const inputs = await resolveInputs(inputsOrStdin(args));
  const kept = new KeptFindings();
  const progress = progressReporter();
  const summary = await checkTrailRules(inputs, {
    skip,
    onProgress: progress.update,
    onFinding: (finding) => {
      if (flags.format === 'text') process.stdout.write(`${formatFinding(finding)}\n`);
      else kept.add(finding);
    },
  });
  progress.done();
  if (flags.format === 'text') process.stdout.write(`${formatTrailSummary(summary)}\n`);
  else if (flags.format === 'json') process.stdout.write(formatTrailJson(summary, kept));
  else process.stdout.write(formatTrailJunit(summary, kept));
  return summary.total > 0 ? 1 : 0;
}
