// The auditd plugin source on generated input: chunking, drops under a slow consumer, over-long lines,
// EOE, signals and the end of stdin; and the built consumer script as a real process with real signals.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PluginLineSource, logLineOfPluginLine } from '../verifier/live/plugin-source.js';
import type { DropNotice } from '../verifier/live/bounded-line-queue.js';
import type { LiveLine } from '../verifier/live/live-event.js';

const ECHO = fileURLToPath(new URL('../dist/scripts/live-echo.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordLine(index: number): string {
  return `type=VIRT_CONTROL msg=audit(1733389378.${String(index % 1000).padStart(3, '0')}:${index + 1}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='virt=kvm op=start reason=booted vm="g${index}" uuid=00000000-0000-4000-8000-${String(index).padStart(12, '0')} vm-pid=${index} exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'`;
}

/** Writes the lines (each ended by \n) in chunks cut at the given sizes, cycling through them. */
function chunked(text: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, index = 0; at < text.length; index++) {
    const size = Math.max(1, cuts[index % cuts.length]!);
    chunks.push(text.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

async function collect(source: AsyncIterable<LiveLine>): Promise<LiveLine[]> {
  const lines: LiveLine[] = [];
  for await (const line of source) lines.push(line);
  return lines;
}

describe('PluginLineSource', () => {
  it('hands on every line whole, whatever the chunks (partial lines joined), with its input line number', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), async (picks, cuts) => {
        const lines = picks.map((pick) => recordLine(pick));
        const input = new PassThrough();
        const source = new PluginLineSource({ input, signals: null });
        const read = collect(source);
        for (const chunk of chunked(Buffer.from(lines.map((line) => `${line}\n`).join(''), 'latin1'), cuts)) input.write(chunk);
        input.end();
        const got = await read;
        expect(got.map((line) => line.text)).toEqual(lines);
        expect(got.map((line) => line.origin)).toEqual(lines.map((_, index) => `<stdin>:${index + 1}`));
        expect(source.dropped).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps every byte: latin1, one char per byte, UTF-8 and 0x1D blocks untouched', async () => {
    const bytes = Buffer.concat([Buffer.from('type=USER_START msg=audit(1.002:3): msg=\'vm="g\u00fc"\'', 'utf8'), Buffer.from([0x1d]), Buffer.from('UID="root"\n', 'latin1')]);
    const input = new PassThrough();
    const source = new PluginLineSource({ input, signals: null });
    input.end(bytes);
    const [line] = await collect(source);
    expect(Buffer.from(line!.text, 'latin1')).toEqual(bytes.subarray(0, -1));
  });

  it('under a slow consumer, drops what the queue cannot hold and counts it exactly: read + dropped = written', async () => {
    const written = 20_000;
    const input = new PassThrough({ highWaterMark: 1024 });
    const notices: DropNotice[] = [];
    const source = new PluginLineSource({ input, signals: null, maxQueuedLines: 256, onDrop: (notice) => notices.push(notice) });
    const read: string[] = [];
    const consumer = (async () => {
      for await (const line of source) {
        read.push(line.text);
        if (read.length % 50 === 0) await sleep(2);
      }
    })();
    // The producer never waits for the consumer (as auditd must not): writes as fast as the stream takes them.
    const sent: string[] = [];
    for (let index = 0; index < written; index++) {
      const line = recordLine(index);
      sent.push(line);
      input.write(`${line}\n`);
      if (index % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    input.end();
    await consumer;
    expect(source.dropped).toBeGreaterThan(0);
    expect(read.length + source.dropped).toBe(written);
    expect(source.linesReceived).toBe(written);
    // What was read is what was sent, in order, nothing altered: a subsequence.
    let at = 0;
    for (const line of read) {
      while (at < sent.length && sent[at] !== line) at++;
      expect(at, `read line not found in order: ${line.slice(0, 60)}`).toBeLessThan(sent.length);
      at++;
    }
    // Each burst is announced when it begins and counted when it ends; the counts add up.
    const dropping = notices.filter((notice) => notice.state === 'dropping');
    const resumed = notices.filter((notice) => notice.state === 'resumed');
    expect(dropping.length).toBe(resumed.length);
    expect(resumed.reduce((sum, notice) => sum + notice.dropped, 0)).toBe(source.dropped);
    expect(new Set(notices.map((notice) => notice.reason))).toEqual(new Set(['queue-full']));
  });

  it('bounds the queue in bytes too', async () => {
    const input = new PassThrough();
    const source = new PluginLineSource({ input, signals: null, maxQueuedBytes: 10 * recordLine(0).length + 5 });
    for (let index = 0; index < 100; index++) input.write(`${recordLine(0)}\n`);
    input.end();
    const lines = await collect(source);
    expect(lines.length).toBe(10);
    expect(source.dropped).toBe(90);
  });

  it('counts a line over the limit as dropped, never holding it whole, and goes on', async () => {
    const input = new PassThrough();
    const notices: DropNotice[] = [];
    const source = new PluginLineSource({ input, signals: null, maxLineBytes: 1024, onDrop: (notice) => notices.push(notice) });
    const read = collect(source);
    input.write(`${recordLine(1)}\n`);
    for (let index = 0; index < 200; index++) input.write('x'.repeat(50_000)); // 10 MB, no newline yet
    input.write(`\n${recordLine(2)}\n`);
    input.end();
    const lines = await read;
    expect(lines.map((line) => line.text)).toEqual([recordLine(1), recordLine(2)]);
    expect(lines.map((line) => line.origin)).toEqual(['<stdin>:1', '<stdin>:3']);
    expect(source.dropped).toBe(1);
    expect(notices).toEqual([
      { state: 'dropping', reason: 'line-too-long', dropped: 1, total: 1 },
      { state: 'resumed', reason: 'line-too-long', dropped: 1, total: 1 },
    ]);
  });

  it('ends at the end of stdin, handing on a last line with no newline', async () => {
    const input = new PassThrough();
    const source = new PluginLineSource({ input, signals: null });
    input.end(`${recordLine(1)}\n${recordLine(2)}`);
    expect((await collect(source)).map((line) => line.text)).toEqual([recordLine(1), recordLine(2)]);
  });

  it('passes over EOE lines (auditd does not log them) unless asked, and counts them', async () => {
    const text = `${recordLine(1)}\ntype=EOE msg=audit(1.002:3): \nnode=hv1 type=EOE msg=audit(1.002:4): \n${recordLine(2)}\n`;
    const skipping = new PluginLineSource({ input: new PassThrough().end(text), signals: null });
    expect((await collect(skipping)).map((line) => line.text)).toEqual([recordLine(1), recordLine(2)]);
    expect(skipping.endOfEventSkipped).toBe(2);
    const keeping = new PluginLineSource({ input: new PassThrough().end(text), signals: null, keepEndOfEvent: true });
    expect((await collect(keeping)).length).toBe(4);
  });

  it('writes lines as auditd logs them: a protocol-1 line loses the one trailing space format_raw trims', () => {
    expect(logLineOfPluginLine('type=USER msg=audit(1.002:3): text ')).toBe('type=USER msg=audit(1.002:3): text');
    expect(logLineOfPluginLine('type=USER msg=audit(1.002:3): text  ')).toBe('type=USER msg=audit(1.002:3): text ');
    // Protocol 2 (node names, ENRICHED): the dispatcher got auditd's own formatted line.
    expect(logLineOfPluginLine('node=hv1 type=USER msg=audit(1.002:3): text ')).toBe('node=hv1 type=USER msg=audit(1.002:3): text ');
    expect(logLineOfPluginLine('type=USER msg=audit(1.002:3): text\x1dUID="root" ')).toBe('type=USER msg=audit(1.002:3): text\x1dUID="root" ');
  });

  it('SIGHUP calls reload; SIGTERM stops reading and ends after the queued lines', async () => {
    const signals = new EventEmitter();
    const input = new PassThrough();
    let reloads = 0;
    const source = new PluginLineSource({ input, signals, onReload: () => reloads++ });
    input.write(`${recordLine(1)}\n${recordLine(2)}\n`);
    await sleep(10);
    signals.emit('SIGHUP');
    signals.emit('SIGHUP');
    expect(reloads).toBe(2);
    signals.emit('SIGTERM');
    input.write(`${recordLine(3)}\n`);
    const lines = await collect(source);
    expect(lines.map((line) => line.text)).toEqual([recordLine(1), recordLine(2)]);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('close() ends iteration at once; what was queued is counted as dropped', async () => {
    const input = new PassThrough();
    const source = new PluginLineSource({ input, signals: null });
    input.write(`${recordLine(1)}\n${recordLine(2)}\n${recordLine(3)}\n`);
    await sleep(10);
    const iterator = source[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.text).toBe(recordLine(1));
    await source.close();
    expect((await iterator.next()).done).toBe(true);
    expect(source.dropped).toBe(2);
  });

  it('a consumer leaving its loop early stops the source', async () => {
    const input = new PassThrough();
    const source = new PluginLineSource({ input, signals: null });
    input.write(`${recordLine(1)}\n${recordLine(2)}\n`);
    for await (const line of source) {
      expect(line.text).toBe(recordLine(1));
      break;
    }
    expect(input.destroyed).toBe(true);
  });
});

describe('live-echo (the built consumer) as a process', () => {
  it('real SIGHUP reloads, real SIGTERM ends it cleanly with exit 0 after what it read', async () => {
    const child = spawn(process.execPath, [ECHO], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
    child.stdin.write(`${recordLine(1)}\n${recordLine(2)}\n`);
    for (let waited = 0; stdout.split('\n').length < 3 && waited < 10_000; waited += 20) await sleep(20);
    child.kill('SIGHUP');
    await sleep(100);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe(`${recordLine(1)}\n${recordLine(2)}\n`);
    expect(stderr.startsWith('ready\n')).toBe(true);
    expect(JSON.parse(stderr.trim().split('\n').at(-1)!)).toMatchObject({ written: 2, dropped: 0, reloads: 1 });
  });

  it('ends with exit 0 when stdin ends (auditd gone)', async () => {
    const child = spawn(process.execPath, [ECHO], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.stdin.end(`${recordLine(7)}\n`);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe(`${recordLine(7)}\n`);
  });
});
