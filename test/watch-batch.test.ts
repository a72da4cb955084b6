// A watch over a log as it is written tells what a later batch run of the same correlator says: the same
// sessions, starts and ends, resources assigned and released, gaps, AVCs and anomalies, each with the
// same proofs. The logs: the stored captures (not written for this) and generated ones, written in
// random chunks (lines cut anywhere) while the watch follows the file.
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import { correlateSessions } from '../verifier/correlator/run-sessions.js';
import { sessionJson } from '../verifier/correlator/session-json.js';
import { FileFollower } from '../verifier/live/file-follower.js';
import type { LiveEvent } from '../verifier/live/live-event.js';
import { runWatch } from '../verifier/live/run-watch.js';
import { batchFacts, liveFacts } from './support/live-facts.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

function captures(directory = EXAMPLES): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return captures(path);
    return name.endsWith('.log') ? [path] : [];
  });
}

async function batch(path: string): Promise<string[]> {
  const correlator = await correlateSessions([{ kind: 'file', path }], { allDetails: true });
  return batchFacts(correlator.sessions.map(sessionJson));
}

/** Writes `text` to `path` in chunks of the given sizes (cycled) while a watch follows it from its start. */
async function watchWhileWriting(path: string, text: Buffer, sizes: readonly number[]): Promise<LiveEvent[]> {
  writeFileSync(path, '');
  const follower = new FileFollower({ path, start: 'start', pollMs: 5 });
  const events: LiveEvent[] = [];
  const running = runWatch({ source: follower, onEvent: (event) => events.push(event), idleMs: 2000 });
  let at = 0;
  for (let chunk = 0; at < text.length; chunk++) {
    const size = sizes[chunk % sizes.length]!;
    appendFileSync(path, text.subarray(at, at + size));
    at += size;
    if (chunk % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  // Caught up: every byte read (the follower's position is the file's end).
  while (follower.position()?.offset !== text.length) await new Promise((resolve) => setTimeout(resolve, 10));
  await follower.close();
  await running;
  return events;
}

describe('watch over a log being written = a later batch run of the same correlator', () => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-watch-batch-'));

  it.each(captures().map((path) => [path.slice(EXAMPLES.length + 1), path]))('%s, written in random chunks', async (_, capture) => {
    const text = readFileSync(capture);
    const expected = await batch(capture);
    expect(expected.length).toBeGreaterThan(50);
    const sizes = fc.sample(fc.integer({ min: 1, max: 3000 }), { numRuns: 64, seed: text.length });
    const events = await watchWhileWriting(join(directory, 'audit.log'), text, sizes);
    expect(liveFacts(events)).toEqual(expected);
  });

  it('generated logs of two nodes, AVCs and crashes among them, whatever the chunk sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }), async (seed, sizes) => {
        const path = join(directory, `gen-${seed}.log`);
        const text = Buffer.from(`${[...generateLog({ lines: 5000, seed, nodes: 2, guests: 12 })].join('\n')}\n`, 'latin1');
        writeFileSync(path, text);
        const expected = await batch(path);
        const events = await watchWhileWriting(join(directory, `live-${seed}.log`), text, sizes);
        expect(liveFacts(events)).toEqual(expected);
        expect(events.some((event) => event.event === 'avc')).toBe(true);
      }),
      { numRuns: 3 },
    );
  }, 240_000);
});

describe('--since and --after: what comes before is correlated, not told', () => {
  it('the events told are those of the whole log whose record is after the bound, on every capture and bound', async () => {
    const { LiveCorrelator, parseRecordId } = await import('../verifier/live/live-correlator.js');
    for (const capture of captures().slice(0, 4)) {
      const lines = readFileSync(capture, 'latin1').split('\n').filter(Boolean);
      const all: LiveEvent[] = [];
      const stamps: string[] = [];
      const whole = new LiveCorrelator({ onEvent: (event) => all.push(event) });
      for (const text of lines) whole.push({ text, origin: capture });
      whole.flush();
      for (const text of lines) {
        const stamp = /msg=audit\((\d+\.\d{3}:\d+)\)/.exec(text)?.[1];
        if (stamp !== undefined && stamps.at(-1) !== stamp) stamps.push(stamp);
      }
      for (const bound of fc.sample(fc.constantFrom(...stamps), { numRuns: 5, seed: lines.length })) {
        const after = parseRecordId(bound)!;
        const told: LiveEvent[] = [];
        const live = new LiveCorrelator({ onEvent: (event) => told.push(event), after });
        for (const text of lines) live.push({ text, origin: capture });
        live.flush();
        // The event's record is its last proof's (an end's proofs begin with the start they end).
        const recordOf = (event: LiveEvent) => parseRecordId(event.event === 'session-started' || event.event === 'session-failed' ? event.proofs[0]! : event.proofs.at(-1)!)!;
        const later = (event: LiveEvent) => { const id = recordOf(event); return id.sec * 1000 + id.ms > after.sec * 1000 + after.ms || (id.sec === after.sec && id.ms === after.ms && id.serial > after.serial); };
        expect(told, `${capture} after ${bound}`).toEqual(all.filter(later));
        const since = after.sec;
        const fromTime: LiveEvent[] = [];
        const timed = new LiveCorrelator({ onEvent: (event) => fromTime.push(event), since });
        for (const text of lines) timed.push({ text, origin: capture });
        timed.flush();
        expect(fromTime).toEqual(all.filter((event) => recordOf(event).sec >= since));
      }
    }
  });
});
