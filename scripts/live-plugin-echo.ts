// A tiny auditd plugin (format = string) on the plugin source: writes every line it reads, as it reads
// it, to a file (or stdout), and a summary to stderr at the end. The system test runs it under a
// private auditd; the live bench feeds it generated traffic.
//
//   node dist/scripts/live-plugin-echo.js [OUT] [--stamp] [--queue LINES] [--delay-every N --delay-ms MS]
//
// --stamp prefixes each line with the time it was written (ms since the epoch, then a tab); --delay-*
// make a deliberately slow consumer.
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { openPluginSource } from '../verifier/live/plugin-source.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stamp: { type: 'boolean', default: false },
    queue: { type: 'string' },
    'delay-every': { type: 'string' },
    'delay-ms': { type: 'string' },
  },
});

const out: NodeJS.WritableStream = positionals[0] === undefined ? process.stdout : createWriteStream(positionals[0], { flags: 'a' });
let reloads = 0;
const drops: string[] = [];
const source = openPluginSource({
  ...(values.queue === undefined ? {} : { maxQueuedLines: Number(values.queue) }),
  onReload: () => reloads++,
  onDrop: (notice) => drops.push(`${notice.state} ${notice.reason} ${notice.dropped}`),
});
const delayEvery = Number(values['delay-every'] ?? 0);
const delayMs = Number(values['delay-ms'] ?? 0);
let written = 0;

for await (const line of source) {
  const text = values.stamp ? `${Date.now()}\t${line.text}\n` : `${line.text}\n`;
  written++;
  if (!out.write(Buffer.from(text, 'latin1'))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  if (delayEvery > 0 && written % delayEvery === 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}
if (out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(() => resolve()));
process.stderr.write(`${JSON.stringify({ written, dropped: source.dropped, received: source.linesReceived, endOfEvent: source.endOfEventSkipped, reloads, drops: drops.slice(0, 20) })}\n`);
