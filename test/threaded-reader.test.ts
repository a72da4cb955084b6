// The threaded reader must hand the consumer exactly the events the calling-thread reader does. Worker
// threads run only from the compiled build, so that part runs the build in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_BUT_INTERPRETED, parseLine, readAuditEvents, type AuditEvent } from '../src/index.js';
import { RECORD_TYPES } from '../src/tables/record-types.js';
import { EventBatchWriter, readEventBatch } from '../src/reader/event-batch.js';
import { typeSelector, type TypeSelection } from '../src/reader/type-selection.js';
import { recordTypeNumber } from '../src/tables/record-types.js';
import { generateLog } from '../scripts/gen-log.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';

// The compiled reader's modules (a reading thread runs only from the build).
const DIST_READER = join(import.meta.dirname, '..', 'dist', 'src', 'reader');

const LOOKED_UP = ['pid', 'uid', 'msg', 'vm', 'uuid', 'op', 'res', 'x', 'UID'];

const recordView = (event: AuditEvent) =>
  event.records.map((record) => ({
    file: record.file, line: record.line, form: record.form, node: record.node, type: record.type, typeNumber: record.typeNumber,
    time: record.time, timeText: record.timeText, serial: record.serial, body: record.body, enrichmentText: record.enrichmentText, text: record.text, issues: record.issues,
    // Looked up before anything parses the record: through the shipped token offsets when there are any.
    lookedUp: LOOKED_UP.map((name) => [record.headerRaw(name), record.payloadValue(name)]),
  }));

describe('event batches', () => {
  it.each([false, true])('carry every record of every line form unchanged, issues included (bodies indexed by the sender: %s)', async (indexBodies) => {
    const events: AuditEvent[] = [];
    for (const capture of [RAW_CAPTURE, ENRICHED_CAPTURE]) await readAuditEvents([{ kind: 'file', path: capture }], (event) => events.push(event), { forms: ALL_BUT_INTERPRETED });
    const odd = [
      'Mar  3 09:00:00 hv1 kernel: audit: type=1400 audit(1709456400.123:77): avc:  denied  { read } for pid=1',
      'Mar  3 09:00:00 hv1 audit[4242]: VIRT_CONTROL pid=4242 uid=0 msg=\'op=start vm="a" res=success\'',
      'type=SOMETHING_NEW msg=audit(1709456400.123:78): x=1',
      'type=VIRT_CONTROL msg=audit(1709456400.123:79): pid=1 msg=\'op=start vm="b" res=success\'\x1dUID="root"',
    ];
    for (const [index, line] of odd.entries()) {
      const parsed = parseLine(line, { file: 'odd.log', line: index + 1, unterminated: index === odd.length - 1 });
      if (parsed.kind === 'record') events.push({ node: parsed.record.node, time: parsed.record.time, serial: parsed.record.serial, records: [parsed.record] });
    }
    const writer = new EventBatchWriter(indexBodies, 4096);
    const received: AuditEvent[] = [];
    for (const event of events) {
      writer.add(event);
      if (writer.full) readEventBatch(writer.take(), (back) => received.push(back));
    }
    readEventBatch(writer.take(), (back) => received.push(back));
    const sent = events.map(recordView);
    expect(received.map(recordView)).toEqual(sent);
    expect(received.map(({ node, time, serial }) => ({ node, time, serial }))).toEqual(events.map(({ node, time, serial }) => ({ node, time, serial })));
  });
});

interface Digest {
  readonly events: number;
  readonly hash: string;
}

describe('readAuditEventsThreaded (compiled build, worker thread)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-threaded-'));
  const generated = join(directory, 'generated.log');
  writeFileSync(generated, `${[...generateLog({ lines: 40_000, seed: 7, nodes: 2, guests: 12 })].join('\n')}\n`, 'latin1');

  const script = `
    import { createHash } from 'node:crypto';
    const { ALL_BUT_INTERPRETED, readAuditEvents } = await import(process.argv[1] + '/read-events.js');
    const { readAuditEventsThreaded, canReadOnWorker } = await import(process.argv[1] + '/read-events-threaded.js');
    const { typeSelector } = await import(process.argv[1] + '/type-selection.js');
    const [file, selection] = [process.argv[2], JSON.parse(process.argv[3])];
    const digest = async (read) => {
      const hash = createHash('sha256'); let events = 0;
      await read((event) => {
        events++;
        for (const r of event.records) {
          const lookedUp = ${JSON.stringify(LOOKED_UP)}.map((name) => [r.headerRaw(name), r.payloadValue(name)]);
          hash.update(JSON.stringify([lookedUp, r.file, r.line, r.form, r.node, r.type, r.typeNumber, r.time, r.serial, r.body, r.enrichmentText, r.text, r.issues]));
        }
        hash.update('|');
      });
      return { events, hash: hash.digest('hex') };
    };
    const options = { forms: ALL_BUT_INTERPRETED, order: 'stamp' };
    const inThread = await digest((onEvent) => readAuditEvents([{ kind: 'file', path: file }], onEvent, { ...options, keepEvent: typeSelector(selection) }));
    const threaded = await digest((onEvent) => readAuditEventsThreaded([{ kind: 'file', path: file }], onEvent, { ...options, keepTypes: selection }));
    const indexed = await digest((onEvent) => readAuditEventsThreaded([{ kind: 'file', path: file }], onEvent, { ...options, keepTypes: selection, indexBodies: true }));
    let failure = null;
    try { await readAuditEventsThreaded([{ kind: 'file', path: '/' }], () => {}, { ...options, keepTypes: selection }); } catch (error) { failure = error.message; }
    console.log(JSON.stringify({ worker: canReadOnWorker(), inThread, threaded, indexed, failure }));`;

  const odd = join(directory, 'odd.log');
  const virt = (serial: number, extra: string) => `type=VIRT_CONTROL msg=audit(1709975000.${String(serial % 1000).padStart(3, '0')}:${serial}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=start reason=booted vm="a${extra}" uuid=1b4e28ba-2fa1-11d2-883f-0016d3cca427 vm-pid=7 exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'`;
  writeFileSync(odd, Buffer.from([
    virt(1, ''), `${virt(2, '')}\r`, virt(3, '\x01'), virt(4, '\t'), `${virt(5, '')}\x1dUID="root"`, virt(6, '\x1d'), virt(7, '\x00'),
    'type=VIRT_CONTROL msg=audit(1709975000.008:8):', 'type=UNKNOWN[2999] msg=audit(1709975000.009:9): x=1', virt(10, 'é'),
  ].join('\n') + `\n${virt(11, '')}`, 'latin1'));

  it.each([
    ['lines the parser has something to say about (CR LF, control bytes, NUL, ENRICHED, no final newline)', odd],
    ['the RAW capture', RAW_CAPTURE],
    ['the ENRICHED capture', ENRICHED_CAPTURE],
    ['a generated log of 40,000 lines on two nodes (many batches)', generated],
  ])('%s: the same events, records and order as reading on the calling thread', (_name, file) => {
    const selections: Record<string, TypeSelection> = {
      virt: { numbers: [[2500, 2599]] },
      compat: { names: ['VIRT_MACHINE_ID', 'VIRT_CONTROL', 'VIRT_RESOURCE', 'AVC'], numbers: [[1700, 1799], [2100, 2199]] },
      syscall: { names: ['SYSCALL'] },
      odd: { names: ['VIRT_CONTROL'], numbers: [[2999, 2999]] },
    };
    for (const [pattern, selection] of Object.entries(selections)) {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', DIST_READER, file, JSON.stringify(selection)], { timeout: 60_000 });
      expect(run.stderr.toString()).toBe('');
      const result = JSON.parse(run.stdout.toString()) as { worker: boolean; inThread: Digest; threaded: Digest; indexed: Digest; failure: string | null };
      expect(result.worker).toBe(true);
      if (pattern !== 'syscall' || file !== odd) expect(result.inThread.events, pattern).toBeGreaterThan(0);
      expect(result.threaded).toEqual(result.inThread);
      expect(result.indexed).toEqual(result.inThread);
      expect(result.failure).toMatch(/EISDIR|directory/i);
    }
  }, 120_000);

  it('stops a reading nobody consumes once cancelled; without that its thread keeps the process alive', () => {
    const started = `
      const { startReading } = await import(process.argv[1] + '/read-events-threaded.js');
      const { ALL_BUT_INTERPRETED } = await import(process.argv[1] + '/read-events.js');
      const reading = startReading([{ kind: 'file', path: process.argv[2] }], { forms: ALL_BUT_INTERPRETED, keepTypes: { prefixes: [''] } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (process.argv[3] === 'cancel') await reading.cancel();
      console.log('left');`;
    const run = (how: string) => spawnSync(process.execPath, ['--input-type=module', '-e', started, '--', DIST_READER, generated, how], { timeout: 5_000 });
    const cancelled = run('cancel');
    expect(cancelled.stderr.toString()).toBe('');
    expect([cancelled.status, cancelled.stdout.toString()]).toEqual([0, 'left\n']);
    // Left alone, the thread waits for batches to be handled, and the process never ends (stopped by the timeout).
    const leftAlone = run('keep');
    expect([leftAlone.status, leftAlone.signal, leftAlone.stdout.toString()]).toEqual([null, 'SIGTERM', 'left\n']);
  }, 30_000);

  it('reads on the calling thread when the process has flags a worker refuses (--expose-gc)', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, '--', DIST_READER, RAW_CAPTURE, JSON.stringify({ numbers: [[2500, 2599]] })], { timeout: 60_000 });
    expect(run.stderr.toString()).toBe('');
    const result = JSON.parse(run.stdout.toString()) as { inThread: Digest; threaded: Digest; indexed: Digest };
    expect(result.inThread.events).toBeGreaterThan(0);
    expect(result.threaded).toEqual(result.inThread);
    expect(result.indexed).toEqual(result.inThread);
  }, 60_000);
});

// The type rules as the correlators' handle() applies them, written out independently of the selections.
const compatReads = (correlateAvcAndAnomalies: boolean) => (type: string): boolean => {
  if (type === 'VIRT_MACHINE_ID' || type === 'VIRT_CONTROL' || type === 'VIRT_RESOURCE') return true;
  if (!correlateAvcAndAnomalies) return false;
  if (type === 'AVC') return true;
  return type.startsWith('ANOM_') ? recordTypeNumber(type) !== null : /^UNKNOWN\[(?:17|21)\d\d\]$/.test(type);
};
const sessionReads = (type: string): boolean =>
  /^(?:VIRT_|ANOM_|SYSTEM_|DAEMON_)/.test(type) || type === 'AVC' || type === 'USER_AVC' || /^UNKNOWN\[(?:17|21)\d\d\]$/.test(type);

describe("auvirt --compat's event types", () => {
  it('selects exactly the types its correlation reads (the selection replaces a predicate on a reading thread)', async () => {
    const { compatTypes } = await import('../verifier/auvirt/compat-reading.js');
    const names = [...RECORD_TYPES.map(([, name]) => name), 'UNKNOWN[1750]', 'UNKNOWN[2150]', 'UNKNOWN[2500]', 'UNKNOWN[1699]', 'avc', 'XAVC'];
    for (const correlateAvcAndAnomalies of [true, false]) {
      const keeps = typeSelector(compatTypes(correlateAvcAndAnomalies));
      const reads = compatReads(correlateAvcAndAnomalies);
      for (const name of names) expect(keeps(name), `${name} ${correlateAvcAndAnomalies}`).toBe(reads(name));
    }
  });
});

describe('SessionCorrelator.keepTypes', () => {
  it('selects exactly the types its correlation reads', async () => {
    const { SessionCorrelator } = await import('../verifier/correlator/session-correlator.js');
    const names = [...RECORD_TYPES.map(([, name]) => name), 'UNKNOWN[1750]', 'UNKNOWN[2150]', 'UNKNOWN[2500]', 'UNKNOWN[1699]', 'VIRT_NEWER', 'SYSTEM_X', 'avc'];
    const keeps = typeSelector(SessionCorrelator.keepTypes);
    for (const name of names) expect(keeps(name), name).toBe(sessionReads(name));
  });
});
