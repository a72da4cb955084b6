// Kernel netlink records to auditd's log lines, on generated datagrams and payloads; libaudit (through
// koffi) names the types, as auditd's own format_raw does. The real kernel and auditd are the oracle of
// test/system/live-sources.test.ts; these cover what a short run does not produce.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NLMSG_HEADER_BYTES, auditdLineOf, auditdSkipsType, splitNetlinkDatagram, typeCarriesText, type NetlinkMessage } from '../verifier/live/netlink-record-line.js';
import { loadWithLibc } from './support/native-library.js';
import { BoundedLineQueue, type DropNotice } from '../verifier/live/bounded-line-queue.js';
import { NetlinkIntake } from '../verifier/live/netlink-intake.js';
import type { LiveLine } from '../verifier/live/live-event.js';

const loaded = loadWithLibc('libaudit.so.1');
if (!loaded) console.warn('[skip] libaudit.so.1 cannot be loaded: type names not checked against it');
const toName = loaded ? (loaded.library.func('const char *audit_msg_type_to_name(int msg_type)') as (type: number) => string | null) : () => null;
const typeName = (type: number): string | null => toName(type) ?? null;

function datagramOf(messages: readonly NetlinkMessage[], done: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const message of [...messages, ...(done ? [{ type: 3, payload: Buffer.alloc(4) }] : [])]) {
    const header = Buffer.alloc(NLMSG_HEADER_BYTES);
    header.writeUInt32LE(NLMSG_HEADER_BYTES + message.payload.length, 0);
    header.writeUInt16LE(message.type, 4);
    const padding = Buffer.alloc((4 - (message.payload.length % 4)) % 4);
    parts.push(header, message.payload, padding);
  }
  return Buffer.concat(parts);
}

const payloadArbitrary = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((bytes) => Buffer.from(bytes));
const messageArbitrary = fc.record({ type: fc.integer({ min: 4, max: 3000 }), payload: payloadArbitrary });

describe('splitNetlinkDatagram', () => {
  it('gives back every message of a datagram, aligned to 4 bytes, up to NLMSG_DONE', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { minLength: 1, maxLength: 8 }), fc.boolean(), (messages, done) => {
        const { messages: split, malformed } = splitNetlinkDatagram(datagramOf(messages, done));
        expect(malformed).toBe(false);
        expect(split.map((message) => [message.type, Buffer.from(message.payload).toString('hex')])).toEqual(messages.map((message) => [message.type, message.payload.toString('hex')]));
      }),
    );
  });

  it('reports a datagram cut inside a message as malformed, keeping the whole messages before it', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { minLength: 1, maxLength: 6 }), fc.nat(), (messages, cutSeed) => {
        const whole = datagramOf(messages, false);
        const cut = 1 + (cutSeed % (whole.length - 1));
        // Each message's bytes end at `end`; its padding runs to `next`. A cut there leaves only whole messages.
        const spans: { end: number; next: number }[] = [];
        for (let at = 0, index = 0; index < messages.length; index++) {
          const end = at + NLMSG_HEADER_BYTES + messages[index]!.payload.length;
          const next = at + ((NLMSG_HEADER_BYTES + messages[index]!.payload.length + 3) & ~3);
          spans.push({ end, next });
          at = next;
        }
        const { messages: split, malformed } = splitNetlinkDatagram(whole.subarray(0, cut));
        expect(malformed).toBe(!spans.some((span) => span.end <= cut && cut <= span.next));
        expect(split.length).toBe(spans.filter((span) => span.end <= cut).length);
        split.forEach((message, index) => expect(message.payload.toString('hex')).toBe(messages[index]!.payload.toString('hex')));
      }),
    );
  });

  it('reports a header whose length is under the header size as malformed', () => {
    const datagram = datagramOf([{ type: 1107, payload: Buffer.from('abc') }], false);
    datagram.writeUInt32LE(8, 0);
    expect(splitNetlinkDatagram(datagram)).toEqual({ messages: [], malformed: true });
  });
});

describe('auditdLineOf', () => {
  it('writes type=NAME msg=TEXT: newlines as spaces, one trailing space trimmed, text up to a NUL', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '=', "'", '\u00e9', '\u0000', 'audit(1.002:3): ') });
    fc.assert(
      fc.property(fc.constantFrom(1107, 2500, 2501, 2502, 1400, 1300, 1005, 2000), text, (type, payloadText) => {
        const line = auditdLineOf({ type, payload: Buffer.from(payloadText, 'latin1') }, typeName)!;
        const visible = payloadText.split('\u0000')[0]!.replaceAll('\n', ' ');
        const prefix = `type=${typeName(type) ?? `UNKNOWN[${type}]`} msg=`;
        expect(line.startsWith(prefix)).toBe(true);
        const expected = `${prefix}${visible}`;
        expect(line).toBe(expected.endsWith(' ') ? expected.slice(0, -1) : expected);
      }),
    );
  });

  it('names types as libaudit does, UNKNOWN[n] for the ones it does not know', () => {
    if (!loaded) return;
    expect(auditdLineOf({ type: 2501, payload: Buffer.from('audit(1.002:3): x') }, typeName)).toBe('type=VIRT_RESOURCE msg=audit(1.002:3): x');
    expect(auditdLineOf({ type: 2999, payload: Buffer.from('audit(1.002:3): x') }, typeName)).toBe('type=UNKNOWN[2999] msg=audit(1.002:3): x');
  });

  it('passes over what auditd never logs (EOE, netlink control, replies, its own range) unless EOE is asked for', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3100 }), payloadArbitrary, (type, payload) => {
        const line = auditdLineOf({ type, payload }, typeName);
        expect(line === null).toBe(auditdSkipsType(type));
      }),
    );
    for (const type of [1, 2, 3, 1000, 1008, 1010, 1011, 1019, 1200, 1299, 1320, 1329]) expect(auditdLineOf({ type, payload: Buffer.from('x') }, typeName)).toBeNull();
    expect(auditdLineOf({ type: 1320, payload: Buffer.from('audit(1.002:3): ') }, typeName, { keepEndOfEvent: true })).toBe('type=EOE msg=audit(1.002:3):');
  });

  it('writes msg=lost for the types libaudit hands on without text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 3100 }).filter((type) => !auditdSkipsType(type) && !typeCarriesText(type)), payloadArbitrary, (type, payload) => {
        expect(auditdLineOf({ type, payload }, typeName)).toBe(`type=${typeName(type) ?? `UNKNOWN[${type}]`} msg=lost`);
      }),
    );
  });

  it('with a node name, starts node=NAME and trims the space its newline became (text spaces kept)', () => {
    expect(auditdLineOf({ type: 1107, payload: Buffer.from('audit(1.002:3): a ') }, typeName, { node: 'hv1' })).toBe('node=hv1 type=USER_AVC msg=audit(1.002:3): a ');
    expect(auditdLineOf({ type: 1107, payload: Buffer.from('audit(1.002:3): a ') }, typeName)).toBe('type=USER_AVC msg=audit(1.002:3): a');
  });

  it('cuts a record longer than auditd\'s buffer where auditd cuts it', () => {
    const line = auditdLineOf({ type: 1107, payload: Buffer.from(`audit(1.002:3): ${'x'.repeat(10_000)}`) }, typeName)!;
    expect(line.length).toBe(8970 - 32 - 1);
    const withNode = auditdLineOf({ type: 1107, payload: Buffer.from(`audit(1.002:3): ${'x'.repeat(10_000)}`) }, typeName, { node: 'hv1' })!;
    expect(withNode.length).toBe(8970 + 255 - 32 - 1);
  });
});

describe('NetlinkIntake (the worker\'s batches into the source\'s queue)', () => {
  const record = (serial: number): NetlinkMessage => ({ type: 1107, payload: Buffer.from(`audit(1.002:${serial}): pid=1 msg='n ${serial}'`) });

  async function drain(queue: BoundedLineQueue): Promise<LiveLine[]> {
    queue.end();
    const lines: LiveLine[] = [];
    for await (const line of queue) lines.push(line);
    return lines;
  }

  it('hands on every record of every datagram in order, numbering them, passing over what auditd does not log', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.oneof(fc.nat({ max: 999 }).map(record), fc.constant({ type: 1320, payload: Buffer.from('audit(1.002:3): ') })), { minLength: 1, maxLength: 5 }), { maxLength: 10 }), async (datagrams) => {
        const queue = new BoundedLineQueue({ maxLines: 10_000, maxBytes: 1 << 24 });
        const intake = new NetlinkIntake(queue, typeName, {});
        intake.take({ datagrams: datagrams.map((messages) => new Uint8Array(datagramOf(messages, false))), dropped: 0, overruns: 0 });
        const all = datagrams.flat();
        const lines = await drain(queue);
        expect(intake.received).toBe(all.length);
        expect(intake.skipped).toBe(all.filter((message) => message.type === 1320).length);
        expect(lines.map((line) => line.text)).toEqual(all.filter((message) => message.type !== 1320).map((message) => auditdLineOf(message, typeName)));
        expect(lines.map((line) => Number(line.origin.slice('netlink:'.length)))).toEqual(all.flatMap((message, index) => (message.type === 1320 ? [] : [index + 1])));
        expect(queue.dropped).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('counts the worker\'s drops, each overrun and each cut datagram, and tells them through onDrop', async () => {
    const notices: DropNotice[] = [];
    const queue = new BoundedLineQueue({ maxLines: 3, maxBytes: 1 << 20 }, (notice) => notices.push(notice));
    const intake = new NetlinkIntake(queue, typeName, {});
    const whole = datagramOf([record(1), record(2)], false);
    intake.take({ datagrams: [new Uint8Array(whole), new Uint8Array(whole.subarray(0, whole.length - 3))], dropped: 7, overruns: 2 });
    intake.take({ datagrams: [new Uint8Array(datagramOf([record(3)], false))], dropped: 0, overruns: 0 });
    // 4 records read whole (2 + the first of the cut datagram + 1), the queue holds 3: 1 queue-full;
    // then the cut datagram, the worker's 7, 2 overruns.
    expect(intake.received).toBe(4 + 7);
    expect(intake.overruns).toBe(2);
    expect(queue.dropped).toBe(1 + 1 + 7 + 2);
    expect(notices.filter((notice) => notice.state === 'dropping').map((notice) => notice.reason)).toEqual(['malformed', 'queue-full', 'overrun', 'queue-full']);
    expect((await drain(queue)).map((line) => line.origin)).toEqual(['netlink:1', 'netlink:2', 'netlink:3']);
  });
});
