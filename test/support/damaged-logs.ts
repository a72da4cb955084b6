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

/** The VIRT lines of a capture, with the index of each in its lines. */
function virtLines(capture: Buffer): { lines: string[]; virt: number[] } {
  const lines = capture.toString('latin1').split('\n');
  const virt = lines.map((line, index) => (/^(?:node=\S* )?type=VIRT_/.test(line) ? index : -1)).filter((index) => index !== -1);
  return { lines, virt };
}

/**
 * Stamps whose millis are not three digits (one, two, four, none, leading zeros, 999 and 1000), each on a
 * run of VIRT lines at generated places; the real tools read millis with strtoul and refuse past 999.
 */
export function stampWidths(name: string, capture: Buffer, seed: number): DamagedLog[] {
  const { lines, virt } = virtLines(capture);
  const picks = fc.sample(fc.constantFrom(...virt), { seed, numRuns: 6 });
  const forms = ['.5', '.05', '.0005', '', '.999', '.1000', '.00000000000000000000001', '.4294967296'];
  return forms.map((millis) => ({
    name: `${name} millis written ${JSON.stringify(millis)}`,
    bytes: latin1(lines.map((line, index) => (picks.includes(index) ? line.replace(/audit\((\d+)\.\d{3}:/, `audit($1${millis}:`) : line)).join('\n')),
  }));
}

/**
 * Serials past 2^53 and up to 2^64−1 on VIRT lines sharing a stamp, in generated order: exact serials
 * order and split events where a double would not (2^53 and 2^53+1 are the same double).
 */
export function serialTies(name: string, capture: Buffer, seed: number): DamagedLog[] {
  const { lines, virt } = virtLines(capture);
  const big = [2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 2n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n];
  const orders = fc.sample(fc.shuffledSubarray(big, { minLength: 3 }), { seed, numRuns: 4 });
  return orders.map((serials, run) => {
    const start = virt[(seed + run * 7) % Math.max(1, virt.length - serials.length)] ?? 0;
    const stamp = /audit\((\d+\.\d{3}):/.exec(lines[start] ?? '')?.[1] ?? '1795337868.097';
    const changed = [...lines];
    serials.forEach((serial, offset) => {
      const at = virt[virt.indexOf(start) + offset];
      if (at !== undefined) changed[at] = changed[at]!.replace(/audit\(\d+\.\d{3}:\d+\)/, `audit(${stamp}:${serial})`);
    });
    return { name: `${name} serials ${serials.join(', ')} at one stamp`, bytes: latin1(changed.join('\n')) };
  });
}

/**
 * Lines at ausearch's fgets piece (8969 bytes): just under, at and over it, and one whose second piece
 * starts with a whole VIRT record (the real tools then read that piece as a record of its own).
 */
export function pieceBoundaries(name: string, capture: Buffer): DamagedLog[] {
  const { lines, virt } = virtLines(capture);
  const target = virt[3] ?? 0;
  const padded = (length: number) => (line: string) => `${line} ${'x'.repeat(Math.max(0, length - line.length - 1))}`;
  const forged = (line: string): string => `${padded(8969)(line)}${lines[virt[5] ?? 0]!}`;
  return [8968, 8969, 8970, 17938, 17939].map((length) => ({ name: `${name} a line of ${length} bytes`, bytes: latin1(lines.map((line, index) => (index === target ? padded(length)(line) : line)).join('\n')) })).concat([
    { name: `${name} a record in a long line's second piece`, bytes: latin1(lines.map((line, index) => (index === target ? forged(line) : line)).join('\n')) },
  ]);
}

/** NULs at generated places of generated lines: in the header, the stamp, the body, alone on a line. */
export function nulPlaces(name: string, capture: Buffer, seed: number): DamagedLog[] {
  const lines = capture.toString('latin1').split('\n');
  return fc.sample(fc.array(fc.tuple(fc.nat(lines.length - 1), fc.nat(400)), { minLength: 1, maxLength: 8 }), { seed, numRuns: 4 }).map((places, run) => ({
    name: `${name} NULs ${run} (seed ${seed})`,
    bytes: latin1(
      lines
        .map((line, index) => {
          const at = places.find(([where]) => where === index);
          return at === undefined ? line : `${line.slice(0, at[1])}\0${line.slice(at[1])}`;
        })
        .join('\n'),
    ),
  }));
}
