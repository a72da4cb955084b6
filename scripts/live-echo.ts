// A tiny consumer of a live source: writes every line it reads, as it reads it, to a file (or stdout), and a
// summary (JSON) to stderr at the end. As an auditd plugin (format = string) it reads stdin; with
// --source netlink it reads the kernel's audit multicast group until SIGTERM or SIGINT. The system test
// runs both beside a private auditd; the live bench feeds the plugin form generated traffic.
//
//   node dist/scripts/live-echo.js [OUT] [--source plugin|netlink] [--node NAME] [--stamp] [--queue LINES]
//                                  [--delay-every N --delay-ms MS]
//
// --stamp prefixes each line with the time it was written (ms since the epoch, then a tab); --delay-*
// make a deliberately slow consumer. Prints `ready` on stderr once the source is open.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { openPluginSource } from '../verifier/live/plugin-source.js';
import { NetlinkSourceError, openNetlinkSource } from '../verifier/live/netlink-source.js';
import type { DropNotice } from '../verifier/live/bounded-line-queue.js';
import type { LiveLineSource } from '../verifier/live/live-event.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stamp: { type: 'boolean', default: false },
    queue: { type: 'string' },
    source: { type: 'string', default: 'plugin' },
    node: { type: 'string' },
    'delay-every': { type: 'string' },
    'delay-ms': { type: 'string' },
  },
});

const out: Writable = positionals[0] === undefined ? process.stdout : createWriteStream(positionals[0], { flags: 'a' });
let reloads = 0;
const drops: string[] = [];
const onDrop = (notice: DropNotice): void => void drops.push(`${notice.state} ${notice.reason} ${notice.dropped}`);
const queue = values.queue === undefined ? {} : { maxQueuedLines: Number(values.queue) };
let source: LiveLineSource;
if (values.source === 'netlink') {
  try {
    source = await openNetlinkSource({ ...queue, onDrop, node: values.node ?? null });
  } catch (error) {
    process.stderr.write(`live-echo: ${(error as Error).message}\n`);
    process.exit(error instanceof NetlinkSourceError && error.kind === 'no-permission' ? 4 : 1);
  }
  const netlink = source;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void netlink.close());
} else {
  source = openPluginSource({ ...queue, onReload: () => reloads++, onDrop });
}
process.stderr.write('ready\n');
const delayEvery = Number(values['delay-every'] ?? 0);
const delayMs = Number(values['delay-ms'] ?? 0);
let written = 0;
// Lines are written in batches: whatever was read since the consumer last idled (a setImmediate), or 64 KiB.
// One write per line would cost a system call each, and a slower consumer means dropped lines.
let held: string[] = [];
let heldBytes = 0;
let flushScheduled = false;
const flush = (): void => {
  flushScheduled = false;
  if (held.length === 0) return;
  out.write(Buffer.from(held.join(''), 'latin1'));
  held = [];
  heldBytes = 0;
};
// writableNeedDrain, not write()'s answer: a flush from setImmediate may see its drain before the loop waits.
const drained = async (): Promise<void> => {
  if (out.writableNeedDrain) await once(out, 'drain');
};

for await (const line of source) {
  const text = values.stamp ? `${Date.now()}\t${line.text}\n` : `${line.text}\n`;
  written++;
  held.push(text);
  heldBytes += text.length;
  if (heldBytes >= 65_536) flush();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
  await drained();
  if (delayEvery > 0 && written % delayEvery === 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}
flush();
await drained();
if (out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(() => resolve()));
process.stderr.write(`${JSON.stringify({ written, dropped: source.dropped, reloads, drops: drops.slice(0, 20) })}\n`);
