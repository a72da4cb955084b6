// The file follower against a log written, rotated and truncated by the test while it runs (no daemon):
// partial lines wait for their end, a rotation finishes the old file then reads the new one, nothing is
// lost or doubled, truncation starts the file again, a saved position goes on where it stopped.
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileFollower, type FollowOptions } from '../verifier/live/file-follower.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lines handed out by a follower while `act` writes; stops once `until` holds of the lines (or 10 s). */
async function follow(options: FollowOptions, act: (lines: string[]) => Promise<void>, until: (lines: string[]) => boolean): Promise<{ lines: string[]; follower: FileFollower }> {
  const follower = new FileFollower(options);
  const lines: string[] = [];
  const reading = (async () => {
    for await (const line of follower) lines.push(line.text);
  })();
  await act(lines);
  const deadline = Date.now() + 10_000;
  while (!until(lines) && Date.now() < deadline) await pause(5);
  await follower.close();
  await reading;
  return { lines, follower };
}

const numbered = (from: number, count: number): string[] => Array.from({ length: count }, (_, index) => `line ${from + index}`);

describe.each([
  ['fs.watch and poll', true],
  ['poll only', false],
])('file follower (%s)', (_, watch) => {
  const directory = mkdtempSync(join(tmpdir(), `virt-audit-follow-${watch ? 'watch' : 'poll'}-`));
  let counter = 0;
  const logPath = (): string => join(directory, `audit-${counter++}`, 'audit.log');
  const makeLog = (text = ''): string => {
    const path = logPath();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  it('starts at the end by default; a partial last line waits for its newline, and so does the one it cut', async () => {
    const path = makeLog('old 1\nold 2\nhalf of a li');
    const { lines } = await follow({ path, pollMs: 20, watch }, async () => {
      await pause(60);
      appendFileSync(path, 'ne\nnew 1\nnew 2 st');
      await pause(60);
      appendFileSync(path, 'arts here');
      await pause(60);
      appendFileSync(path, ' and ends\n');
    }, (lines) => lines.length >= 2);
    expect(lines).toEqual(['new 1', 'new 2 starts here and ends']);
  });

  it('--from-start: the whole file, then what is added', async () => {
    const path = makeLog('a\nb\n');
    const { lines } = await follow({ path, start: 'start', pollMs: 20, watch }, async () => {
      await pause(40);
      appendFileSync(path, 'c\n');
    }, (lines) => lines.length >= 3);
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('rotation (renamed to audit.log.1, a new audit.log), written around it in random chunks: every line once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), async (sizes, rotations) => {
        const path = makeLog();
        const expected: string[] = [];
        const { lines, follower } = await follow({ path, start: 'start', pollMs: 10, watch }, async () => {
          let next = 0;
          for (let rotation = 0; rotation <= rotations; rotation++) {
            for (const size of sizes) {
              const batch = numbered(next, size);
              next += size;
              expected.push(...batch);
              // Lines cut anywhere: the tail of the last one waits.
              const text = `${batch.join('\n')}\n`;
              const cut = Math.floor(text.length / 2);
              appendFileSync(path, text.slice(0, cut));
              await pause(2);
              appendFileSync(path, text.slice(cut));
            }
            if (rotation < rotations) {
              // auditd: the last lines go to the old file just before the rename.
              const last = numbered(next, 3);
              next += 3;
              expected.push(...last);
              appendFileSync(path, `${last.join('\n')}\n`);
              // auditd's rotation: audit.log.N becomes N+1, audit.log becomes audit.log.1.
              for (let number = rotation; number >= 1; number--) renameSync(`${path}.${number}`, `${path}.${number + 1}`);
              renameSync(path, `${path}.1`);
              await pause(rotation % 2 === 0 ? 0 : 30);
              writeFileSync(path, '');
            }
          }
        }, (lines) => lines.length >= expected.length);
        await pause(30);
        expect(lines).toEqual(expected);
        expect(follower.rotations).toBe(rotations);
      }),
      { numRuns: 6 },
    );
  });

  it('truncation: the file is read again from its start; the cut partial line is counted as dropped', async () => {
    const path = makeLog();
    const { lines, follower } = await follow({ path, start: 'start', pollMs: 10, watch }, async (seen) => {
      appendFileSync(path, 'before 1\nbefore 2\npartial');
      while (seen.length < 2) await pause(5);
      await pause(40);
      truncateSync(path, 0);
      await pause(60);
      appendFileSync(path, 'after 1\n');
    }, (lines) => lines.length >= 3);
    expect(lines).toEqual(['before 1', 'before 2', 'after 1']);
    expect(follower.truncations).toBe(1);
    expect(follower.dropped).toBe(1);
  });

  it('a line over the limit is dropped and counted, the next one read', async () => {
    const path = makeLog();
    const { lines, follower } = await follow({ path, start: 'start', pollMs: 10, watch, maxLineBytes: 100 }, async () => {
      appendFileSync(path, `short\n${'x'.repeat(150_000)}\nnext\n`);
    }, (lines) => lines.length >= 2);
    expect(lines).toEqual(['short', 'next']);
    expect(follower.dropped).toBe(1);
  });

  it('a saved position goes on in the same file, or finishes the rotated file that has its inode, then the newer ones', async () => {
    const path = makeLog('one\ntwo\n');
    const first = await follow({ path, start: 'start', pollMs: 10, watch }, async () => undefined, (lines) => lines.length >= 2);
    const saved = first.follower.position()!;
    expect(saved.offset).toBe(8);
    // While stopped: more lines, a rotation, more lines, another rotation, more lines.
    appendFileSync(path, 'three\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'four\n');
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'five\n');
    const second = await follow({ path, start: saved, pollMs: 10, watch }, async () => undefined, (lines) => lines.length >= 3);
    expect(second.lines).toEqual(['three', 'four', 'five']);
    // --since/--after: the rotated files, oldest first, then the log.
    const all = await follow({ path, start: 'rotated', pollMs: 10, watch }, async () => undefined, (lines) => lines.length >= 5);
    expect(all.lines).toEqual(['one', 'two', 'three', 'four', 'five']);
  });
});

