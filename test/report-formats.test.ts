import { describe, expect, it } from 'vitest';
import { RAW_CAPTURE, captureLines } from './support/examples.js';
import { runCli } from './support/cli.js';

const rngRecords = captureLines(RAW_CAPTURE).filter((line) => line.includes('resrc=rng reason=start')).length;
const broken = Buffer.from(
  captureLines(RAW_CAPTURE)
    .map((line) => (line.includes('resrc=rng reason=start') ? line.replace('resrc=rng', 'resrc=gpu') : line))
    .join('\n')
    .concat('\nnot an audit line\n'),
  'latin1',
);

describe('verify output formats', () => {
  it('json: summary keys as documented, violations with place and rule', () => {
    const result = runCli(['verify', '--format', 'json', '-'], broken);
    const report = JSON.parse(result.stdout) as { summary: Record<string, unknown>; violations: Array<Record<string, unknown>> };
    expect(result.status).toBe(1);
    for (const key of ['lines', 'records', 'virtRecords', 'valid', 'invalid', 'rejected']) expect(report.summary).toHaveProperty(key);
    expect(report.violations[0]).toMatchObject({ file: '<stdin>', rule: 'unknown-layout', type: 'VIRT_RESOURCE' });
    expect(report.violations.at(-1)).toMatchObject({ severity: 'rejected', rule: 'not-audit' });
  });

  it('json --records: the JSON form of every VIRT record', () => {
    const report = JSON.parse(runCli(['verify', '--format', 'json', '--records', RAW_CAPTURE]).stdout) as { summary: { virtRecords: number }; records: Array<Record<string, unknown>> };
    expect(report.records).toHaveLength(report.summary.virtRecords);
    const stop = report.records.find((record) => record.op === 'stop')!;
    expect(stop).toMatchObject({ type: 'VIRT_CONTROL', virt: 'qemu', 'vm-pid': 0, exe: '/usr/sbin/libvirtd', hostname: null, res: 'success', file: RAW_CAPTURE });
    expect(typeof stop.line).toBe('number');
  });

  it('ndjson --records: one record per stdout line, the summary on stderr', () => {
    const result = runCli(['verify', '--format', 'ndjson', '--records', RAW_CAPTURE]);
    const lines = result.stdout.trim().split('\n');
    expect(lines.every((line) => (JSON.parse(line) as { type: string }).type.startsWith('VIRT_'))).toBe(true);
    expect(result.stderr).toMatch(/VIRT records: (\d+) = \1 valid/);
    expect(lines).toHaveLength(Number(/VIRT records: (\d+)/.exec(result.stderr)![1]));
  });

  it('junit: a test case per VIRT record and rejected line, failures for the broken ones', () => {
    const xml = runCli(['verify', '--format', 'junit', '-'], broken).stdout;
    const tests = Number(/<testsuites [^>]*tests="(\d+)"/.exec(xml)![1]);
    const failures = Number(/<testsuites [^>]*failures="(\d+)"/.exec(xml)![1]);
    expect(rngRecords).toBeGreaterThan(0);
    expect(failures).toBe(rngRecords + 1);
    expect(tests).toBe((xml.match(/<testcase /g) ?? []).length);
    expect(xml).toContain('type="unknown-layout"');
  });

  it('usage errors exit 2', () => {
    expect(runCli(['verify', '--format', 'yaml', RAW_CAPTURE]).status).toBe(2);
    expect(runCli(['verify', '/nonexistent.log']).status).toBe(2);
    expect(runCli(['verify', '--profile', 'ancient', RAW_CAPTURE]).status).toBe(2);
  });
});
