// The emitter against the real kernel and a real, private auditd. Skipped, with the reason printed,
// where that cannot run (not root, no auditd, another auditd registered).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLine, type AuditRecord } from '../../src/index.js';
import { toJsonForm } from '../../src/libvirt/json-form.js';
import { splitLibauditTail } from '../../src/libvirt/libaudit-tail.js';
import { DeliveryStopped, Emitter, LibauditSink, isNotDelivered, type EmitInput } from '../../emitter/index.js';
import { layoutForRecord } from '../../emitter/payload.js';
import { verify } from '../../verifier/index.js';
import { CLI } from '../support/cli.js';
import { PrivateAuditd, auditStatus, auditdUnavailable } from '../../scripts/private-auditd.js';
import { SAMPLES } from '../support/samples.js';

const unavailable = auditdUnavailable();
if (unavailable) console.warn(`[skip] emitter system tests: ${unavailable}`);

function recordsOf(log: string, uuid: string): AuditRecord[] {
  return log.split('\n').filter((line) => line.includes(uuid)).flatMap((line, index) => {
    const parsed = parseLine(line, { file: 'audit.log', line: index + 1 });
    return parsed.kind === 'record' ? [parsed.record] : [];
  });
}

function payloadJson(record: AuditRecord): Record<string, unknown> {
  const json = toJsonForm(record, layoutForRecord(toJsonForm(record) as EmitInput));
  const fieldNames = splitLibauditTail(record.payload ?? []).body.map((field) => field.name);
  return Object.fromEntries([['type', json.type], ...fieldNames.map((name) => [name, json[name]])]);
}

describe.skipIf(unavailable !== null)('emitter → libaudit → kernel → private auditd', () => {
  let auditd: PrivateAuditd;
  let lostBefore: number;

  beforeAll(async () => {
    auditd = await PrivateAuditd.start('RAW');
    execFileSync('auditctl', ['-b', '20000'], { stdio: 'ignore' });
    lostBefore = auditStatus().lost;
  }, 30_000);

  afterAll(async () => {
    await auditd?.stop();
  }, 30_000);

  const uuid = randomUUID();
  const sent = Object.values(SAMPLES).map((sample) => ({ ...sample, uuid, vm: `e2e ${uuid.slice(0, 8)} ü` })) as EmitInput[];

  it('delivers every record kind through FFI (rc > 0 each time)', async () => {
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    for (const record of sent) expect(await emitter.emit(record)).toMatchObject({ status: 'delivered', sequence: expect.any(Number) });
    await emitter.close();
  });

  const bulkUuid = randomUUID();

  it('sends 10,000 records: 10,000 reach the log and the kernel loses none', async () => {
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    for (let index = 0; index < 10_000; index++) {
      await emitter.emit({ type: 'VIRT_RESOURCE', virt: 'kvm', resrc: 'vcpu', reason: 'update', vm: 'bulk', uuid: bulkUuid, 'old-vcpu': index, 'new-vcpu': index + 1, res: 'success' });
    }
    await emitter.close();
    expect(auditStatus().lost).toBe(lostBefore);
  }, 120_000);

  const batchUuid = randomUUID();

  it('sends 5,000 records in batches (emitMany): each delivered, in order', async () => {
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    for (let batch = 0; batch < 50; batch++) {
      const records = Array.from({ length: 100 }, (_, index) => ({ type: 'VIRT_RESOURCE', virt: 'kvm', resrc: 'iothread', reason: 'update', vm: 'batch', uuid: batchUuid, 'old-iothread': batch, 'new-iothread': index, res: 'success' }));
      const results = await emitter.emitMany(records);
      expect(results.every((result) => result.status === 'delivered')).toBe(true);
    }
    await emitter.close();
  }, 60_000);

  it('with auditing disabled, warns once under best-effort and stops under required', async () => {
    execFileSync('auditctl', ['-e', '0'], { stdio: 'ignore' });
    try {
      const warnings: string[] = [];
      const lenient = new Emitter({ sink: new LibauditSink(), policy: 'best-effort', onWarning: (error) => warnings.push(error.kind) });
      expect(await lenient.emit({ ...sent[0]!, vm: 'dropped' })).toMatchObject({ status: 'dropped', error: { kind: 'audit-disabled' } });
      expect((await lenient.emitMany([{ ...sent[0]!, vm: 'dropped' }, { ...sent[1]!, vm: 'dropped' }])).map((result) => result.status)).toEqual(['dropped', 'dropped']);
      expect(warnings).toEqual(['audit-disabled']);
      await lenient.close();
      const strict = new Emitter({ sink: new LibauditSink(), policy: 'required' });
      await expect(strict.emit({ ...sent[0]!, vm: 'dropped' })).rejects.toSatisfy((error: unknown) => error instanceof DeliveryStopped && error.kind === 'audit-disabled' && isNotDelivered(error.failure));
      await strict.close();
    } finally {
      execFileSync('auditctl', ['-e', '1'], { stdio: 'ignore' });
    }
  });

  const runEmitAs = (wrapper: string[]) =>
     spawnSync(wrapper[0]!, [...wrapper.slice(1), process.execPath, CLI, 'emit', '--policy', 'required'], {
      input: `${JSON.stringify({ type: 'VIRT_CONTROL', virt: 'kvm', op: 'stop', reason: 'destroyed', vm: 'dropped', uuid, 'vm-pid': 0, res: 'success' })}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('without CAP_AUDIT_WRITE libaudit returns 0: NotDelivered, naming EPERM', () => {
    const result = runEmitAs(['setpriv', '--inh-caps=-audit_write', '--bounding-set=-audit_write', '--reuid=65534', '--regid=65534', '--clear-groups']);
    expect(result.stderr).toMatch(/not-delivered — .*EPERM/);
    expect(result.status).toBe(1);
  });

  it('from a user namespace libaudit returns 0: NotDelivered, naming ECONNREFUSED', () => {
    const result = runEmitAs(['unshare', '--user', '--map-root-user']);
    expect(result.stderr).toMatch(/not-delivered — .*ECONNREFUSED/);
    expect(result.status).toBe(1);
  });

  describe('the log afterwards', () => {
    let log: string;
    beforeAll(async () => {
      await auditd.stop();
      log = auditd.log();
    }, 30_000);

    it('holds every record kind, each reading back to the JSON form that was sent', () => {
      const received = recordsOf(log, uuid).filter((record) => record.value('vm') !== 'dropped');
      expect(received).toHaveLength(sent.length);
      received.forEach((record, index) => {
        const expected = Object.fromEntries(Object.entries(payloadJson(record)).map(([name]) => [name, (sent[index] as Record<string, unknown>)[name]]));
        expect(payloadJson(record)).toEqual(expected);
        expect(record.value('exe')).toBe(process.execPath);
        expect(record.value('res')).toBe('success');
      });
    });

    it('never holds the records that were reported as not delivered', () => {
      expect(recordsOf(log, uuid).filter((record) => record.value('vm') === 'dropped')).toEqual([]);
    });

    it('holds all 10,000 bulk records', () => {
      expect(log.split('\n').filter((line) => line.includes(bulkUuid))).toHaveLength(10_000);
    });

    it('holds the 5,000 batched records in the order they were sent', () => {
      const batched = log.split('\n').filter((line) => line.includes(batchUuid)).map((line) => /old-iothread=(\d+) new-iothread=(\d+)/.exec(line)!.slice(1).join(':'));
      expect(batched).toEqual(Array.from({ length: 5000 }, (_, index) => `${Math.floor(index / 100)}:${index % 100}`));
    });

    it('passes virt-audit verify', async () => {
      const result = await verify([{ kind: 'file', path: auditd.logFile }]);
      expect(result.problems).toEqual([]);
      expect(result.summary.virtRecords).toBe(sent.length + 10_000 + 5000);
    });
  });
});
