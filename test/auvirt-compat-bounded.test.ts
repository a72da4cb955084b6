// auvirt --compat keeps every row until the input ends (3.0.9 prints then, and an open row can change
// until then), in pages of which only a few stay in memory. These tests hold it to the real auvirt with
// pages small enough that every scan and update reaches rows put out to the temporary file, and hold its
// memory flat on a log whose rows all stay open.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuvirtArgs } from '../verifier/auvirt/auvirt-options.js';
import { formatEvents, formatSummary } from '../verifier/auvirt/compat-format.js';
import { PageSpool, SpoolError } from '../verifier/auvirt/page-spool.js';
import { correlateCompat } from '../verifier/auvirt/run-compat.js';
import { renderScenario, scenario } from './support/lifecycle-log.js';
import { writeOpenResourcesLog } from './support/open-resources-log.js';
import { nodePeakRss, type MeasuredRun } from './support/peak-rss.js';

process.env.TZ = 'UTC';
const REAL_AUVIRT = '/usr/bin/auvirt';
const present = existsSync(REAL_AUVIRT);
if (!present) console.warn('[skip] auvirt --compat paging against the real auvirt: /usr/bin/auvirt (Debian auditd 3.x) is not installed');
const AUVIRT = fileURLToPath(new URL('../dist/cli/auvirt.js', import.meta.url));
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const MODES: ReadonlyArray<readonly string[]> = [[], ['--all-events'], ['--all-events', '--proof', '--show-uuid'], ['--summary'], ['--proof']];

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-compat-bounded-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(!present)('auvirt --compat with its rows paged out, against the real auvirt 3.0.9', () => {
  it('200 generated lifecycles, two rows a page and two pages in memory, in every mode', async () => {
    let cases = 0;
    let spooled = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (generated) => {
        const file = join(directory, `case-${cases++}.log`);
        writeFileSync(file, Buffer.from(await renderScenario(generated), 'utf8'));
        for (const mode of MODES) {
          const options = parseAuvirtArgs(['--file', file, ...mode]);
          const correlator = await correlateCompat([{ kind: 'file', path: file }], {
            correlateAvcAndAnomalies: options.allEvents || options.summary,
            filter: {},
            spool: { pageRowsShift: 1, cachedPages: 2, directory },
          });
          const ours = options.summary ? formatSummary(correlator.events) : formatEvents(correlator.events, options);
          if (correlator.events.spooledBytes > 0) spooled++;
          correlator.events.close();
          const real = spawnSync(REAL_AUVIRT, ['--file', file, ...mode], { env: ENV }).stdout.toString('latin1');
          expect(ours, `${mode.join(' ')}\n${JSON.stringify(generated)}`).toBe(real);
        }
      }),
      { numRuns: 200 },
    );
    // Most lifecycles make more than four rows: those were read back from the file.
    expect(spooled).toBeGreaterThan(MODES.length * 100);
    // Every temporary file was unnamed at once.
    expect(readdirSync(directory).filter((name) => name.startsWith('virt-audit-spool-'))).toEqual([]);
  }, 600_000);
});

describe('auvirt --compat memory on rows that all stay open', () => {
  const small = join(directory, 'open-small.log');
  const large = join(directory, 'open-large.log');
  const spoolDirectory = join(directory, 'spool');
  beforeAll(() => {
    writeOpenResourcesLog(small, 60_000, 1);
    writeOpenResourcesLog(large, 800_000, 2);
    mkdirSync(spoolDirectory);
  }, 300_000);

  /** auvirt --compat as its bin runs it; its output and its peak RSS (MB) from /usr/bin/time. */
  function compat(file: string, env: NodeJS.ProcessEnv = {}): MeasuredRun {
    return nodePeakRss([AUVIRT, '--compat', '--all-events', '--proof', '--file', file], { env: { ...ENV, TMPDIR: spoolDirectory, ...env } });
  }


  it.skipIf(!existsSync('/usr/bin/time'))('800,000 lines of open resources: the real auvirt\'s bytes, under 200 MB, within 40 MB of 60,000 lines, the temporary file gone', () => {
    const few = compat(small);
    const many = compat(large);
    expect(few.status, few.stderr).toBe(0);
    expect(many.status, many.stderr).toBe(0);
    // Kept in memory, the rows of 800,000 lines took 90 MB more than those of 60,000 (120 bytes a row).
    expect(many.peakMb).toBeLessThanOrEqual(200);
    expect(many.peakMb - few.peakMb).toBeLessThanOrEqual(40);
    expect(readdirSync(spoolDirectory)).toEqual([]);
    if (present) {
      const real = spawnSync(REAL_AUVIRT, ['--all-events', '--proof', '--file', large], { env: ENV, maxBuffer: 1 << 30 });
      expect(many.stdout.equals(real.stdout)).toBe(true);
    }
  }, 900_000);

  it('a temporary directory that does not exist: the error names it, exit 1, nothing written', () => {
    const result = compat(large, { TMPDIR: join(directory, 'absent') });
    expect(result.status).toBe(1);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toContain(`Error: cannot make a temporary file in ${join(directory, 'absent')}`);
  }, 300_000);

  const root = process.getuid?.() === 0;
  it.skipIf(!root)('a full disk (a 2 MiB tmpfs): the error says so, exit 1, nothing written', () => {
    const full = join(directory, 'full');
    mkdirSync(full);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', full]);
    if (mount.status !== 0) {
      console.warn(`[skip] cannot mount a tmpfs: ${mount.stderr.toString()}`);
      return;
    }
    try {
      const result = compat(large, { TMPDIR: full });
      expect(result.status).toBe(1);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr).toContain(`Error: cannot write the temporary file in ${full}`);
      expect(result.stderr).toContain('no space left on the device (ENOSPC)');
      expect(readdirSync(full)).toEqual([]);
    } finally {
      spawnSync('umount', [full]);
    }
  }, 300_000);
});

describe('PageSpool', () => {
  it('gives back every page as last written, whatever the order of use (generated)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 300 }),
        (cached, steps) => {
          const spool = new PageSpool(16, cached, directory);
          const expected: number[][] = [];
          try {
            for (const [pick, allocate, value] of steps) {
              if (allocate || expected.length === 0) {
                const id = spool.allocate();
                expect(id).toBe(expected.length);
                expected.push(new Array<number>(16).fill(0));
              }
              const id = pick % expected.length;
              const forWrite = value % 2 === 0;
              const bytes = new Uint8Array(spool.page(id, forWrite));
              expect([...bytes]).toEqual(expected[id]);
              if (forWrite) {
                bytes[value % 16] = value;
                expected[id]![value % 16] = value;
              }
            }
            if (expected.length > cached) expect(spool.spooledBytes).toBeGreaterThan(0);
          } finally {
            spool.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a page asked for that was never allocated is an error', () => {
    const spool = new PageSpool(16, 1, directory);
    spool.allocate();
    expect(() => spool.page(1, false)).toThrow(RangeError);
    spool.close();
    expect(new SpoolError('x').name).toBe('SpoolError');
  });
});
