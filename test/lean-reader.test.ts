// The lean reading path: lines of events a consumer does not read are passed over from their header
// bytes. It must deliver exactly the events the full path delivers whose first record it keeps, in the
// same order, with the same records.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_BUT_INTERPRETED, parseLine, readAuditEvents, type AuditEvent, type AuditRecord } from '../src/index.js';
import { RawHeaderScanner } from '../src/reader/raw-header.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE, captureLines } from './support/examples.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';

const summary = (event: AuditEvent) => `${event.node ?? ''} ${event.time?.sec}.${event.time?.ms}:${event.serial} ${event.records.map((record) => record.text).join('\n')}`;

async function both(file: string, keep: (type: string) => boolean, order: 'stamp' | 'completion') {
  const full: AuditEvent[] = [];
  const lean: AuditEvent[] = [];
  await readAuditEvents([{ kind: 'file', path: file }], (event) => full.push(event), { forms: ALL_BUT_INTERPRETED, order });
  await readAuditEvents([{ kind: 'file', path: file }], (event) => lean.push(event), { forms: ALL_BUT_INTERPRETED, order, keepEvent: keep });
  return { expected: full.filter((event) => keep(event.records[0]!.type)).map(summary), lean: lean.map(summary) };
}

const recordSummary = (record: AuditRecord) => ({
  form: record.form, node: record.node, type: record.type, typeNumber: record.typeNumber, time: record.time, serial: record.serial,
  body: record.body, enrichmentText: record.enrichmentText, text: record.text, issues: record.issues,
});

const KEEPERS: Record<string, (type: string) => boolean> = {
  virt: (type) => type.startsWith('VIRT_'),
  'virt, AVC, ANOM': (type) => type.startsWith('VIRT_') || type === 'AVC' || type.startsWith('ANOM_'),
  SYSCALL: (type) => type === 'SYSCALL',
  nothing: () => false,
};

describe('RawHeaderScanner', () => {
  it('reads the header exactly as the line parser does, or leaves the line to it', () => {
    const lines = [...captureLines(RAW_CAPTURE), ...captureLines(ENRICHED_CAPTURE), 'node=h1 type=AVC msg=audit(1.002:3): x', 'type=X msg=audit(1.02:3): x', 'type=A\tB msg=audit(1.002:3): x', 'type=SYSCALL msg=audit(1.002:3):', 'node=a\tb type=AVC msg=audit(1.002:3): x', 'node=a\xa0b type=AVC msg=audit(1.002:3): x', 'node=a\x85b type=AVC msg=audit(1.002:3): x', 'node= type=AVC msg=audit(1.002:3): x', 'type=AVC msg=audit(1.002:3):x', 'type=AVC msg=audit(1.002:3):  two spaces'];
    for (const line of lines) {
      const bytes = Buffer.from(line, 'latin1');
      const scanner = new RawHeaderScanner();
      const header = scanner.scan(bytes, 0, bytes.length) ? scanner : null;
      const parsed = parseLine(line, { file: 'x', line: 1 });
      if (header === null) {
        expect(parsed.kind === 'record' && parsed.record.form === 'raw', line).toBe(false);
        continue;
      }
      expect(parsed.kind).toBe('record');
      if (parsed.kind !== 'record') continue;
      expect({ node: header.node, type: header.recordType.name, time: { sec: header.sec, ms: header.ms }, serial: header.serial })
        .toEqual({ node: parsed.record.node, type: parsed.record.type, time: parsed.record.time, serial: parsed.record.serial });
      const fast = parseLine(line, { file: 'x', line: 1, header: scanner });
      expect(fast.kind === 'record' && recordSummary(fast.record), line).toEqual(recordSummary(parsed.record));
    }
  });
});

describe('RawHeaderScanner over many lines', () => {
  it('names every type and node right, however many there are and wherever their hashes fall', () => {
    const name = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(name, { nil: null }), name), { minLength: 1, maxLength: 400 }), (headers) => {
        const scanner = new RawHeaderScanner();
        for (const [node, type] of headers) {
          const line = `${node === null ? '' : `node=${node} `}type=${type} msg=audit(1.002:3): x=1`;
          const bytes = Buffer.from(line, 'latin1');
          expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
          expect({ node: scanner.node, type: scanner.recordType.name }).toEqual({ node, type });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('past the number of names it keeps, still names each type right', () => {
    const scanner = new RawHeaderScanner();
    for (let round = 0; round < 2; round++) {
      for (let index = 0; index < 5000; index++) {
        const bytes = Buffer.from(`type=T${index} msg=audit(1.002:3): x=1`, 'latin1');
        expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
        expect(scanner.recordType.name).toBe(`T${index}`);
      }
    }
  });
});

describe('readAuditEvents with keepEvent', () => {
  it.each(Object.keys(KEEPERS))('on the real captures, keeping %s: the same events as the full path', async (keeper) => {
    for (const capture of [RAW_CAPTURE, ENRICHED_CAPTURE]) {
      for (const order of ['stamp', 'completion'] as const) {
        const { expected, lean } = await both(capture, KEEPERS[keeper]!, order);
        expect(lean).toEqual(expected);
      }
    }
  });

  it('on generated logs (interleaved events, several nodes, events without EOE)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-lean-'));
    await fc.assert(
      fc.asyncProperty(scenario, fc.constantFrom(...Object.keys(KEEPERS)), async (generated, keeper) => {
        const file = join(directory, 'audit.log');
        writeFileSync(file, await renderScenario(generated), 'latin1');
        const { expected, lean } = await both(file, KEEPERS[keeper]!, 'stamp');
        expect(lean).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
