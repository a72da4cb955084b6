// The command writes the default report's rows as they settle, while the log is still read. Whenever it
// writes, the bytes must be those of the report written once the log is read to its end — with guests
// started, stopped, restarted and failing, and hosts going down or auditd ending and coming back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Latin1Pieces } from '../src/text/latin1-pieces.js';
import { formatReport, ReportWriter, spanCell, writeSpanCell, type ReportFilter, type ReportFlags } from '../verifier/correlator/report-default.js';
import { SessionCorrelator } from '../verifier/correlator/session-correlator.js';
import { startSessionReading } from '../verifier/correlator/session-reading.js';
import { resrc, start, stop, T0, U1, U2 } from './support/edge-logs.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';

const HOST_EVENTS = ['DAEMON_END', 'DAEMON_START', 'DAEMON_ABORT', 'SYSTEM_SHUTDOWN', 'SYSTEM_BOOT'] as const;

/** Host events put among the log's lines (`at`: how far in, 0 to 1), each stamped as the line before it with a serial of its own. */
function withHostEvents(log: string, inserts: ReadonlyArray<{ at: number; type: (typeof HOST_EVENTS)[number] }>): string {
  const lines = log.split('\n').filter((line) => line !== '');
  let serial = 900_000;
  for (const { at, type } of [...inserts].sort((a, b) => b.at - a.at)) {
    const index = Math.floor(at * lines.length);
    const before = lines[Math.max(index - 1, 0)] ?? '';
    const stamp = /audit\((\d+)\.(\d+):/.exec(before);
    const node = /^node=(\S+) /.exec(before)?.[1];
    const time = stamp === null ? '1709975000.000' : `${stamp[1]}.${stamp[2]}`;
    lines.splice(index, 0, `${node === undefined ? '' : `node=${node} `}type=${type} msg=audit(${time}:${serial++}): op=terminate auid=0 pid=1 res=success`);
  }
  return `${lines.join('\n')}\n`;
}

async function bothWays(file: string, flags: ReportFlags, filter: ReportFilter, writeAfter: (event: number) => boolean): Promise<{ progressive: string; atTheEnd: string }> {
  const correlator = new SessionCorrelator({ allDetails: false });
  const writer = new ReportWriter(correlator, flags, filter, 64);
  const pieces: Buffer[] = [];
  let events = 0;
  await startSessionReading([{ kind: 'file', path: file }]).consume((event) => {
    correlator.handle(event);
    if (writeAfter(events++)) pieces.push(...writer.writeSettled());
  });
  correlator.finish();
  while (writer.writeMore()) pieces.push(...writer.takeFull());
  pieces.push(...writer.takeAll());
  return { progressive: Buffer.concat(pieces).toString('latin1'), atTheEnd: formatReport(correlator, flags, filter) };
}

const flags = fc.record({ allEvents: fc.boolean(), showUuid: fc.boolean(), proof: fc.boolean() });
const filter: fc.Arbitrary<ReportFilter> = fc.oneof(
  fc.constant({}),
  fc.integer({ min: 1_709_975_000, max: 1_710_300_000 }).map((start) => ({ start })),
  fc.integer({ min: 1_709_975_000, max: 1_710_300_000 }).map((end) => ({ end })),
);

describe('ReportWriter', () => {
  it('writes, row by row as they settle, the report written at the end', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-report-writer-'));
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), type: fc.constantFrom(...HOST_EVENTS) }), { maxLength: 4 }),
        flags,
        filter,
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5 })),
        async (generated, inserts, reportFlags, reportFilter, every) => {
          const file = join(directory, 'audit.log');
          writeFileSync(file, withHostEvents(await renderScenario(generated), inserts), 'latin1');
          const { progressive, atTheEnd } = await bothWays(file, reportFlags, reportFilter, (event) => event % every === 0);
          expect(progressive).toBe(atTheEnd);
        },
      ),
      { numRuns: 200 },
    );
  });

  const hostEvent = (type: string, minute: number, serial: number) => `type=${type} msg=audit(${T0 + minute * 60}.000:${serial}): op=terminate auid=0 pid=1 res=success`;
  const cases: Record<string, string[]> = {
    'auditd ends while a guest runs, then the guest stops: its session goes on': [
      start(0, 1, 'web', U1, 7001), resrc(1, 2, 'web', U1, 'disk reason=attach old-disk="?" new-disk="/srv/a.img"'),
      hostEvent('DAEMON_END', 5, 3), hostEvent('DAEMON_START', 6, 4), stop(10, 5, 'web', U1),
    ],
    'auditd ends while a guest runs whose disk was announced before its start': [
      resrc(0, 1, 'web', U1, 'disk reason=start old-disk="?" new-disk="/srv/a.img"'), start(0, 2, 'web', U1, 7001),
      hostEvent('DAEMON_END', 5, 3), stop(10, 4, 'web', U1),
    ],
    'auditd ends and the log ends: the session runs on in an open audit gap': [start(0, 1, 'web', U1, 7001), hostEvent('DAEMON_END', 5, 2)],
    'the host shuts down, the guest starts again after the boot': [
      start(0, 1, 'web', U1, 7001), start(1, 2, 'db', U2, 7002), hostEvent('SYSTEM_SHUTDOWN', 5, 3), hostEvent('SYSTEM_BOOT', 6, 4), start(7, 5, 'web', U1, 7003), stop(9, 6, 'web', U1),
    ],
  };

  it.each(Object.keys(cases))('writes the report written at the end when %s', async (name) => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-report-writer-'));
    const file = join(directory, 'audit.log');
    writeFileSync(file, `${cases[name]!.join('\n')}\n`, 'latin1');
    for (const proof of [false, true]) {
      const { progressive, atTheEnd } = await bothWays(file, { allEvents: true, showUuid: false, proof }, {}, () => true);
      expect(progressive).toBe(atTheEnd);
    }
  });
});

describe('spanCell', () => {
  it('gives, from its cache or not, the span written anew', () => {
    // Starts close together, so that spans share their start minute and the cache answers.
    const second = fc.oneof(fc.integer({ min: 1_710_000_000, max: 1_710_000_300 }), fc.integer({ min: 1_709_900_000, max: 1_710_400_000 }));
    const span = fc.tuple(second, fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: -120, max: -1 })));
    fc.assert(
      fc.property(fc.array(span, { minLength: 1, maxLength: 40 }), (spans) => {
        for (const [from, length] of [...spans, ...spans]) {
          const fresh = new Latin1Pieces(64);
          writeSpanCell(fresh, from, from + length);
          expect(Buffer.from(spanCell(from, from + length)).toString('latin1')).toBe(Buffer.concat(fresh.takeAll()).toString('latin1'));
        }
      }),
      { numRuns: 300 },
    );
  });
});
