// emit's NDJSON input: bounded lines, every bad line refused at its place, the others still emitted.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKey, readNdjson, type NdjsonItem } from '../cli/ndjson-input.js';
import { CLI, runCli } from './support/cli.js';

async function itemsOf(chunks: Iterable<Buffer>, maxLineBytes = 256): Promise<NdjsonItem[]> {
  const items: NdjsonItem[] = [];
  async function* stream(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  for await (const item of readNdjson(stream(), { maxLineBytes })) items.push(item);
  return items;
}

/** Cuts bytes at the given offsets. */
function cut(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const sorted = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const offset of sorted) {
    pieces.push(bytes.subarray(start, offset));
    start = offset;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

const record = { type: 'VIRT_CONTROL', virt: 'kvm', op: 'stop', reason: 'destroyed', vm: 'a', uuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809', 'vm-pid': 0, res: 'success' };

const lineArbitrary = fc.oneof(
  fc.constant(JSON.stringify(record)),
  fc.record({ type: fc.string(), vm: fc.string({ unit: 'binary' }) }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant(`{"type":"x","a":"${'y'.repeat(300)}"}`),
  fc.constant(''),
  fc.constant('{"type":"x","a":1,"a":2}'),
).map((line) => line.replace(/[\r\n]/g, ' '));

describe('readNdjson', () => {
  it('reads the same items however the stream is cut into chunks, each at its line (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineArbitrary, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), async (lines, offsets, crlf) => {
        const text = Buffer.from(lines.join(crlf ? '\r\n' : '\n'), 'utf8');
        const whole = await itemsOf([text]);
        expect(await itemsOf(cut(text, offsets))).toEqual(whole);
        const expectedLines = lines.flatMap((line, index) => (line.trim() === '' ? [] : [index + 1]));
        expect(whole.map((item) => item.line)).toEqual(expectedLines);
        whole.forEach((item) => {
          const line = lines[item.line - 1]!;
          if (item.kind === 'record') expect(item.record).toEqual(JSON.parse(line));
          else expect(() => {
            const value = JSON.parse(line) as { type?: unknown };
            if (Buffer.byteLength(line) > 256 || typeof value?.type !== 'string' || duplicateKey(line) !== null) throw new Error('refused');
          }).toThrow();
        });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a line over --max-line-bytes without keeping it, and reads on', async () => {
    const exact = `{"type":"x","a":"${'y'.repeat(256 - 19)}"}`;
    expect(Buffer.byteLength(exact)).toBe(256);
    const items = await itemsOf([Buffer.from(`${exact}\n${exact}z\n${exact}\r\n`)]);
    expect(items.map((item) => [item.line, item.kind])).toEqual([[1, 'record'], [2, 'refused'], [3, 'record']]);
  });

  it('600 MB of NUL on one line: refused at its line, memory bounded, the next line read', async () => {
    const zeros = Buffer.alloc(1 << 20);
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    function* chunks(): Generator<Buffer> {
      for (let index = 0; index < 600; index++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        yield zeros;
      }
      yield Buffer.from(`\n${JSON.stringify(record)}\n`);
    }
    const items = await itemsOf(chunks(), 65536);
    expect(items.map((item) => [item.line, item.kind])).toEqual([[1, 'refused'], [2, 'record']]);
    expect(peak).toBeLessThan(16 << 20);
  });

  it('refuses bytes that are not UTF-8, naming the first bad byte', async () => {
    const [item] = await itemsOf([Buffer.concat([Buffer.from('{"type":"x","vm":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')])]);
    expect(item).toMatchObject({ kind: 'refused', line: 1, reason: expect.stringContaining('not valid UTF-8 (at byte 21)') });
  });
});

describe('duplicateKey', () => {
  it('finds no duplicate in what JSON.stringify writes, and finds one added at any depth (property)', () => {
    fc.assert(
      fc.property(fc.object({ maxDepth: 3 }), fc.string(), (object, key) => {
        const text = JSON.stringify(object);
        expect(duplicateKey(text)).toBeNull();
        const doubled = `{${JSON.stringify(key)}:1,"n":${text},${JSON.stringify(key)}:2}`;
        expect(duplicateKey(doubled)).toBe(key === 'n' ? 'n' : key);
        const nested = `[{"a":${text}},{"b":{${JSON.stringify(key)}:[1,{"x":1}],${JSON.stringify(key)}:0}}]`;
        expect(duplicateKey(nested)).toBe(key);
      }),
      { numRuns: 300 },
    );
  });
});

describe('virt-audit emit on NDJSON with bad records', () => {
  it('writes every good record, and names each bad one at <stdin>:N (a bad time at record 601 of 1,000)', () => {
    const lines = Array.from({ length: 1000 }, (_unused, index) => JSON.stringify(index === 600 ? { ...record, time: 'garbage' } : { ...record, 'vm-pid': index }));
    const result = runCli(['emit', '--sink', 'stdout'], lines.join('\n'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^<stdin>:601: invalid-record — time must be an ISO 8601 time/m);
    const written = result.stdout.split('\n').filter((line) => line !== '');
    expect(written.map((line) => Number(/vm-pid=(\d+)/.exec(line)![1]))).toEqual(Array.from({ length: 1000 }, (_unused, index) => index).filter((index) => index !== 600));
  });

  it('a res that is missing, null or not an outcome is refused, never success', () => {
    const { res: _res, ...withoutRes } = record;
    const inputs = [withoutRes, { ...record, res: null }, { ...record, res: 'SUCCESS' }, { ...record, res: true }];
    const result = runCli(['emit', '--sink', 'stdout'], inputs.map((input) => JSON.stringify(input)).join('\n'));
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((line) => /^<stdin>:\d: invalid-record — res /.test(line))).toHaveLength(4);
  });

  it('refuses unknown keys instead of dropping them', () => {
    const result = runCli(['emit', '--sink', 'stdout'], JSON.stringify({ ...record, 'vm-name': 'x' }));
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^<stdin>:1: invalid-record — "vm-name" is not a field of the VIRT_CONTROL layout/m);
  });

  it('a --max-line-bytes below 256 is a usage error', () => {
    expect(runCli(['emit', '--sink', 'stdout', '--max-line-bytes', '10'], '').status).toBe(2);
  });
});

describe('virt-audit emit --replay on damaged records', () => {
  const line = (serial: string, message: string): string =>
    `type=VIRT_CONTROL msg=audit(1700000000.005:${serial}): pid=42 uid=0 auid=4294967295 ses=4294967295 msg='${message}'`;
  const start = 'virt=kvm op=start reason=booted vm=636166C3A9 uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809 vm-pid=99 exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=?';

  it('refuses a record whose res was cut and a value that was not UTF-8; keeps a serial past 2^53 exact', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const directory = mkdtempSync(join(tmpdir(), 'replay-'));
    try {
      const intact = line('10', `${start} res=failed`);
      const big = line('9007199254740993', `${start} res=failed`);
      const log = [
        line('7', start),
        line('8', `${start.replace('636166C3A9', '636166E9')} res=failed`),
        big,
        intact,
      ].join('\n');
      const file = join(directory, 'audit.log');
      writeFileSync(file, `${log}\n`, 'latin1');
      const result = runCli(['emit', '--replay', file, '--sink', 'stdout']);
      expect(result.stdout).toBe(`${big}\n${intact}\n`);
      expect(result.stderr).toMatch(/:1: invalid-record — res is required/);
      expect(result.stderr).toMatch(/:2: invalid-record — vm held bytes that are not UTF-8/);
      expect(result.status).toBe(1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe.skipIf(spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status !== 0)('virt-audit emit on 600 MB of NUL', () => {
  it('refuses the line at <stdin>:1, emits the record after it, and stays under 200 MB', async () => {
    const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, CLI, 'emit', '--sink', 'stdout'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined);
    const zeros = Buffer.alloc(1 << 20);
    for (let index = 0; index < 600; index++) {
      if (!child.stdin.write(zeros)) await once(child.stdin, 'drain');
    }
    child.stdin.end(`\n${JSON.stringify(record)}\n`);
    const [status] = (await once(child, 'close')) as [number];
    expect(status).toBe(1);
    expect(stderr).toMatch(/^<stdin>:1: the line is longer than --max-line-bytes/m);
    expect(stderr).not.toMatch(/RangeError/);
    expect(stdout.split('\n').filter((line) => line.startsWith('type=VIRT_CONTROL'))).toHaveLength(1);
    const maxRssKiB = Number(/maxrss=(\d+)/.exec(stderr)![1]);
    expect(maxRssKiB).toBeLessThan(200 * 1024);
  }, 60_000);
});
