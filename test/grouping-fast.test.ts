// The faster reading of search, aureport and auvirt --compat against the straight ports they replaced:
// ausearch's list (AusearchLol) and auparse's (AuparseGrouper) hand on the same events in the same order
// as the C code's scan of every event at every record (test/support/grouping-references.ts), on generated
// stamps crowded into a few seconds, serials and nodes (ties, EOEs, serials past 2^53, small bounds); the
// stamp read from a line's bytes is extractTimestamp's on its text; and a log read in chunks cut anywhere
// (lines across chunks are read from their text, the others from their bytes) gives the same events; and
// aureport's view of a record's RAW part is the one its parsed record gives.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AusearchLol, extractTimestamp, type LolStamp } from '../src/reader/ausearch-lol.js';
import { ausearchAuditRecord, ausearchRawPart, readAusearchEvents, type AusearchEvent, type AusearchRecord } from '../src/reader/ausearch-reading.js';
import { AusearchStampScanner } from '../src/reader/ausearch-stamp-bytes.js';
import { AuparseGrouper } from '../src/reader/auparse-grouper.js';
import type { GroupedEvent } from '../src/reader/event-grouper.js';
import { exactInteger } from '../src/text/strtoul.js';
import { ReferenceAuparseGrouper, ReferenceLol } from './support/grouping-references.js';

const BIG = 2n ** 53n;
/** Types that end an event, that do not, and EOE. */
const TYPES = [1300, 1302, 1320, 1327, 1105, 1100, 2500, 2501, 1400, 1410, 2000, 2100, -1, 1000];

const exact = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.bigInt({ min: BIG - 2n, max: BIG + 3n }).map(exactInteger) });
const lolStamp = fc.record({
  node: fc.constantFrom(null, 'a', 'b'),
  sec: exact,
  milli: fc.integer({ min: 0, max: 2 }),
  serial: exact,
  type: fc.constantFrom(...TYPES),
});

interface Handed {
  readonly ids: readonly number[];
}

function runLol(list: AusearchLol<number> | ReferenceLol<number>, stamps: readonly Omit<LolStamp, 'typeName' | 'stampAt'>[]): Handed[] {
  const out: Handed[] = [];
  const drain = (): void => {
    for (let event = list.takeReady(); event !== null; event = list.takeReady()) out.push({ ids: [...event.records] });
  };
  stamps.forEach((stamp, id) => {
    if (list.add({ ...stamp, typeName: 'T', stampAt: 0 }, id)) drain();
  });
  list.terminateAll();
  drain();
  return out;
}

describe("ausearch's list", () => {
  it('hands on what the straight port hands on, in its order (eoe_timeout 0 to 3, the default bounds and small ones)', () => {
    fc.assert(
      fc.property(fc.array(lolStamp, { maxLength: 160, size: 'max' }), fc.bigInt({ min: 0n, max: 3n }), fc.option(fc.record({ events: fc.integer({ min: 1, max: 6 }), records: fc.integer({ min: 1, max: 12 }) })), (stamps, eoe, bounds) => {
        const fast = bounds === null ? new AusearchLol<number>(eoe) : new AusearchLol<number>(eoe, bounds);
        const reference = bounds === null ? new ReferenceLol<number>(eoe) : new ReferenceLol<number>(eoe, bounds);
        expect(runLol(fast, stamps)).toEqual(runLol(reference, stamps));
        expect(fast.forcedComplete).toBe(reference.forcedComplete);
      }),
      { numRuns: 1500 },
    );
  });

  it('fills more than one C array of slots (80) the same way', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ serial: fc.integer({ min: 0, max: 400 }), milli: fc.integer({ min: 0, max: 1 }), type: fc.constantFrom(1300, 1302, 1320) }), { minLength: 100, maxLength: 400, size: 'max' }), (parts) => {
        const stamps = parts.map((part) => ({ node: null, sec: 7, ...part }));
        expect(runLol(new AusearchLol<number>(), stamps)).toEqual(runLol(new ReferenceLol<number>(), stamps));
      }),
      { numRuns: 200 },
    );
  });
});

interface GroupedRecord {
  readonly id: number;
  readonly node: string | null;
  readonly time: { sec: number; ms: number } | null;
  readonly serial: number | null;
  readonly typeNumber: number | null;
}

/** Steps crowded into few stamps (events of many records) or spread over more (many open at once). */
const groupedStep = (spread: number) =>
  fc.record({
    skipped: fc.boolean(),
    opensKept: fc.boolean(),
    node: fc.constantFrom(null, 'a', 'b').filter((node) => spread > 1 || node !== 'b'),
    sec: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 2 * spread }) }, { weight: 1, arbitrary: fc.constant(Number.MAX_SAFE_INTEGER) }),
    ms: fc.integer({ min: 0, max: spread }),
    serial: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 2 * spread }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 53, 2 ** 53 + 2, 2 ** 60) }, { weight: 1, arbitrary: fc.constant(null) }),
    // Records that do not end their event, most often: events of many records.
    typeNumber: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1300, 1302, 1400) }, { weight: 1, arbitrary: fc.constantFrom<number | null>(...TYPES, null) }),
  });
const groupedSteps = fc.integer({ min: 1, max: 3 }).chain((spread) => fc.array(groupedStep(spread), { maxLength: 200, size: 'max' }));

type GroupedStep = ReturnType<typeof groupedStep> extends fc.Arbitrary<infer T> ? T : never;

function runGrouper(grouper: AuparseGrouper<GroupedRecord> | ReferenceAuparseGrouper<GroupedRecord>, steps: readonly GroupedStep[], out: unknown[]): void {
  steps.forEach((step, id) => {
    if (step.serial === null) {
      grouper.push({ id, node: step.node, time: null, serial: null, typeNumber: step.typeNumber });
      return;
    }
    // As the reader does: a record is passed over when its event (or the one it would open) is not kept.
    const kept = grouper.keeps(step.node, step.sec, step.ms, step.serial, step.opensKept);
    out.push({ kept });
    if (kept && !step.skipped) grouper.push({ id, node: step.node, time: { sec: step.sec, ms: step.ms }, serial: step.serial, typeNumber: step.typeNumber });
    else grouper.skip(step.node, step.sec, step.ms, step.serial, step.typeNumber);
  });
  grouper.flush();
}

const deliveredTo = (out: unknown[]) => (event: GroupedEvent<GroupedRecord>) => out.push({ node: event.node, time: event.time, serial: event.serial, ids: event.records.map((record) => record.id) });

describe("auparse's list", () => {
  it('hands on what the straight port hands on, in its order, and keeps the same events', () => {
    fc.assert(
      fc.property(groupedSteps, (steps) => {
        const fast: unknown[] = [];
        const reference: unknown[] = [];
        runGrouper(new AuparseGrouper<GroupedRecord>(deliveredTo(fast)), steps, fast);
        runGrouper(new ReferenceAuparseGrouper<GroupedRecord>(deliveredTo(reference)), steps, reference);
        expect(fast).toEqual(reference);
      }),
      { numRuns: 3000 },
    );
  });
});

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '9'), minLength: min, maxLength: max });
/** Digits of every length, most often near where a double stops being exact (16) and millis pass 999. */
const stampDigits = (max: number) => fc.oneof(digits(0, max), digits(1, 4), digits(14, 18));
/** The shape auditd writes, its parts at and past what the byte reader takes. */
const auditdShape = fc.record({
  node: fc.constantFrom('', 'node=host ', 'node=a.b-c ', `node=${'h'.repeat(70)} `, `node=${'h'.repeat(300)} `, 'node= ', 'nX=ab ', 'node=h  '),
  type: fc.constantFrom('type=SYSCALL', 'type=VIRT_CONTROL', 'type=UNKNOWN[1234]', 'type=1105', 'type=', 'typeX', 'type=EOE', `type=${'T'.repeat(60)}`),
  gap: fc.constantFrom(' ', ' ', ' ', ' ', ' ', '  ', '\t'),
  word: fc.constantFrom('msg=audit(', 'msg=audit(', 'msg=audit(', 'msg=audit(', 'msg=xudit(', 'msg=(', 'msg=auditt(', ''),
  sec: stampDigits(20),
  dot: fc.constantFrom('.', '.', '.', '.', ':', ''),
  milli: stampDigits(11),
  colon: fc.constantFrom(':', ':', ':', ':', '.', ''),
  serial: stampDigits(21),
  close: fc.constantFrom('):', '):', '):', ')', '', ') :', ' '),
  rest: fc.string({ unit: fc.constantFrom('a', '=', ' ', ')', '(', '.', ':', '1', '\t', '\x1d', 'é'), maxLength: 40 }),
  newline: fc.constantFrom('\n', '\n', ''),
});
type AuditdShape = typeof auditdShape extends fc.Arbitrary<infer T> ? T : never;
const lineOf = (shape: AuditdShape): string =>
  `${shape.node}${shape.type}${shape.gap}${shape.word}${shape.sec}${shape.dot}${shape.milli}${shape.colon}${shape.serial}${shape.close}${shape.rest}${shape.newline}`;
const anyLine = fc.string({ unit: fc.constantFrom('n', 'o', 'd', 'e', '=', 't', 'y', 'p', ' ', 'm', 's', 'g', 'a', 'u', 'i', '(', ')', '.', ':', '0', '9', '\n'), maxLength: 120 });

describe('the stamp read from bytes', () => {
  const scannerFor = (eoe: bigint) => new AusearchStampScanner(eoe);

  it("is extractTimestamp's whenever the byte reader takes the line (eoe_timeout 2 and one that leaves few seconds)", () => {
    const scanners = new Map([2n, (1n << 63n) - 1_000_000_000_000_000n].map((eoe) => [eoe, scannerFor(eoe)]));
    fc.assert(
      fc.property(fc.oneof(auditdShape.map(lineOf), anyLine), fc.constantFrom(...scanners.keys()), (line, eoe) => {
        const stamp = scanners.get(eoe)!.scan(Buffer.from(line, 'latin1'), 0, line.length);
        if (stamp === null) return;
        expect(extractTimestamp(line, { eoeTimeout: eoe })).toEqual({ kind: 'stamp', stamp });
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes every line of the shape auditd writes (single spaces, up to 15 digits, millis to 999), inside a longer buffer', () => {
    const scanner = scannerFor(2n);
    fc.assert(
      fc.property(
        fc.constantFrom('', 'node=host ', `node=${'h'.repeat(250)} `),
        fc.constantFrom('SYSCALL', 'VIRT_MACHINE_ID', 'UNKNOWN[1400]'),
        digits(1, 15),
        fc.integer({ min: 0, max: 999 }).map((value) => String(value).padStart(3, '0')),
        digits(1, 15),
        fc.string({ maxLength: 30 }),
        (node, type, sec, milli, serial, rest) => {
          const line = `${node}type=${type} msg=audit(${sec}.${milli}:${serial}): ${rest.replaceAll('\0', '')}\n`;
          const buffer = Buffer.from(`xx\n${line}yy`, 'latin1');
          const stamp = scanner.scan(buffer, 3, 3 + line.length);
          expect(stamp).not.toBeNull();
          expect(extractTimestamp(line)).toEqual({ kind: 'stamp', stamp });
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** The bytes read as stdin in chunks of these sizes, in turn; each event as `take` makes of it while it is handed on. */
const readAll = async <T>(bytes: Buffer, chunkSizes: readonly number[], take: (event: AusearchEvent) => T): Promise<T[]> => {
  const chunks: Buffer[] = [];
  for (let at = 0, index = 0; at < bytes.length; index++) {
    const size = chunkSizes[index % chunkSizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  const events: T[] = [];
  await readAusearchEvents([{ kind: 'stdin', path: '-' }], (event) => events.push(take(event)), { stdin: Readable.from(chunks) });
  return events;
};

const plain = (event: AusearchEvent) => ({ stamp: event.stamp, records: event.records.map((record) => ({ text: record.text, line: record.line, stamp: record.stamp })) });

describe('reading in chunks', () => {
  it('gives the same events, records and texts whatever the chunks (lines read from bytes or from text)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 5, arbitrary: auditdShape.map(lineOf) }, { weight: 1, arbitrary: anyLine }), { minLength: 1, maxLength: 60, size: 'max' }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 5 }), async (lines, sizes) => {
        const bytes = Buffer.from(lines.map((line) => (line.endsWith('\n') ? line : `${line}\n`)).join(''), 'latin1');
        const whole = await readAll(bytes, [bytes.length], plain);
        const cut = await readAll(bytes, sizes, plain);
        // One byte a chunk: every line crosses a chunk and is read from its text.
        const byteWise = await readAll(bytes, [1], plain);
        expect(cut).toEqual(whole);
        expect(byteWise).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

describe("aureport's RAW part of a record", () => {
  it('is the parsed record\'s text before its ENRICHED separator, on every record read (CR LF, 0x1D in the header and the body, control bytes)', async () => {
    const enriched = fc.record({
      line: fc.oneof({ weight: 4, arbitrary: auditdShape.map(lineOf) }, { weight: 1, arbitrary: anyLine }),
      extra: fc.string({ unit: fc.constantFrom('\x1d', '\r', '\x01', ' ', 'A=b', 'x'), maxLength: 8 }),
      at: fc.nat(),
      crlf: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(enriched, { minLength: 1, maxLength: 30, size: 'max' }), async (parts) => {
        const lines = parts.map(({ line, extra, at, crlf }) => {
          const bare = line.replace(/\n$/, '');
          const place = at % (bare.length + 1);
          return `${bare.slice(0, place)}${extra}${bare.slice(place)}${crlf ? '\r' : ''}\n`;
        });
        const pairs = await readAll(Buffer.from(lines.join(''), 'latin1'), [4096], (event) =>
          event.records.map((record) => {
            const parsed = ausearchAuditRecord(record);
            return [ausearchRawPart(record), parsed.enrichmentStart === -1 ? parsed.text : parsed.text.slice(0, parsed.enrichmentStart - 1)];
          }),
        );
        for (const [rawPart, parsedPart] of pairs.flat()) expect(rawPart).toBe(parsedPart);
      }),
      { numRuns: 400 },
    );
  });
});

describe('a record handed on', () => {
  it('gives its text during onEvent and keeps it; one not read then says so instead of reading a chunk read into again', async () => {
    // Over 2 MiB: the file's chunks are read into one buffer in turn.
    const lines = Array.from({ length: 30_000 }, (_, index) => `type=USER_START msg=audit(1700000000.${String(index % 1000).padStart(3, '0')}:${index + 1}): pid=${index} msg='op=x'\n`);
    const path = join(mkdtempSync(join(tmpdir(), 'virt-audit-handed-on-')), 'audit.log');
    writeFileSync(path, lines.join(''));
    const read: AusearchRecord[] = [];
    const unread: AusearchRecord[] = [];
    let index = 0;
    await readAusearchEvents([{ kind: 'file', path }], (event) => {
      for (const record of event.records) {
        if (index++ % 2 === 0) {
          expect(record.text).toBe(lines[record.line - 1]!.slice(0, -1));
          read.push(record);
        } else unread.push(record);
      }
    });
    expect(read.map((record) => record.text)).toEqual(lines.filter((_, line) => line % 2 === 0).map((line) => line.slice(0, -1)));
    expect(unread.length).toBe(15_000);
    // A line across two chunks was read from its text, which it keeps; every other one has none to give.
    let expired = 0;
    for (const record of unread) {
      try {
        expect(record.text).toBe(lines[record.line - 1]!.slice(0, -1));
      } catch (error) {
        expect(String(error)).toMatch(/read once its event is handed on/);
        expired++;
      }
    }
    expect(expired).toBeGreaterThan(15_000 - 5);
  });
});

describe('a file read in one buffer', () => {
  it('gives the events stdin gives: records held across chunks keep their text (SYSCALL events wait 2 s)', async () => {
    const lines: string[] = [];
    for (let serial = 1; lines.length < 60_000; serial++) {
      const stamp = `${1700000000 + Math.floor(serial / 40)}.${String(serial % 1000).padStart(3, '0')}:${serial}`;
      lines.push(`type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=2 success=yes items=1 pid=${serial}\n`, `type=PATH msg=audit(${stamp}): item=0 name="/etc/${serial}"\n`);
      if (serial % 7 === 0) lines.push(`type=VIRT_CONTROL msg=audit(${stamp}): pid=1 msg='op=start vm="g${serial}" res=success'\n`);
    }
    const bytes = Buffer.from(lines.join(''), 'latin1');
    const path = join(mkdtempSync(join(tmpdir(), 'virt-audit-one-buffer-')), 'audit.log');
    writeFileSync(path, bytes);
    const fromFile: ReturnType<typeof plain>[] = [];
    await readAusearchEvents([{ kind: 'file', path }], (event) => fromFile.push(plain(event)));
    expect(bytes.length).toBeGreaterThan(2 << 20);
    expect(fromFile).toEqual(await readAll(bytes, [bytes.length], plain));
  });
});
