// Lines no reading command can read as records (longer than 64 KiB, holding a NUL) are counted and named
// on stderr by auvirt (default mode), search and aureport, which then exit 1, from a file (read on another thread) as from
// stdin; auvirt --compat keeps 3.0.9's silence.
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { RAW_CAPTURE } from './support/examples.js';

const AUVIRT = fileURLToPath(new URL('../dist/cli/auvirt.js', import.meta.url));
const capture = readFileSync(RAW_CAPTURE, 'latin1').split('\n').filter((line) => line !== '');
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-dropped-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** VIRT records, which every one of the commands reads (a line whose header shows a type a command passes over is not lost to it). */
const virtLines = capture.flatMap((line, index) => (line.startsWith('type=VIRT_') ? [index] : []));

type Damage = 'nul' | 'long';
/** The capture with some VIRT lines damaged: a NUL put inside, or grown past 64 KiB. */
const damagedLogs = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...virtLines), fc.constantFrom<Damage>('nul', 'long'), fc.nat(200)), { minLength: 0, maxLength: 6, selector: ([line]) => line })
  .map((damages) => {
    const byLine = new Map(damages.map(([line, damage, at]) => [line, { damage, at }]));
    const lines = capture.map((line, index) => {
      const change = byLine.get(index);
      if (change === undefined) return line;
      const at = change.at % line.length;
      return change.damage === 'nul' ? `${line.slice(0, at)}\0${line.slice(at)}` : `${line} ${'x'.repeat(65_536 + change.at)}`;
    });
    const sorted = [...byLine].sort(([a], [b]) => a - b);
    // A failure names the damages, not the whole log.
    return { text: `${lines.join('\n')}\n`, damages: sorted, [fc.toStringMethod]: () => `damages ${JSON.stringify(sorted)}` };
  });

/** What the command says on stderr (src/reader/unread-lines.ts's describeUnread): how many, and the first one. */
function expectedMessage(command: string, file: string, damages: ReadonlyArray<readonly [number, { damage: Damage }]>): string {
  if (damages.length === 0) return '';
  const [line, { damage }] = damages[0]!;
  const why = damage === 'long' ? 'line is longer than the maximum record length' : 'line holds a NUL byte';
  return `${command}: ${damages.length} line${damages.length === 1 ? '' : 's'} could not be read; the first at ${file}:${line + 1}: ${why}\n`;
}

const run = (args: readonly string[], input?: string) => spawnSync(process.execPath, args, { input: input === undefined ? undefined : Buffer.from(input, 'latin1'), encoding: 'latin1', env: { ...process.env, TZ: 'UTC' } });

describe('lines that cannot be records are counted on stderr', () => {
  it('by auvirt, search and aureport, from a file and from stdin; not by auvirt --compat', () => {
    let counter = 0;
    fc.assert(
      fc.property(damagedLogs, ({ text, damages }) => {
        const path = join(directory, `log-${counter++}.log`);
        writeFileSync(path, text, 'latin1');
        const commands: Array<[string, string[], string[]]> = [
          ['auvirt', [AUVIRT, '--all-events', '--file', path], [AUVIRT, '--all-events', '--stdin']],
          ['search', [CLI, 'search', '--vm', 'vacap', path], [CLI, 'search', '--vm', 'vacap', '-']],
          ['aureport', [CLI, 'aureport', '--virt', '-if', path], [CLI, 'aureport', '--virt']],
        ];
        for (const [command, fromFile, fromStdin] of commands) {
          for (const [result, where] of [[run(fromFile), path], [run(fromStdin, text), '<stdin>']] as const) {
            expect(result.stderr, `${command} ${where}`).toBe(expectedMessage(command, where, damages));
            // The output is then not the whole story: exit 1 (search also exits 1 when nothing matched).
            if (damages.length > 0) expect(result.status, `${command} ${where}`).toBe(1);
          }
        }
        expect(run([AUVIRT, '--compat', '--all-events', '--file', path]).stderr).toBe('');
      }),
      { numRuns: 6 },
    );
  }, 240_000);
});
