import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RAW_CAPTURE, captureLines } from './support/examples.js';
import { runCli } from './support/cli.js';

interface Breakage {
  readonly name: string;
  readonly rule: string;
  readonly pick: RegExp;
  readonly breakLine: (line: string) => string;
}

// Each takes one real libvirt line and breaks one thing libvirt would never write.
const BREAKAGES: readonly Breakage[] = [
  { name: 'vm written bare', rule: 'field-encoding', pick: /op=start reason=booted vm="/, breakLine: (l) => l.replace(/vm="([^"]+)"/, 'vm=$1') },
  { name: 'uuid before vm', rule: 'field-order', pick: /resrc=mem /, breakLine: (l) => l.replace(/(vm="[^"]+") (uuid=\S+)/, '$2 $1') },
  { name: 'unknown resrc', rule: 'unknown-layout', pick: /resrc=rng /, breakLine: (l) => l.replace('resrc=rng', 'resrc=gpu') },
  { name: 'res missing', rule: 'libaudit-tail', pick: /resrc=vcpu reason=start/, breakLine: (l) => l.replace(' res=success', '') },
  { name: 'rdev in lower case', rule: 'schema', pick: /rdev=0A:E8/, breakLine: (l) => l.replace('rdev=0A:E8', 'rdev=0a:e8') },
  { name: 'stop with a start reason', rule: 'schema', pick: /op=stop reason=destroyed/, breakLine: (l) => l.replace('reason=destroyed', 'reason=booted') },
  { name: 'both sides of a disk absent', rule: 'schema', pick: /resrc=disk reason=start/, breakLine: (l) => l.replace(/new-disk=\S+/, 'new-disk="?"') },
  { name: 'quoted value that needs hex', rule: 'field-encoding', pick: /resrc=net reason=start/, breakLine: (l) => l.replace(/vm="([^"]+)"/, 'vm="$1\x7f"') },
  { name: 'double space', rule: 'spacing', pick: /resrc=chardev /, breakLine: (l) => l.replace(' uuid=', '  uuid=') },
  { name: 'msg without closing quote', rule: 'msg-unterminated', pick: /model=dac/, breakLine: (l) => l.slice(0, -1) },
];

describe('virt-audit verify on deliberately broken records', () => {
  const lines = captureLines(RAW_CAPTURE);
  const used = new Set<number>();
  const brokenAt: Array<{ line: number; breakage: Breakage }> = [];
  const output = lines.map((line, index) => {
    const breakage = BREAKAGES.find((candidate) => !brokenAt.some((done) => done.breakage === candidate) && candidate.pick.test(line) && !used.has(index));
    if (!breakage) return line;
    used.add(index);
    brokenAt.push({ line: index + 1, breakage });
    return breakage.breakLine(line);
  });
  const file = join(mkdtempSync(join(tmpdir(), 'virt-audit-broken-')), 'broken.log');
  writeFileSync(file, Buffer.from(`${output.join('\n')}\n`, 'latin1'));
  const result = runCli(['verify', '--format', 'json', file]);
  const report = JSON.parse(result.stdout) as {
    summary: { lines: number; records: number; blank: number; separators: number; rejected: number; virtRecords: number; valid: number; invalid: number; foreign: number };
    violations: Array<{ line: number; rule: string }>;
  };

  it('breaks every kind once', () => {
    expect(brokenAt.map((entry) => entry.breakage.name).sort()).toEqual(BREAKAGES.map((breakage) => breakage.name).sort());
  });

  it('exits 1', () => {
    expect(result.status).toBe(1);
  });

  it('finds exactly the broken records, each by the rule it breaks', () => {
    expect(report.summary.invalid).toBe(BREAKAGES.length);
    const invalidLines = [...new Set(report.violations.map((violation) => violation.line))].sort((a, b) => a - b);
    expect(invalidLines).toEqual(brokenAt.map((entry) => entry.line).sort((a, b) => a - b));
    for (const { line, breakage } of brokenAt) {
      expect(report.violations.filter((violation) => violation.line === line).map((violation) => violation.rule), breakage.name).toContain(breakage.rule);
    }
  });

  it('keeps the counts adding up', () => {
    const { summary } = report;
    expect(summary.valid + summary.invalid + summary.foreign).toBe(summary.virtRecords);
    expect(summary.records + summary.blank + summary.separators + summary.rejected).toBe(summary.lines);
    expect(summary.lines).toBe(lines.length);
  });

  it('prints file:line: TYPE serial: rule — found in text form', () => {
    const text = runCli(['verify', file]).stdout;
    const first = brokenAt.find((entry) => entry.breakage.rule === 'field-encoding')!;
    expect(text).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${first.line}: VIRT_\\w+ \\d+: field-encoding — .*found vm=`, 'm'));
  });
});
