// auvirt's default reports written as sessions settle, the correlator forgetting what it wrote: the bytes
// are those of the report made from every session held to the end (the batch functions, no forgetting) —
// text, --summary, --format json (with and without the summary, with filters) and ndjson (a session a
// line, then the unmatched AVCs and anomalies). On the stored captures, and on generated logs long enough
// that the correlator forgets many times.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { formatReport, formatReportSummary, reportJson, reportSummary, type ReportFilter } from '../verifier/correlator/report-default.js';
import { correlateReading, correlateSessions } from '../verifier/correlator/run-sessions.js';
import { startSessionReading } from '../verifier/correlator/session-reading.js';
import { sessionJson } from '../verifier/correlator/session-json.js';
import { CLI } from './support/cli.js';

const AUVIRT = CLI.replace(/virt-audit\.js$/, 'auvirt.js');
const EXAMPLES = join(import.meta.dirname, '..', 'examples');

function captures(directory = EXAMPLES): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? captures(path) : name.endsWith('.log') ? [path] : [];
  });
}

function auvirt(args: readonly string[]): Buffer {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { timeout: 120_000, maxBuffer: 1 << 30, env: { ...process.env, TZ: 'UTC' } });
  expect(result.status, result.stderr.toString()).toBe(0);
  return result.stdout;
}

/** Every report of the log, made the batch way: every session held until the end. */
async function heldToTheEnd(path: string, filter: ReportFilter) {
  const input = [{ kind: 'file' as const, path }];
  const text = await correlateSessions(input, { allDetails: false });
  const json = await correlateSessions(input, { allDetails: true });
  return {
    text: Buffer.from(formatReport(text, { allEvents: true, showUuid: true, proof: true }, filter), 'latin1'),
    summary: Buffer.from(formatReportSummary(text, filter), 'latin1'),
    json: Buffer.from(reportJson(json.sessions, filter, json.unmatched), 'utf8'),
    jsonSummary: Buffer.from(reportJson(json.sessions, filter, json.unmatched, reportSummary(json, filter)), 'utf8'),
    ndjson: json.sessions.length,
    sessions: json.sessions,
  };
}

async function expectSameReports(path: string, formats: readonly string[], filterArgs: readonly string[] = [], filter: ReportFilter = {}): Promise<void> {
  const expected = await heldToTheEnd(path, filter);
  const file = ['--file', path, ...filterArgs];
  if (formats.includes('text')) {
    expect(auvirt(['--all-events', '--show-uuid', '--proof', ...file]).equals(expected.text)).toBe(true);
    expect(auvirt(['--summary', ...file]).equals(expected.summary)).toBe(true);
    expect(auvirt(['--format', 'json', '--summary', ...file]).toString('utf8')).toBe(expected.jsonSummary.toString('utf8'));
  }
  const json = auvirt(['--format', 'json', ...file]);
  expect(json.toString('utf8')).toBe(expected.json.toString('utf8'));
  const lines = auvirt(['--format', 'ndjson', ...file]).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
  // A session a line, then the document's tail (the unmatched AVCs and anomalies) on a line of its own.
  const document = JSON.parse(json.toString('utf8')) as { sessions: unknown[]; unmatched: unknown };
  expect(lines).toEqual([...document.sessions, { unmatched: document.unmatched }]);
}

describe('auvirt default reports written as they settle = held to the end', () => {
  // The text report and summary of these are checked byte for byte elsewhere (report and differential tests).
  it.each(captures().map((path) => [path.slice(EXAMPLES.length + 1), path]))('%s: json, ndjson', async (_, path) => {
    await expectSameReports(path, ['json']);
  });

  it('a generated log of 150,000 lines over two nodes (~20,000 rows: the correlator forgets), filtered and not', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-streamed-'));
    const path = join(directory, 'gen.log');
    writeFileSync(path, `${[...generateLog({ lines: 150_000, seed: 11, nodes: 2, guests: 48 })].join('\n')}\n`, 'latin1');
    await expectSameReports(path, ['text', 'json']);
    const { sessions } = await heldToTheEnd(path, {});
    expect(sessions.length).toBeGreaterThan(1000);
    const name = sessionJson(sessions[Math.floor(sessions.length / 2)]!).name;
    await expectSameReports(path, ['json'], ['--vm', name], { vm: name });
  }, 240_000);

  it('the correlator hands on each session once it is final, and keeps only those that are not (flat memory)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-forget-'));
    const path = join(directory, 'gen.log');
    writeFileSync(path, `${[...generateLog({ lines: 150_000, seed: 5, nodes: 2, guests: 32 })].join('\n')}\n`, 'latin1');
    const input = [{ kind: 'file' as const, path }];
    const batch = (await correlateSessions(input, { allDetails: true })).sessions.map(sessionJson);
    const handed: unknown[] = [];
    let dropped = 0;
    let mostKept = 0;
    const correlator = await correlateReading(startSessionReading(input), { allDetails: true, handOn: true, forgetAtLeast: 512 }, (live) => {
      handed.push(...live.takeFinalSessions().map(sessionJson));
      dropped += live.forget(live.rowTable.length);
      mostKept = Math.max(mostKept, live.sessionStates.length);
    });
    handed.push(...correlator.takeFinalSessions().map(sessionJson));
    expect(handed).toEqual(batch);
    expect(dropped).toBeGreaterThan(0);
    // Kept: 32 guests' running and latest sessions, and those ended behind the oldest of them (handed on in
    // order) — a number set by the guests and their restarts, not by the log's length.
    expect(batch.length).toBeGreaterThan(1000);
    expect(mostKept).toBeLessThan(300);
  });
});
