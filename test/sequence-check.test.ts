// The sequence checker keeps its state lean (a ring for the recent serials, a floor under the missing
// ones); for any stream of stamps it must warn exactly as the plain statement of its rules below does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceChecker, type SequenceWarning } from '../verifier/sequence-check.js';

const WINDOW = 1000;

interface Stamp {
  readonly node: string | null;
  readonly type: string;
  readonly sec: number;
  readonly ms: number;
  readonly serial: number;
}

/** The rules, written plainly: every recent serial in a Map, every gap re-scanned on every record. */
function modelWarnings(stamps: readonly Stamp[]): SequenceWarning[] {
  const warnings: SequenceWarning[] = [];
  const nodes = new Map<string, { lastSerial: number; lastTimeMs: number; maxSerial: number; recent: Map<number, number>; missing: Map<number, { line: number; type: string }> }>();
  const closeGaps = (missing: Map<number, { line: number; type: string }>, before: number) => {
    const due = [...missing.keys()].filter((serial) => serial < before).sort((a, b) => a - b);
    let index = 0;
    while (index < due.length) {
      const first = due[index]!;
      let last = first;
      while (due[index + 1] === last + 1) last = due[++index]!;
      index++;
      const position = missing.get(first)!;
      for (let serial = first; serial <= last; serial++) missing.delete(serial);
      warnings.push({ file: 'f', ...position, serial: last + 1, rule: 'serial-gap', message: first === last ? `serial ${first} never appeared` : `serials ${first}–${last} never appeared` });
    }
  };
  stamps.forEach((stamp, index) => {
    const line = index + 1;
    if (stamp.type.startsWith('DAEMON_')) return;
    const timeMs = stamp.sec * 1000 + stamp.ms;
    const key = stamp.node ?? '';
    const state = nodes.get(key);
    if (state === undefined) {
      nodes.set(key, { lastSerial: stamp.serial, lastTimeMs: timeMs, maxSerial: stamp.serial, recent: new Map([[stamp.serial, timeMs]]), missing: new Map() });
      return;
    }
    const report = (rule: SequenceWarning['rule'], message: string) => warnings.push({ file: 'f', line, type: stamp.type, serial: stamp.serial, rule, message });
    const seenAt = state.recent.get(stamp.serial);
    if (seenAt !== undefined) {
      if (seenAt !== timeMs) report('duplicate-serial', `serial ${stamp.serial} was already used at ${new Date(seenAt).toISOString()}`);
      return;
    }
    const reset = stamp.serial > state.maxSerial + WINDOW || stamp.serial < state.maxSerial - WINDOW;
    if (!reset && stamp.serial > state.lastSerial && timeMs < state.lastTimeMs) {
      report('time-backwards', `time went back from ${new Date(state.lastTimeMs).toISOString()} to ${new Date(timeMs).toISOString()} while serials rose`);
    }
    if (reset) {
      closeGaps(state.missing, Infinity);
      report('serial-reset', `serial jumped from ${state.maxSerial} to ${stamp.serial} (auditd or host restart, or records lost)`);
      state.recent.clear();
      state.maxSerial = stamp.serial;
    } else if (stamp.serial > state.maxSerial) {
      for (let missing = state.maxSerial + 1; missing < stamp.serial; missing++) state.missing.set(missing, { line, type: stamp.type });
      state.maxSerial = stamp.serial;
      closeGaps(state.missing, stamp.serial - WINDOW);
    } else {
      state.missing.delete(stamp.serial);
    }
    state.recent.set(stamp.serial, timeMs);
    if (state.recent.size > WINDOW) state.recent.delete(state.recent.keys().next().value!);
    state.lastSerial = stamp.serial;
    state.lastTimeMs = timeMs;
  });
  for (const state of nodes.values()) closeGaps(state.missing, Infinity);
  return warnings;
}

/** Streams of stamps as logs have them: mostly rising serials, records of one event in a row, and every oddity. */
const stampsOn = (nodes: ReadonlyArray<string | null>, minLength: number, maxLength: number, resets = true) => fc
  .array(
    fc.record({
      step: fc.oneof({ weight: 12, arbitrary: fc.constant(1) }, { weight: 4, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 40 }) },
        { weight: 1, arbitrary: fc.integer({ min: -30, max: -1 }) }, { weight: resets ? 1 : 0, arbitrary: fc.constantFrom(1500, -1500, 900, -990) }),
      msStep: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: -3000, max: -1 }) }),
      node: fc.constantFrom(...nodes),
      type: fc.constantFrom('SYSCALL', 'PATH', 'VIRT_CONTROL', 'DAEMON_START'),
    }),
    { minLength, maxLength, size: 'max' },
  )
  .map((steps) => {
    let serial = 100;
    let timeMs = 1_709_975_000_000;
    return steps.map(({ step, msStep, node, type }): Stamp => {
      serial = Math.max(1, serial + step);
      if (step !== 0) timeMs += msStep;
      return { node, type, sec: Math.floor(timeMs / 1000), ms: timeMs % 1000, serial };
    });
  });

const checkedAsModel = (stream: readonly Stamp[]): void => {
  const warnings: SequenceWarning[] = [];
  const checker = new SequenceChecker((warning) => warnings.push(warning));
  stream.forEach((stamp, index) => checker.checkStamp('f', index + 1, stamp.type, stamp.node, stamp.sec, stamp.ms, stamp.serial));
  checker.finish();
  expect(warnings).toEqual(modelWarnings(stream));
};

describe('SequenceChecker', () => {
  it('warns exactly as the plain statement of its rules, for any stream of stamps', () => {
    fc.assert(fc.property(stampsOn([null, null, null, 'hv1', 'hv2'], 0, 400), checkedAsModel), { numRuns: 300 });
  });

  it('forgets the oldest recent serial, not another, once more than its window have been seen (one node, long streams)', () => {
    // Unshrunk on failure: shrinking streams this long takes minutes.
    fc.assert(fc.property(stampsOn([null], 1500, 2500, false), checkedAsModel), { numRuns: 60, endOnFailure: true });
  });

  it('finds gaps, duplicates, time going back and resets in a small log', () => {
    const warnings: SequenceWarning[] = [];
    const checker = new SequenceChecker((warning) => warnings.push(warning));
    const feed: Array<[number, number]> = [[10, 0], [11, 10], [11, 10], [14, 20], [12, 30], [12, 40], [15, 5], [5000, 50]];
    feed.forEach(([serial, ms], index) => checker.checkStamp('f', index + 1, 'SYSCALL', null, 100, ms, serial));
    checker.finish();
    expect(warnings.map((warning) => `${warning.line}:${warning.rule}:${warning.serial}`)).toEqual([
      '6:duplicate-serial:12', '7:time-backwards:15', '4:serial-gap:14', '8:serial-reset:5000',
    ]);
  });

  it('serials past 2^53 are passed over, not counted one by one (a gap there never ended)', () => {
    const warnings: string[] = [];
    const checker = new SequenceChecker((warning) => warnings.push(warning.rule));
    const started = Date.now();
    for (const serial of [9007199254740993, 9007199254741000, 9007199254742000]) checker.checkStamp('x.log', 1, 'VIRT_CONTROL', null, 1700000000, 0, serial);
    checker.checkStamp('x.log', 2, 'VIRT_CONTROL', null, 1700000001, 0, 5);
    checker.checkStamp('x.log', 3, 'VIRT_CONTROL', null, 1700000001, 0, 7);
    checker.finish();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warnings).toEqual(['serial-gap']);
  });
});
