// `virt-audit conform --rules`: the real captures conform; each rule is broken by one change to a real
// capture's lines (the way a lost, duplicated, moved or altered record would break it), and exactly that
// rule reports it, at the changed line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTrailRules } from '../verifier/conform/conform-rules.js';
import type { TrailFinding } from '../verifier/conform/trail-checker.js';
import { TRAIL_RULE_IDS, TRAIL_RULES, type TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE, captureLines } from './support/examples.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-conform-'));
let written = 0;

async function findingsOf(lines: readonly string[]): Promise<TrailFinding[]> {
  const path = join(directory, `trail-${written++}.log`);
  writeFileSync(path, Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
  const findings: TrailFinding[] = [];
  await checkTrailRules([{ kind: 'file', path }], { onFinding: (finding) => findings.push(finding) });
  return findings;
}

const raw = captureLines(RAW_CAPTURE);
const BASIC = '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01';
const SAVED = '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d02';
const RUNNING = '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d04';
const DEVICES = '7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d05';

/** The index of the first line of `uuid` matching `pattern` (after index `from`). */
function lineOf(uuid: string, pattern: RegExp, from = 0): number {
  const index = raw.findIndex((line, at) => at >= from && line.includes(`uuid=${uuid}`) && pattern.test(line));
  if (index === -1) throw new Error(`no line of ${uuid} matches ${pattern}`);
  return index;
}

const replaced = (index: number, line: string): string[] => raw.map((old, at) => (at === index ? line : old));
const without = (index: number): string[] => raw.filter((_line, at) => at !== index);
const vmPidOf = (index: number): string => /vm-pid=(\d+)/.exec(raw[index]!)![1]!;
/** A line given the stamp of another (a moved record keeps time in order around it). */
const stampedAs = (line: string, index: number): string => line.replace(/audit\(\d+\.\d+:/, /audit\(\d+\.\d+:/.exec(raw[index]!)![0]);

interface Mutation {
  readonly rule: TrailRuleId;
  readonly how: string;
  readonly lines: () => string[];
  /** The 1-based line (in the mutated log) the finding must name. */
  readonly at: () => number;
}

const MUTATIONS: readonly Mutation[] = [
  {
    rule: 'record-subject', how: 'auid= cut from a record',
    lines: () => { const at = lineOf(BASIC, /reason=attach/); return replaced(at, raw[at]!.replace(' auid=4294967295', '')); },
    at: () => lineOf(BASIC, /reason=attach/) + 1,
  },
  {
    rule: 'record-outcome', how: 'res= cut from a record',
    lines: () => { const at = lineOf(BASIC, /reason=attach/); return replaced(at, raw[at]!.replace(' res=success', '')); },
    at: () => lineOf(BASIC, /reason=attach/) + 1,
  },
  {
    rule: 'record-object', how: 'resrc= cut from a record',
    lines: () => { const at = lineOf(BASIC, /reason=attach/); return replaced(at, raw[at]!.replace('resrc=disk ', '')); },
    at: () => lineOf(BASIC, /reason=attach/) + 1,
  },
  {
    rule: 'record-time', how: 'a record passed through journald (no stamp of its own)',
    lines: () => {
      const at = lineOf(BASIC, /reason=attach/);
      const body = raw[at]!.replace(/^type=(\S+) msg=audit\([^)]*\): /, 'audit[30317]: $1 ');
      return replaced(at, `Dec 05 03:00:00 host ${body}`);
    },
    at: () => lineOf(BASIC, /reason=attach/) + 1,
  },
  {
    rule: 'start-context', how: 'the mem record of a start dropped',
    lines: () => without(lineOf(BASIC, /resrc=mem reason=start/)),
    at: () => lineOf(BASIC, /op=start/), // one line up: the dropped line was before it
  },
  {
    rule: 'start-labels', how: 'the VIRT_MACHINE_ID of a start dropped',
    lines: () => without(lineOf(BASIC, /type=VIRT_MACHINE_ID/)),
    at: () => lineOf(BASIC, /op=start/),
  },
  {
    rule: 'cgroup-deny-first', how: 'the cgroup deny all moved after the first allow',
    lines: () => {
      const deny = lineOf(DEVICES, /reason=deny .*class=all/);
      const lines = [...raw];
      [lines[deny], lines[deny + 1]] = [lines[deny + 1]!, lines[deny]!];
      return lines;
    },
    at: () => lineOf(DEVICES, /reason=deny .*class=all/) + 1,
  },
  {
    rule: 'start-while-running', how: 'a stop dropped before the guest is started again',
    lines: () => without(lineOf(SAVED, /op=stop reason=saved/)),
    at: () => lineOf(SAVED, /op=start reason=restored/),
  },
  {
    rule: 'failed-start-quiet', how: 'a start turned into a failed start',
    lines: () => { const at = lineOf(BASIC, /op=start/); return replaced(at, raw[at]!.replace('res=success', 'res=failed')); },
    at: () => lineOf(BASIC, /reason=attach/) + 1,
  },
  {
    rule: 'stop-without-start', how: 'a stop duplicated',
    lines: () => { const at = lineOf(BASIC, /op=stop/); return [...raw.slice(0, at + 1), raw[at]!, ...raw.slice(at + 1)]; },
    at: () => lineOf(BASIC, /op=stop/) + 2,
  },
  {
    rule: 'stopped-quiet', how: 'a live vCPU update moved after the stop',
    lines: () => {
      const update = lineOf(BASIC, /resrc=vcpu reason=update/);
      const stop = lineOf(BASIC, /op=stop/);
      const lines = without(update);
      lines.splice(stop, 0, stampedAs(raw[update]!, stop));
      return lines;
    },
    at: () => lineOf(BASIC, /op=stop/) + 1,
  },
  {
    rule: 'detach-unassigned', how: 'a detach naming another disk',
    lines: () => { const at = lineOf(BASIC, /reason=detach/); return replaced(at, raw[at]!.replace(/old-disk=[0-9A-F]+/, 'old-disk="/var/lib/libvirt/images/other.qcow2"')); },
    at: () => lineOf(BASIC, /reason=detach/) + 1,
  },
  {
    rule: 'cgroup-deny-unallowed', how: 'a cgroup deny of a path the session never allowed',
    lines: () => {
      const allow = lineOf(DEVICES, /reason=allow .*path="\/dev\/null"/);
      const stop = lineOf(DEVICES, /op=stop/);
      const deny = raw[allow]!.replace('reason=allow', 'reason=deny').replace('path="/dev/null" rdev=01:03', 'path="/dev/sdz" rdev=08:F0');
      return [...raw.slice(0, stop), stampedAs(deny, stop), ...raw.slice(stop)];
    },
    at: () => lineOf(DEVICES, /op=stop/) + 1,
  },
  {
    rule: 'vm-pid-stable', how: 'a stop naming another QEMU pid',
    lines: () => { const at = lineOf(BASIC, /op=stop/); return replaced(at, raw[at]!.replace('vm-pid=0', 'vm-pid=4242')); },
    at: () => lineOf(BASIC, /op=stop/) + 1,
  },
  {
    rule: 'vm-pid-unique', how: 'a start naming the QEMU pid of a guest still running',
    lines: () => { const at = lineOf(DEVICES, /op=start/); return replaced(at, raw[at]!.replace(/vm-pid=\d+/, `vm-pid=${vmPidOf(lineOf(RUNNING, /op=start/))}`)); },
    at: () => lineOf(DEVICES, /op=start/) + 1,
  },
  {
    rule: 'vm-uuid-paired', how: 'a record of a session naming another guest',
    lines: () => { const at = lineOf(BASIC, /reason=attach/); return replaced(at, raw[at]!.replace('vm="vacap-basic"', 'vm="vacap-other"')); },
    at: () => lineOf(BASIC, /reason=attach/) + 1,
  },
  {
    rule: 'guest-time-order', how: 'a record stamped before the guest\'s previous one',
    lines: () => { const at = lineOf(BASIC, /reason=detach/); return replaced(at, raw[at]!.replace(/audit\(\d+\.\d+:/, 'audit(1795337800.000:')); },
    at: () => lineOf(BASIC, /reason=detach/) + 1,
  },
];

describe('conform --rules on the real captures', () => {
  it.each([['raw', RAW_CAPTURE], ['enriched', ENRICHED_CAPTURE]])('the %s capture conforms: no finding', async (_name, path) => {
    const findings: TrailFinding[] = [];
    const summary = await checkTrailRules([{ kind: 'file', path }], { onFinding: (finding) => findings.push(finding) });
    expect(findings).toEqual([]);
    expect(summary.records).toBeGreaterThan(200);
    expect(summary.guests).toBeGreaterThanOrEqual(8);
    expect(summary.rules).toEqual(TRAIL_RULE_IDS);
  });

  it('README lists every rule with what it requires and serves, and no other', () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z-]+)` \| (.+) \| (.+) \|$/gm)].filter(([, id]) => (TRAIL_RULE_IDS as readonly string[]).includes(id!) || /^[a-z]+(-[a-z]+)+$/.test(id!));
    expect(rows.map(([, id, requires, serves]) => [id, requires, serves])).toEqual(TRAIL_RULE_IDS.map((id) => [id, TRAIL_RULES[id].requires, TRAIL_RULES[id].serves.join('; ')]));
  });

  it('has a breaking change for every rule', () => {
    expect(new Set(MUTATIONS.map((mutation) => mutation.rule))).toEqual(new Set(TRAIL_RULE_IDS));
    for (const id of TRAIL_RULE_IDS) expect(TRAIL_RULES[id].serves.length).toBeGreaterThan(0);
  });
});

describe.each(MUTATIONS.map((mutation) => [mutation.rule, mutation.how, mutation] as const))('rule %s', (rule, _how, mutation) => {
  it('holds on the real capture', async () => {
    expect((await findingsOf(raw)).filter((finding) => finding.rule === rule)).toEqual([]);
  });

  it(`fails, with no other rule, first at the changed line, when ${mutation.how}`, async () => {
    const findings = await findingsOf(mutation.lines());
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((finding) => finding.rule))).toEqual(new Set([rule]));
    expect(findings[0]!.line).toBe(mutation.at());
  });
});

describe('what the rules do not judge', () => {
  it('a log that begins while a guest runs: its hot-plug and stop are no findings', async () => {
    const from = lineOf(BASIC, /reason=attach/);
    expect(await findingsOf(raw.slice(from))).toEqual([]);
  });

  it('after auditd ended, a start of a guest that ran before is no finding', async () => {
    const stop = lineOf(SAVED, /op=stop reason=saved/);
    const end = 'type=DAEMON_END msg=audit(1795337870.000:1714700): op=terminate auid=0 pid=1 subj=? res=success';
    expect(await findingsOf([...raw.slice(0, stop), end, ...raw.slice(stop + 1)])).toEqual([]);
  });
});

describe('virt-audit conform (the installed command)', () => {
  const cli = join(import.meta.dirname, '../dist/cli/virt-audit.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'conform', ...args], { encoding: 'utf8' });

  it('exits 0 on a conforming trail and says what it checked', () => {
    const result = run('--rules', RAW_CAPTURE);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^conform: \d+ VIRT records of \d+ guests, 17 rules: 0 findings\n$/);
  });

  it('exits 1 with file:line findings, in JSON and JUnit too', async () => {
    const mutation = MUTATIONS.find((candidate) => candidate.rule === 'stop-without-start')!;
    const path = join(directory, 'cli.log');
    writeFileSync(path, Buffer.from(`${mutation.lines().join('\n')}\n`, 'latin1'));
    const text = run('--rules', path);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`${path}:${mutation.at()}: stop-without-start — VIRT_CONTROL`);
    const json = run('--rules', '--format', 'json', path);
    expect(json.status).toBe(1);
    const parsed = (JSON.parse(json.stdout) as { rules: { summary: { total: number }; findings: TrailFinding[]; omitted: number } }).rules;
    expect(parsed.summary.total).toBe(1);
    expect(parsed.findings[0]).toMatchObject({ rule: 'stop-without-start', line: mutation.at() });
    expect(parsed.omitted).toBe(0);
    const junit = run('--rules', '--format', 'junit', path);
    expect(junit.status).toBe(1);
    expect(junit.stdout).toContain('tests="17" failures="1"');
    expect(junit.stdout).toContain('<failure type="stop-without-start"');
  });

  it('--skip leaves a rule out; an unknown rule or no --rules is a usage error (exit 2)', async () => {
    const mutation = MUTATIONS.find((candidate) => candidate.rule === 'stop-without-start')!;
    const path = join(directory, 'skip.log');
    writeFileSync(path, Buffer.from(`${mutation.lines().join('\n')}\n`, 'latin1'));
    const skipped = run('--rules', '--skip', 'stop-without-start', path);
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toContain('16 rules: 0 findings');
    expect(run('--rules', '--skip', 'no-such-rule', path).status).toBe(2);
    expect(run(path).status).toBe(2);
    expect(run('--rules', join(directory, 'missing.log')).status).toBe(2);
  });
});
