// The correlator keeps its assignments and report rows in pages, most of them in a temporary file
// (paged-rows.ts). With pages so small that every update, detach, stop and AVC reaches rows read back
// from the file, and forgetting as often as it may, the report and the sessions must be those of the
// tables kept in memory; and a log whose assignments never end must keep the commands' memory flat.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeValue } from '../src/index.js';
import { formatReport, ReportWriter, type ReportFlags } from '../verifier/correlator/report-default.js';
import { correlateSessions } from '../verifier/correlator/run-sessions.js';
import { sessionJson } from '../verifier/correlator/session-json.js';
import { SessionCorrelator } from '../verifier/correlator/session-correlator.js';
import { startSessionReading } from '../verifier/correlator/session-reading.js';
import { CLI } from './support/cli.js';
import { renderScenario, scenario, type Scenario } from './support/lifecycle-log.js';
import { writeOpenResourcesLog } from './support/open-resources-log.js';
import { nodePeakRss, type MeasuredRun } from './support/peak-rss.js';

process.env.TZ = 'UTC';
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-correlator-paging-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const TINY = { pageRowsShift: 1, cachedPages: 2, directory };

/** The scenario's disk paths. */
function disks(generated: Scenario): string[] {
  return [...new Set(generated.steps.flatMap((step) => ('disk' in step ? [step.disk] : [])))];
}

/**
 * AppArmor denials naming the scenario's disks put among its lines (each stamped as the line before it,
 * with a serial of its own): with no `libvirt-` profile, each is tied to a running guest that has the
 * path open — a scan of the guests' open assignments.
 */
function withAppArmorAvcs(log: string, paths: readonly string[], places: readonly number[]): string {
  const lines = log.split('\n').filter((line) => line !== '');
  if (paths.length === 0) return `${lines.join('\n')}\n`;
  let serial = 800_000;
  [...places].sort((a, b) => b - a).forEach((at, count) => {
    const index = Math.floor(at * lines.length);
    const before = lines[Math.max(index - 1, 0)] ?? '';
    const time = /audit\((\d+\.\d+):/.exec(before)?.[1] ?? '1709975000.000';
    const node = /^node=(\S+) /.exec(before)?.[1];
    lines.splice(index, 0, `${node === undefined ? '' : `node=${node} `}type=AVC msg=audit(${time}:${serial++}): apparmor="DENIED" operation="open" profile="/usr/sbin/other" name=${encodeValue(paths[count % paths.length]!)} pid=4242 comm="qemu-kvm" requested_mask="r" denied_mask="r" fsuid=107 ouid=0`);
  });
  return `${lines.join('\n')}\n`;
}

/** The text report written as rows settle, the correlator forgetting after each write, as auvirt does. */
async function reportForgetting(file: string, flags: ReportFlags, paging: typeof TINY | undefined): Promise<{ text: string; spooled: number }> {
  const correlator = new SessionCorrelator({ allDetails: false, forgetAtLeast: 2, ...(paging === undefined ? {} : { paging }) });
  const writer = new ReportWriter(correlator, flags, {}, 64);
  const pieces: Buffer[] = [];
  let spooled = 0;
  await startSessionReading([{ kind: 'file', path: file }]).consume((event) => {
    correlator.handle(event);
    pieces.push(...writer.writeSettled());
    spooled = Math.max(spooled, correlator.assignments.spooledBytes + correlator.rowTable.spooledBytes);
    writer.forgotten(correlator.forget(writer.rowsWritten));
  });
  correlator.finish();
  while (writer.writeMore()) pieces.push(...writer.takeFull());
  pieces.push(...writer.takeAll());
  spooled = Math.max(spooled, correlator.assignments.spooledBytes + correlator.rowTable.spooledBytes);
  correlator.closeTables();
  return { text: Buffer.concat(pieces).toString('latin1'), spooled };
}

describe('the correlator with its tables paged out', () => {
  it('200 generated lifecycles with AppArmor denials: two rows a page, two pages in memory, forgetting at every event — the report and sessions of the tables in memory', async () => {
    let cases = 0;
    let spooled = 0;
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 12 }),
        fc.record({ allEvents: fc.constant(true), showUuid: fc.boolean(), proof: fc.boolean() }),
        async (generated, places, flags) => {
          const file = join(directory, `case-${cases++}.log`);
          writeFileSync(file, withAppArmorAvcs(await renderScenario(generated), disks(generated), places), 'latin1');
          const inMemory = await correlateSessions([{ kind: 'file', path: file }], { allDetails: false });
          const expected = formatReport(inMemory, flags, {});
          const paged = await reportForgetting(file, flags, TINY);
          if (paged.spooled > 0) spooled++;
          expect(paged.text, JSON.stringify(generated)).toBe(expected);
          // The default pages hold these logs in memory: forgetting alone gives the same report.
          expect((await reportForgetting(file, flags, undefined)).text).toBe(expected);
          // The sessions as objects (every field of every assignment), read from the pages.
          const whole = await correlateSessions([{ kind: 'file', path: file }], { allDetails: true });
          const pagedWhole = await correlateSessions([{ kind: 'file', path: file }], { allDetails: true, paging: TINY });
          expect(pagedWhole.sessions.map(sessionJson)).toEqual(whole.sessions.map(sessionJson));
          expect(pagedWhole.snapshot()).toEqual(whole.snapshot());
          pagedWhole.closeTables();
        },
      ),
      { numRuns: 200 },
    );
    // Most lifecycles make more than four assignments or rows: those were read back from the file.
    expect(spooled).toBeGreaterThan(100);
    // Every temporary file was unnamed at once.
    expect(readdirSync(directory).filter((name) => name.startsWith('virt-audit-spool-'))).toEqual([]);
  }, 600_000);
});

describe('memory of the default report and watch on assignments that never end', () => {
  const small = join(directory, 'open-small.log');
  const large = join(directory, 'open-large.log');
  const DIST = join(CLI, '..', '..');
  const AUVIRT = join(DIST, 'cli', 'auvirt.js');
  beforeAll(() => {
    writeOpenResourcesLog(small, 60_000, 1);
    writeOpenResourcesLog(large, 800_000, 2);
  }, 300_000);

  /** A command as its bin runs it (`--min-semi-space-size=16`), `stdin` on its stdin; its peak RSS (MB) from /usr/bin/time. */
  function peak(args: readonly string[], stdin?: string): MeasuredRun {
    return nodePeakRss(args, { env: { ...process.env, TZ: 'UTC', TMPDIR: directory }, ...(stdin === undefined ? {} : { input: readFileSync(stdin) }) });
  }


  // Kept in columns in memory (before the pages), the assignments and rows of 800,000 lines took 100 MB
  // more than those of 60,000 in auvirt (261 MB) and 220 MB more in watch (330 MB: each forget copied every
  // open assignment, through a Map). What still grows is a guest's list of assignment numbers, 4 bytes each
  // (8 while open), and the garbage collector's slack over them (docs/bounded-memory.md).
  it.skipIf(!existsSync('/usr/bin/time'))('auvirt --all-events (default mode), 800,000 lines of disks that stay attached: within 60 MB of 60,000 lines', () => {
    const few = peak([AUVIRT, '--all-events', '--file', small]);
    const many = peak([AUVIRT, '--all-events', '--file', large]);
    expect(few.status, few.stderr).toBe(0);
    expect(many.status, many.stderr).toBe(0);
    // Every attach is a row (three starts and stops besides).
    expect(many.stdout.toString('latin1').split('\n').length).toBeGreaterThan(790_000);
    expect(many.peakMb - few.peakMb).toBeLessThanOrEqual(60);
    expect(many.peakMb).toBeLessThanOrEqual(230);
    expect(readdirSync(directory).filter((name) => name.startsWith('virt-audit-spool-'))).toEqual([]);
  }, 600_000);

  it.skipIf(!existsSync('/usr/bin/time'))('watch --plugin, the same logs on stdin: within 60 MB of 60,000 lines', () => {
    const few = peak([CLI, 'watch', '--plugin'], small);
    const many = peak([CLI, 'watch', '--plugin'], large);
    expect(few.status, few.stderr).toBe(0);
    expect(many.status, many.stderr).toBe(0);
    expect(many.stdout.toString('latin1').split('\n').length).toBeGreaterThan(790_000);
    expect(many.peakMb - few.peakMb).toBeLessThanOrEqual(60);
    expect(many.peakMb).toBeLessThanOrEqual(200);
  }, 600_000);
});
