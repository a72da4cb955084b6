// Damaged copies of a real capture for the damaged-log suite: cuts at byte positions of its first 4 KB
// (a stride of them per run, every position over STRIDE runs), seeded random splices, CR LF, NUL bytes,
// over-long lines, absurd stamps and serials.
import fc from 'fast-check';

export interface DamagedLog {
  readonly name: string;
  readonly bytes: Buffer;
}

/** Every STRIDE-th byte position is cut per run: `offset` 0 … STRIDE-1 covers them all. */
export const CUT_STRIDE = 32;
export const CUT_SPAN = 4096;

/**
 * The run's offset among the stride: VIRT_AUDIT_CUT_OFFSET, else the day (UTC) modulo the stride, so
 * that runs on STRIDE successive days cut at every position of the first 4 KB; named in the test titles.
 */
export function cutOffset(now = new Date()): number {
  const set = process.env.VIRT_AUDIT_CUT_OFFSET;
  if (set !== undefined && /^\d+$/.test(set)) return Number(set) % CUT_STRIDE;
  return Math.floor(now.getTime() / 86_400_000) % CUT_STRIDE;
}

/** The capture cut after byte `at` (at < 4096), for each `at` of the run's stride. */
export function cuts(name: string, capture: Buffer, offset: number): DamagedLog[] {
  const logs: DamagedLog[] = [];
  for (let at = offset; at < Math.min(CUT_SPAN, capture.length); at += CUT_STRIDE) logs.push({ name: `${name} cut at byte ${at}`, bytes: capture.subarray(0, at) });
  return logs;
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Seeded splices: pieces of the captures' first 16 KB end to end, each cut anywhere. */
export function splices(captures: readonly Buffer[], seed: number, count: number): DamagedLog[] {
  const piece = fc.tuple(fc.nat(captures.length - 1), fc.nat(16_384), fc.nat(2_000)).map(([which, start, length]) => {
    const capture = captures[which]!;
    const from = start % Math.max(1, Math.min(capture.length, 16_384));
    return capture.subarray(from, from + length);
  });
  return fc.sample(fc.array(piece, { minLength: 2, maxLength: 6 }), { seed, numRuns: count }).map((pieces, index) => ({ name: `splice ${seed}/${index}`, bytes: Buffer.concat(pieces) }));
}

/** Whole lines of the capture, each changed by `change` where `pick` says. */
function lineWise(capture: Buffer, change: (line: string, index: number) => string): Buffer {
  return latin1(capture.toString('latin1').split('\n').map(change).join('\n'));
}

/** CR LF, absurd stamps and serials (each kind applied to every VIRT line, or to some). */
export function lineDamages(name: string, capture: Buffer): DamagedLog[] {
  const virt = (line: string): boolean => /^(?:node=\S* )?type=VIRT_/.test(line);
  // One VIRT line, the seventh: a log with one record of an absurd stamp or serial among sane ones.
  const lines = capture.toString('latin1').split('\n');
  const target = lines.map((line, index) => (virt(line) ? index : -1)).filter((index) => index !== -1)[6];
  const stamp = (replace: string) => (line: string, index: number) => (index === target ? line.replace(/audit\(\d+\.\d{3}:/, `audit(${replace}:`) : line);
  const serial = (replace: string) => (line: string, index: number) => (index === target ? line.replace(/:(\d+)\)/, `:${replace})`) : line);
  return [
    { name: `${name} CR LF`, bytes: lineWise(capture, (line) => (line === '' ? line : `${line}\r`)) },
    { name: `${name} stamp 99999999999999.000`, bytes: lineWise(capture, stamp('99999999999999.000')) },
    { name: `${name} stamp 2^64-1`, bytes: lineWise(capture, stamp('18446744073709551615.000')) },
    { name: `${name} stamp beyond unsigned long`, bytes: lineWise(capture, stamp('99999999999999999999.000')) },
    { name: `${name} stamp where the year leaves int`, bytes: lineWise(capture, stamp('67768036191676800.000')) },
    { name: `${name} serial 2^53+1`, bytes: lineWise(capture, serial('9007199254740993')) },
    { name: `${name} serial 2^64-1`, bytes: lineWise(capture, serial('18446744073709551615')) },
    { name: `${name} 400-digit serial`, bytes: lineWise(capture, serial('9'.repeat(400))) },
  ];
}

/** NUL bytes and over-long lines (over 64 KiB), where the readers of the real tools differ most. */
export function byteDamages(name: string, capture: Buffer, seed: number): DamagedLog[] {
  const lines = capture.toString('latin1').split('\n');
  const picks = fc.sample(fc.nat(lines.length - 1), { seed, numRuns: 5 });
  return [
    { name: `${name} NUL inside lines`, bytes: latin1(lines.map((line, index) => (picks.includes(index) ? `${line.slice(0, 40)}\0${line.slice(40)}` : line)).join('\n')) },
    { name: `${name} 70 KB lines`, bytes: latin1(lines.map((line, index) => (picks.includes(index) ? `${line} ${'x'.repeat(70_000)}` : line)).join('\n')) },
  ];
}
