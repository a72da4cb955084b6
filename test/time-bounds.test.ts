// The reading commands' dates: --compat exactly audit 3.0.9's (time-keywords.ts, tested against the real
// tools elsewhere); default mode also ISO 8601 and relative times, checked against GNU date's parser on
// generated dates (with and without a zone, in several time zones) and refused where GNU date refuses.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveBound } from '../verifier/auvirt/time-keywords.js';
import { ACCEPTED_DATES, resolveTimeBound } from '../verifier/time-bounds.js';

const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

/** GNU date's seconds for each text (one per line), in `zone`; null where it refuses one. */
function gnuDate(texts: readonly string[], zone: string): Array<number | null> {
  // One shell for all: a line per text, `refused` where date refuses it.
  const script = 'while IFS= read -r text; do date -d "$text" +%s 2>/dev/null || echo refused; done';
  const result = spawnSync('bash', ['-c', script], { input: `${texts.join('\n')}\n`, env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(texts.length);
  return lines.map((line) => (line === 'refused' ? null : Number(line)));
}

/** Ours, run in `zone` (a child process: Node reads TZ once). */
function ours(texts: readonly string[], zone: string): Array<number | string> {
  const script = `
    const { resolveTimeBound } = await import(${JSON.stringify(new URL('../dist/verifier/time-bounds.js', import.meta.url).href)});
    const out = JSON.parse(process.argv[1]).map((text) => { try { return resolveTimeBound('start', { date: text }, { compat: false }); } catch (error) { return error.message; } });
    process.stdout.write(JSON.stringify(out));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(texts)], { env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Array<number | string>;
}

const two = (value: number): string => String(value).padStart(2, '0');
const isoDate = fc
  .record({
    year: fc.integer({ min: 2004, max: 2037 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    time: fc.option(fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }), second: fc.option(fc.integer({ min: 0, max: 59 })) })),
    zone: fc.option(fc.oneof(fc.constant('Z'), fc.record({ sign: fc.constantFrom('+', '-'), hours: fc.integer({ min: 0, max: 14 }), minutes: fc.constantFrom(0, 30, 45) }).map(({ sign, hours, minutes }) => `${sign}${two(hours)}:${two(minutes)}`))),
  })
  .map(({ year, month, day, time, zone }) => {
    const date = `${year}-${two(month)}-${two(day)}`;
    if (time === null) return date;
    // A zone without a time of day is not ISO 8601's calendar date: only with a time.
    return `${date}T${two(time.hour)}:${two(time.minute)}${time.second === null ? '' : `:${two(time.second)}`}${zone ?? ''}`;
  });

describe('default mode: ISO 8601 dates as GNU date reads them', () => {
  it('generated dates, times and zones give the seconds GNU date gives, in several time zones; impossible dates are refused by both', () => {
    // Generated ones, and dates the calendar lacks (a leap day in a common year, the 31st of a short month).
    const texts = [...fc.sample(isoDate, { numRuns: 60, seed: 20261205 }), '2026-02-29', '2024-02-29T12:00', '2026-04-31T10:00:00Z', '2026-02-30'];
    let refused = 0;
    for (const zone of ZONES) {
      const expected = gnuDate(texts, zone);
      const got = ours(texts, zone);
      texts.forEach((text, index) => {
        const gnu = expected[index]!;
        if (gnu === null) {
          refused++;
          expect(String(got[index]), `${zone} ${text}`).toMatch(/no such date or time.*accepted: YYYY-MM-DD/);
        } else {
          expect(got[index], `${zone} ${text}`).toBe(gnu);
        }
      });
    }
    // 2026-02-29, 2026-04-31, 2026-02-30 in each zone (2024-02-29 is a day), and any the sample holds.
    expect(refused).toBeGreaterThanOrEqual(3 * ZONES.length);
  });

  it('a date with a time given apart is the same instant as written together', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2004-01-01'), max: new Date('2037-12-31'), noInvalidDate: true }), (date) => {
        const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
        const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
        expect(resolveTimeBound('end', { date: day, time }, { compat: false })).toBe(resolveTimeBound('end', { date: `${day}T${time}` }, { compat: false }));
      }),
    );
  });
});

describe('default mode: times ago, the audit forms, and what a bad date is told', () => {
  it('-Ns, -Nm, -Nh, -Nd, -Nw go back from now', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(['s', 1], ['m', 60], ['h', 3600], ['d', 86_400], ['w', 604_800]), (count, [unit, seconds]) => {
        expect(resolveTimeBound('start', { date: `-${count}${unit}` }, { compat: false, now })).toBe(now.getTime() / 1000 - count * (seconds as number));
      }),
    );
  });

  it('MM/DD/YY and the keywords mean what audit 3.0.9 makes of them', () => {
    const now = new Date(2026, 11, 5, 12, 34, 56);
    for (const [date, time] of [['12/01/26', undefined], ['12/01/26', '10:00'], ['today', undefined], ['yesterday', '08:00:00'], ['this-week', undefined], ['now', undefined]] as const) {
      const given = time === undefined ? { date } : { date, time };
      expect(resolveTimeBound('start', given, { compat: false, now }), `${date} ${time}`).toBe(resolveBound('start', date, time ?? '00:00:00', now));
    }
  });

  it('a bad date names every format accepted; --compat answers as 3.0.9 does and takes no ISO date', () => {
    for (const bad of ['2026-12-01T25:00', 'tomorrow', '-2y', '12/01/2026', '2026-12-01T10:00+5']) {
      expect(() => resolveTimeBound('start', { date: bad }, { compat: false }), bad).toThrow(ACCEPTED_DATES);
    }
    expect(() => resolveTimeBound('start', { date: '2026-12-01' }, { compat: true })).toThrow('Invalid start date (2026-12-01). Month, Day, and Year are required.');
    expect(() => resolveTimeBound('end', { date: '-2h' }, { compat: true })).toThrow('Invalid end date (-2h). Month, Day, and Year are required.');
    expect(ACCEPTED_DATES).toMatch(/YYYY-MM-DD.*-2h.*MM\/DD\/YY.*today/);
  });
});
