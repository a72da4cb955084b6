// Serials past 2^53 (up to 2^64−1) and stamps at the edges of time, through every command's JSON: search
// and aureport write the serials ausearch and aureport print; auvirt's report, watch's events and its
// last record (its state file), and verify's records write each proof and serial as the log has it;
// watch --after orders record ids exactly.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileFollower } from '../verifier/live/file-follower.js';
import type { LiveEvent } from '../verifier/live/live-event.js';
import { isAfter, parseRecordId } from '../verifier/live/live-correlator.js';
import { runWatch } from '../verifier/live/run-watch.js';
import { runCli } from './support/cli.js';
import { RAW_CAPTURE } from './support/examples.js';

process.env.TZ = 'UTC';
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-serials-'));
const REAL = existsSync('/usr/sbin/ausearch') && existsSync('/usr/sbin/aureport');
const CAPTURE = readFileSync(RAW_CAPTURE, 'latin1');
const STAMP = /audit\((\d+)\.(\d{3}):(\d+)\)/;
const ALL = [...CAPTURE.matchAll(new RegExp(STAMP.source, 'g'))].map((match) => ({ sec: BigInt(match[1]!), serial: BigInt(match[3]!) }));
const lowest = (values: bigint[]): bigint => values.reduce((a, b) => (a < b ? a : b));
const FIRST_SEC = lowest(ALL.map((stamp) => stamp.sec));
const FIRST_SERIAL = lowest(ALL.map((stamp) => stamp.serial));
/** The capture's serials span less than this. */
const SPAN = ALL.map((stamp) => stamp.serial - FIRST_SERIAL).reduce((a, b) => (a > b ? a : b)) + 1n;

/** A serial base near 2^53 or anywhere up to 2^64−1, and a seconds base at an edge of time. */
const shifts = fc.record({
  serial: fc.oneof(fc.bigInt({ min: 2n ** 53n - 600n, max: 2n ** 53n + 600n }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n - SPAN }), fc.constant(2n ** 64n - SPAN)),
  sec: fc.constantFrom(FIRST_SEC, 1n, 2n ** 31n - 200n, 2n ** 32n - 200n, 253402300799n - 10_000n),
});

/** The capture with every stamp moved: serials from `serial` on, seconds from `sec` on, order kept. */
function shifted(shift: { serial: bigint; sec: bigint }): { text: string; stamps: Set<string> } {
  const stamps = new Set<string>();
  const text = CAPTURE.replace(new RegExp(STAMP.source, 'g'), (_, sec: string, ms: string, serial: string) => {
    const stamp = `${BigInt(sec) - FIRST_SEC + shift.sec}.${ms}:${BigInt(serial) - FIRST_SERIAL + shift.serial}`;
    stamps.add(stamp);
    return `audit(${stamp})`;
  });
  return { text, stamps };
}

const stampOfLine = (line: string): string => {
  const match = STAMP.exec(line)!;
  return `${match[1]}.${match[2]}:${match[3]}`;
};
const serialOfLine = (line: string): string => STAMP.exec(line)![3]!;
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' };
const real = (tool: string, args: readonly string[]): string => spawnSync(tool, args, { env: ENV, encoding: 'latin1' }).stdout;

let counter = 0;
describe('serials past 2^53 and stamps at the edges, through every command', () => {
  it('search, aureport, auvirt, verify, watch: every serial and proof exact', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(shifts, async (shift) => {
        const { text, stamps } = shifted(shift);
        const path = join(directory, `log-${counter++}.log`);
        writeFileSync(path, text, 'latin1');

        const search = JSON.parse(runCli(['search', '--format', 'json', '-vm', 'vacap', path]).stdout) as Array<{ serial: string; records: Array<{ text: string }> }>;
        expect(search.length).toBeGreaterThan(10);
        for (const event of search) for (const record of event.records) expect(serialOfLine(record.text)).toBe(event.serial);
        if (REAL) {
          const lines = real('/usr/sbin/ausearch', ['--raw', '-vm', 'vacap', '-if', path]).trim().split('\n');
          expect(search.flatMap((event) => event.records.map((record) => serialOfLine(record.text)))).toEqual(lines.map(serialOfLine));
        }

        const report = JSON.parse(runCli(['aureport', '--virt', '--format', 'json', '-if', path]).stdout) as { rows: Array<{ event: string }> };
        expect(report.rows.length).toBeGreaterThan(10);
        const serials = new Set([...stamps].map((stamp) => stamp.split(':')[1]!));
        for (const row of report.rows) expect(serials.has(row.event), row.event).toBe(true);
        if (REAL) {
          const rows = real('/usr/sbin/aureport', ['--virt', '-if', path]).split('\n').filter((line) => /^\d+\. /.test(line));
          expect(report.rows.map((row) => row.event)).toEqual(rows.map((line) => line.split(' ').at(-1)));
        }

        const sessions = runCli(['report', '--format', 'json', '--file', path]).stdout;
        const proofs = [...sessions.matchAll(/"(\d+\.\d{3}:\d+)"/g)].map((match) => match[1]!);
        expect(proofs.length).toBeGreaterThan(10);
        for (const proof of proofs) expect(stamps.has(proof), proof).toBe(true);

        const records = runCli(['verify', '--records', '--format', 'ndjson', path]).stdout.trim().split('\n').map((line) => JSON.parse(line) as { serial?: unknown; text?: string });
        const virtLines = text.split('\n').filter((line) => /^type=VIRT_/.test(line));
        const recordSerials = records.filter((record) => record.serial !== undefined).map((record) => String(record.serial));
        expect(recordSerials).toEqual(virtLines.map(serialOfLine));

        const events: LiveEvent[] = [];
        let lastRecord: string | null = null;
        const follower = new FileFollower({ path, start: 'start', pollMs: 5 });
        const running = runWatch({ source: follower, onEvent: (event) => events.push(event), onCheckpoint: (checkpoint) => (lastRecord = checkpoint.lastRecord), checkpointMs: 1, idleMs: 2000 });
        while (follower.position()?.offset !== Buffer.byteLength(text, 'latin1')) await new Promise((resolve) => setTimeout(resolve, 10));
        await follower.close();
        await running;
        const told = events.flatMap((event) => ('proofs' in event && Array.isArray(event.proofs) ? (event.proofs as string[]) : []));
        expect(told.length).toBeGreaterThan(10);
        for (const proof of told) expect(stamps.has(proof), proof).toBe(true);
        const lines = text.split('\n').filter((line) => STAMP.test(line));
        expect(lastRecord).toBe(stampOfLine(lines.at(-1)!));
      }),
      { numRuns: 6 },
    );
  });

  it('watch --after: record ids past 2^53 ordered exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 2n }), fc.nat(999), (serial, ms) => {
        const id = (value: bigint) => parseRecordId(`node1:1795337868.${String(ms).padStart(3, '0')}:${value}`)!;
        expect(id(serial).serial).toBe(serial);
        expect(isAfter(id(serial + 1n), id(serial))).toBe(true);
        expect(isAfter(id(serial), id(serial + 1n))).toBe(false);
        expect(isAfter(id(serial), id(serial))).toBe(false);
      }),
    );
  });
});
