import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../src/index.js';
import { latin1 } from '../src/encoding/audit-encoding.js';
import { tokenizeFields } from '../src/model/audit-field.js';
import { DeliveryStopped, EmitError, Emitter, MemorySink, type EmitInput } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';
import { formatHexByte, formatRdev } from '../emitter/payload.js';
import { batchVerdict } from '../emitter/sinks.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE } from './support/examples.js';
import { runCli } from './support/cli.js';

const virtLines = (path: string): string =>
  readFileSync(path, 'latin1').split('\n').filter((line) => line.includes('type=VIRT_')).map((line) => `${line}\n`).join('');

describe('virt-audit emit --replay (real libvirt records)', () => {
  it.each([['RAW', RAW_CAPTURE], ['ENRICHED', ENRICHED_CAPTURE]])('reproduces every VIRT line of the %s capture byte for byte', (_form, capture) => {
    const result = runCli(['emit', '--replay', capture, '--sink', 'stdout']);
    expect(result.status).toBe(0);
    expect(Buffer.from(result.stdout, 'utf8').toString('latin1')).toBe(virtLines(capture));
  });

  it('verify --format ndjson --records | emit --sink stdout reproduces the lines', () => {
    const records = runCli(['verify', '--format', 'ndjson', '--records', RAW_CAPTURE]).stdout;
    const result = runCli(['emit', '--sink', 'stdout'], records);
    expect(result.status).toBe(0);
    expect(Buffer.from(result.stdout, 'utf8').toString('latin1')).toBe(virtLines(RAW_CAPTURE));
  });

  it('a changed name comes out in libaudit encoding', () => {
    const records = runCli(['verify', '--format', 'ndjson', '--records', RAW_CAPTURE]).stdout.replaceAll('"vm":"vacap-basic"', '"vm":"it\'s \\"mine\\""');
    const lines = runCli(['emit', '--sink', 'stdout'], records).stdout.split('\n');
    expect(lines.filter((line) => line.includes('vm=697427732022')).length).toBe(records.split('\n').filter((line) => line.includes('"it\'s')).length);
    expect(lines.find((line) => line.includes('vm=697427732022'))).toContain(`vm=${Buffer.from('it\'s "mine"').toString('hex').toUpperCase()} uuid=`);
  });
});

const domain = { virt: 'kvm', vm: 'demo', uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809' };

describe('buildPayload', () => {
  it('formats like domain_audit.c: encoded paths, bare numbers and labels, fixed order', () => {
    expect(buildPayload({ type: 'VIRT_RESOURCE', ...domain, resrc: 'disk', reason: 'attach', 'old-disk': null, 'new-disk': '/var/lib/libvirt/images/my disk.qcow2' }))
      .toBe('virt=kvm resrc=disk reason=attach vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 old-disk="?" new-disk=2F7661722F6C69622F6C6962766972742F696D616765732F6D79206469736B2E71636F7732');
    expect(buildPayload({ type: 'VIRT_RESOURCE', ...domain, resrc: 'net', reason: 'open', net: '52:54:00:12:34:56', path: 'macvtap0', rdev: null }))
      .toBe('virt=kvm resrc=net reason=open vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 net=52:54:00:12:34:56 path="macvtap0" rdev=?');
    expect(buildPayload({ type: 'VIRT_RESOURCE', ...domain, resrc: 'dev', reason: 'start', bus: 'usb', device: 'USB redirdev' }))
      .toBe('virt=kvm resrc=dev reason=start vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 bus=usb device=555342207265646972646576');
    expect(buildPayload({ type: 'VIRT_CONTROL', ...domain, op: 'init', 'vm-pid': 2345, 'init-pid': 2350, 'pid-ns': 4026532557 }))
      .toBe('virt=kvm op=init vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 vm-pid=2345 init-pid=2350 pid-ns=4026532557');
    expect(buildPayload({ type: 'VIRT_RESOURCE', ...domain, resrc: 'cgroup', reason: 'allow', cgroup: '/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2ddemo.scope/', class: 'major', category: 'pty', maj: formatHexByte(136), acl: 'rw' }))
      .toBe('virt=kvm resrc=cgroup reason=allow vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 cgroup="/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2ddemo.scope/" class=major category=pty maj=88 acl=rw');
    expect(formatRdev(10, 232)).toBe('0A:E8');
  });

  it("skips a device with neither old nor new value, as libvirt does", () => {
    expect(buildPayload({ type: 'VIRT_RESOURCE', ...domain, resrc: 'chardev', reason: 'start', 'old-chardev': null, 'new-chardev': null })).toBeNull();
  });

  it('refuses what cannot be sent faithfully, with a typed error', () => {
    const kind = (input: EmitInput): string => {
      try {
        buildPayload(input);
        return 'built';
      } catch (error) {
        return (error as EmitError).kind;
      }
    };
    expect(kind({ type: 'VIRT_CONTROL', ...domain, op: 'start', reason: 'booted', vm: 'a\0b', 'vm-pid': 1 })).toBe('nul-byte');
    expect(kind({ type: 'VIRT_RESOURCE', ...domain, resrc: 'evdev', reason: 'start', path: '/dev/input/event 3 res=success' })).toBe('unsafe-value');
    expect(kind({ type: 'VIRT_RESOURCE', ...domain, resrc: 'gpu', reason: 'start' })).toBe('invalid-record');
    expect(kind({ type: 'VIRT_RESOURCE', ...domain, resrc: 'mem', reason: 'start', 'old-mem': 0, 'new-mem': '2G' })).toBe('invalid-record');
    expect(kind({ type: 'VIRT_CONTROL', ...domain, uuid: 'C7A5FDBD-CDAF-9455-926A-D65C16DB1809', op: 'start', reason: 'booted', 'vm-pid': 1 })).toBe('invalid-record');
  });

  it('no name, path or label can forge another field (property)', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom(" res=success'", '" uuid=x', 'a b=c', "'", '\x1dUID="root"', 'vm-pid=1'),
    );
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, path, label) => {
        const inputs: EmitInput[] = [
          { type: 'VIRT_RESOURCE', ...domain, vm: name, resrc: 'disk', reason: 'start', 'old-disk': null, 'new-disk': path },
          { type: 'VIRT_RESOURCE', ...domain, vm: name, resrc: 'shmem', reason: 'start', size: 1, path },
          { type: 'VIRT_MACHINE_ID', ...domain, vm: name, 'vm-ctx': label, 'img-ctx': label, model: 'selinux' },
        ];
        for (const input of inputs) {
          let payload: string | null;
          try {
            payload = buildPayload(input);
          } catch (error) {
            expect(error).toBeInstanceOf(EmitError);
            continue;
          }
          const { fields, words } = tokenizeFields(latin1(Buffer.from(payload!, 'utf8')));
          expect(words).toEqual([]);
          expect(fields.filter((field) => field.name === 'uuid')).toHaveLength(1);
          expect(fields.find((field) => field.name === 'vm')?.value).toBe(name === '?' ? null : name);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Emitter', () => {
  const clock = () => ({ sec: 1700000000, ms: 5 });
  const header = { pid: 42, uid: 0, auid: 4294967295, ses: 4294967295 };
  const tail = { exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null };

  it('writes the complete audit.log line, and the verifier accepts it', async () => {
    const sink = new MemorySink();
    const emitter = new Emitter({ sink, clock, header, tail, firstSerial: 7 });
    const result = await emitter.emit({ type: 'VIRT_CONTROL', ...domain, op: 'start', reason: 'booted', 'vm-pid': 99, res: 'failed' });
    expect(result).toMatchObject({ status: 'delivered', sequence: 1 });
    expect(sink.lines[0]).toBe(`type=VIRT_CONTROL msg=audit(1700000000.005:7): pid=42 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=start reason=booted vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 vm-pid=99 exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=failed'`);
    const parsed = parseLine(sink.lines[0]!, { file: 'x', line: 1 });
    expect(parsed.kind).toBe('record');
  });

  it('refuses a message the kernel would cut', async () => {
    const emitter = new Emitter({ sink: new MemorySink(), clock, header, tail });
    await expect(emitter.emit({ type: 'VIRT_RESOURCE', ...domain, resrc: 'disk', reason: 'start', 'old-disk': null, 'new-disk': `/${'x'.repeat(5000)} y`, res: 'success' }))
      .rejects.toMatchObject({ kind: 'too-long' });
  });

  it('policy off sends nothing; best-effort warns and goes on; required throws', async () => {
    const failing = { name: 'failing', deliver: async () => { throw new EmitError('not-delivered', 'dropped'); }, close: async () => {} };
    const record = { type: 'VIRT_CONTROL', ...domain, op: 'stop', reason: 'destroyed', 'vm-pid': 0, res: 'success' };
    expect(await new Emitter({ sink: failing, policy: 'off', clock, header, tail }).emit(record)).toEqual({ status: 'skipped', reason: 'policy-off' });
    const warnings: EmitError[] = [];
    const lenient = new Emitter({ sink: failing, policy: 'best-effort', clock, header, tail, onWarning: (error) => warnings.push(error) });
    expect(await lenient.emit(record)).toMatchObject({ status: 'dropped' });
    expect(warnings.map((warning) => warning.kind)).toEqual(['not-delivered']);
    await expect(new Emitter({ sink: failing, policy: 'required', clock, header, tail }).emit(record)).rejects.toMatchObject({ kind: 'not-delivered' });
  });
});

describe('libaudit calls are bounded', () => {
  it('a call that does not answer in time is a timeout error, and the emitter can go on', async () => {
    const { LibauditConnection } = await import('../emitter/libaudit-connection.js');
    const connection = new LibauditConnection({ timeoutMs: 1 });
    await expect(connection.open()).rejects.toMatchObject({ kind: 'timeout' });
    await connection.close();
  });

  it('typed records go through emitRecord', async () => {
    const sink = new MemorySink();
    const emitter = new Emitter({ sink, clock: () => ({ sec: 1, ms: 0 }), header: { pid: 1, uid: 0, auid: 0, ses: 0 }, tail: { exe: null, hostname: null, addr: null, terminal: null } });
    await emitter.emitRecord({ type: 'VIRT_RESOURCE', virt: 'kvm', resrc: 'tpm-emulator', reason: 'start', vm: 'demo', uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809', device: '/run/swtpm.sock', res: 'success' });
    expect(sink.lines[0]).toContain(`msg='virt=kvm resrc=tpm-emulator reason=start vm="demo" uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 device="/run/swtpm.sock" exe="?" hostname=? addr=? terminal=? res=success'`);
  });
});

describe('Emitter.emitMany', () => {
  const clock = () => ({ sec: 1700000000, ms: 5 });
  const header = { pid: 42, uid: 0, auid: 4294967295, ses: 4294967295 };
  const tail = { exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null };
  const start = { type: 'VIRT_CONTROL', ...domain, op: 'start', reason: 'booted', 'vm-pid': 9, res: 'success' };
  const skipped = { type: 'VIRT_RESOURCE', ...domain, resrc: 'chardev', reason: 'start', 'old-chardev': null, 'new-chardev': null };

  it('keeps the order, skips what libvirt skips, and checks every record before sending any', async () => {
    const sink = new MemorySink();
    const emitter = new Emitter({ sink, clock, header, tail, firstSerial: 1 });
    const results = await emitter.emitMany([start, skipped, { ...start, op: 'stop', reason: 'destroyed', 'vm-pid': 0 }]);
    expect(results.map((result) => result.status)).toEqual(['delivered', 'skipped', 'delivered']);
    expect(sink.lines.map((line) => /op=(\w+)/.exec(line)![1])).toEqual(['start', 'stop']);
    await expect(emitter.emitMany([start, { ...start, uuid: 'not-a-uuid' }])).rejects.toMatchObject({ kind: 'invalid-record' });
    expect(sink.lines).toHaveLength(2);
  });

  it('reports each record of a batch a sink could not deliver, by policy', async () => {
    const batchSink = {
      name: 'half', close: async () => {},
      deliver: async () => ({ sequence: 1 }),
      deliverMany: async (records: readonly unknown[]) => records.map((_record, index) => (index === 0 ? { sequence: 1 } : new EmitError('not-delivered', 'dropped'))),
    };
    const warnings: string[] = [];
    const lenient = new Emitter({ sink: batchSink, policy: 'best-effort', clock, header, tail, onWarning: (error) => warnings.push(error.kind) });
    expect((await lenient.emitMany([start, start])).map((result) => result.status)).toEqual(['delivered', 'dropped']);
    expect(warnings).toEqual(['not-delivered']);
    await expect(new Emitter({ sink: batchSink, policy: 'required', clock, header, tail }).emitMany([start, start])).rejects.toMatchObject({ kind: 'not-delivered' });
  });
});

describe('Emitter.emitAll', () => {
  const clock = () => ({ sec: 1700000000, ms: 5 });
  const header = { pid: 42, uid: 0, auid: 4294967295, ses: 4294967295 };
  const tail = { exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null };
  const record = (index: number) => ({ type: 'VIRT_CONTROL', ...domain, op: 'start', reason: 'booted', 'vm-pid': index, res: 'success' });
  const skipped = { type: 'VIRT_RESOURCE', ...domain, resrc: 'chardev', reason: 'start', 'old-chardev': null, 'new-chardev': null };
  const pidOf = (line: string): number => Number(/vm-pid=(\d+)/.exec(line)![1]);

  it('sends every record in order, whatever the chunk size, and skips what libvirt skips', async () => {
    for (const chunkSize of [1, 3, 7, 256]) {
      const sink = new MemorySink();
      const inputs = Array.from({ length: 20 }, (_unused, index) => (index % 5 === 4 ? skipped : record(index)));
      const results = await new Emitter({ sink, clock, header, tail }).emitAll(inputs, chunkSize);
      expect(results.map((result) => result.status)).toEqual(inputs.map((input) => (input === skipped ? 'skipped' : 'delivered')));
      expect(sink.lines.map(pidOf)).toEqual(inputs.flatMap((input, index) => (input === skipped ? [] : [index])));
    }
  });

  it('builds the next chunk while one is being sent, and has one chunk in the sink at a time', async () => {
    const events: string[] = [];
    let inSink = 0;
    let mostInSink = 0;
    const sink = {
      name: 'slow', close: async () => {},
      deliver: async () => ({ sequence: 1 }),
      deliverMany: async (records: readonly { payload: string }[]) => {
        // As the libaudit sink, which checks and opens first: the handover is a few promise steps late.
        for (let step = 0; step < 4; step++) await Promise.resolve();
        inSink++;
        mostInSink = Math.max(mostInSink, inSink);
        events.push(`send ${pidOf(records[0]!.payload)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inSink--;
        return records.map(() => ({ sequence: 1 }));
      },
    };
    const emitter = new Emitter({ sink, clock, header, tail });
    const prepare = emitter.prepare.bind(emitter);
    emitter.prepare = (input) => {
      events.push(`build ${String(input['vm-pid'])}`);
      return prepare(input);
    };
    await emitter.emitAll(Array.from({ length: 6 }, (_unused, index) => record(index)), 2);
    expect(mostInSink).toBe(1);
    // Chunk [2, 3] is built after chunk [0, 1] went to the sink and before that send is over.
    expect(events).toEqual(['build 0', 'build 1', 'send 0', 'build 2', 'build 3', 'send 2', 'build 4', 'build 5', 'send 4']);
  });

  it('under required, stops at the first record not delivered: nothing after it is sent', async () => {
    const sent: number[] = [];
    const sink = {
      name: 'refuses 5 and 7', close: async () => {},
      deliver: async () => ({ sequence: 1 }),
      deliverMany: async (records: readonly { payload: string }[], options?: { stopAtFirst?: boolean }) => {
        const outcomes: Array<{ sequence: number } | EmitError> = [];
        for (const outgoing of records) {
          const pid = pidOf(outgoing.payload);
          if (pid === 5 || pid === 7) {
            outcomes.push(new EmitError('not-delivered', `dropped ${pid}`));
            if (options?.stopAtFirst) break;
            continue;
          }
          sent.push(pid);
          outcomes.push({ sequence: pid });
        }
        return records.map((_record, index) => outcomes[index] ?? new EmitError('unsent', 'not sent'));
      },
    };
    const stopped = await new Emitter({ sink, policy: 'required', clock, header, tail }).emitAll(Array.from({ length: 12 }, (_unused, index) => record(index)), 4).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(DeliveryStopped);
    expect((stopped as DeliveryStopped).kind).toBe('not-delivered');
    // The round it stopped in: 4 delivered, 5 refused, 6 and 7 never sent.
    expect((stopped as DeliveryStopped).results.map((result) => (result.status === 'dropped' ? result.error.kind : result.status))).toEqual(['delivered', 'not-delivered', 'unsent', 'unsent']);
    expect(sent).toEqual([0, 1, 2, 3, 4]);
    const warnings: string[] = [];
    sent.length = 0;
    const results = await new Emitter({ sink, policy: 'best-effort', clock, header, tail, onWarning: (error) => warnings.push(error.message) })
      .emitAll(Array.from({ length: 12 }, (_unused, index) => record(index)), 4);
    expect(results.map((result) => result.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered', 'dropped', 'delivered', 'dropped', 'delivered', 'delivered', 'delivered', 'delivered']);
    expect(sent).toEqual([0, 1, 2, 3, 4, 6, 8, 9, 10, 11]);
    // Once per cause, not once per record.
    expect(warnings).toEqual(['dropped 5']);
  });

  it('a record that cannot be built throws after the chunks before it were sent, and none after it is', async () => {
    const sink = new MemorySink();
    const inputs = [record(0), record(1), record(2), { ...record(3), uuid: 'not-a-uuid' }, record(4), record(5)];
    await expect(new Emitter({ sink, clock, header, tail }).emitAll(inputs, 2)).rejects.toMatchObject({ kind: 'invalid-record' });
    expect(sink.lines.map(pidOf)).toEqual([0, 1]);
  });
});

describe('virt-audit emit in batches', () => {
  it('reports a bad record at its line, still emits the others with consecutive serials', () => {
    const good = { type: 'VIRT_CONTROL', virt: 'kvm', op: 'stop', reason: 'destroyed', vm: 'a', uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809', 'vm-pid': 0, res: 'success' };
    const input = [good, { ...good, uuid: 'bad' }, ...Array.from({ length: 150 }, () => good)].map((record) => JSON.stringify(record)).join('\n');
    const result = runCli(['emit', '--sink', 'stdout'], input);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^<stdin>:2: invalid-record — uuid "bad"/m);
    const serials = result.stdout.trim().split('\n').map((line) => Number(/audit\(\d+\.\d+:(\d+)\)/.exec(line)![1]));
    expect(serials).toEqual(Array.from({ length: 151 }, (_, index) => index + 1));
  });
});

describe('batchVerdict (the kernel status before and after a batch)', () => {
  const daemon = process.pid; // a running process stands in for the registered daemon
  const status = fc.record({
    enabled: fc.constantFrom(0, 1, 2),
    failure: fc.constant(1),
    pid: fc.constantFrom(0, daemon, 2_000_000_000),
    rateLimit: fc.nat(1000),
    backlogLimit: fc.nat(10_000),
    lost: fc.nat(5),
    backlog: fc.constantFrom(0, 0, 3),
    backlogWaitTime: fc.constant(15000),
  });

  it('delivered exactly when audit stays enabled, one running daemon stays registered, lost does not rise and the queue is handed on', () => {
    fc.assert(fc.property(status, status, fc.integer({ min: 1, max: 300 }), (before, after, records) => {
      const verdict = batchVerdict({ status: before }, { status: after }, 7, records);
      const confirmed = after.enabled !== 0 && before.pid === daemon && after.pid === daemon && after.lost === before.lost && after.backlog === 0;
      expect(verdict === null).toBe(confirmed);
      if (verdict === null) return;
      if (after.enabled === 0) expect(verdict.kind).toBe('audit-disabled');
      else if (before.pid === 0 || after.pid !== before.pid) expect(verdict.kind).toBe('no-daemon');
      else if (after.lost !== before.lost) expect(verdict).toMatchObject({ kind: 'maybe-lost', loss: { batch: 7, lost: (after.lost - before.lost) >>> 0, records } });
      // The same pid stayed registered, but no such process runs.
      else if (after.pid !== daemon) expect(verdict.kind).toBe('no-daemon');
      else expect(verdict.kind).toBe('unconfirmed');
    }));
  });

  it('a status that could not be read, before or after, leaves the batch unconfirmed', () => {
    fc.assert(fc.property(status, fc.constantFrom(1, 111, 110), fc.boolean(), (readable, errno, failsBefore) => {
      const verdict = failsBefore ? batchVerdict({ errno }, { status: readable }, 1, 1) : batchVerdict({ status: readable }, { errno }, 1, 1);
      expect(verdict).toMatchObject({ kind: 'unconfirmed', errno });
    }));
  });
});

describe('virt-audit emit: the tally and the exit code', () => {
  const good = { type: 'VIRT_CONTROL', virt: 'kvm', op: 'stop', reason: 'destroyed', vm: 'a', uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809', 'vm-pid': 0, res: 'success' };
  const input = (count: number) => Array.from({ length: count }, (_, index) => JSON.stringify({ ...good, 'vm-pid': index })).join('\n');
  const lastLine = (stderr: string) => stderr.trimEnd().split('\n').at(-1);

  it('every record delivered: exit 0, the tally is the last line', () => {
    const result = runCli(['emit', '--sink', 'stdout'], input(250));
    expect(result.status).toBe(0);
    expect(lastLine(result.stderr)).toBe('virt-audit emit: 250 records: 250 delivered');
  });

  it('--policy off sends nothing, says so, and exits 1 (no record was delivered)', () => {
    const result = runCli(['emit', '--sink', 'stdout', '--policy', 'off'], input(120));
    expect(result.stdout).toBe('');
    expect(result.status).toBe(1);
    expect(lastLine(result.stderr)).toBe('virt-audit emit: 120 records: 0 delivered, 120 policy-off');
  });

  it('bad lines are counted with the records, and make the exit 1', () => {
    const result = runCli(['emit', '--sink', 'stdout'], `${input(3)}\nnot json\n{"no":"type"}\n`);
    expect(result.status).toBe(1);
    expect(lastLine(result.stderr)).toBe('virt-audit emit: 5 records: 3 delivered, 2 invalid-record');
  });

  it('a file sink into a directory that does not exist: sink-failed naming the path and ENOENT, exit 2, every record counted', () => {
    const path = `/nonexistent-${process.pid}/audit.log`;
    const result = runCli(['emit', '--sink', `file:${path}`, '--policy', 'best-effort'], input(250));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`virt-audit emit: sink-failed — cannot write ${path}: ENOENT (no such file or directory)`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(lastLine(result.stderr)).toBe('virt-audit emit: 250 records: 0 delivered, 100 sink-failed, 150 unsent');
  });
});
