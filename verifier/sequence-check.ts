import type { AuditRecord } from '../src/index.js';
import { isoTime } from './local-time.js';

export interface SequenceWarning {
  readonly file: string;
  readonly line: number;
  readonly type: string;
  readonly serial: number | null;
  readonly rule: 'duplicate-serial' | 'time-backwards' | 'serial-gap' | 'serial-reset';
  readonly message: string;
}

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly type: string;
}

interface NodeState {
  lastSerial: number;
  lastTimeMs: number;
  maxSerial: number;
  /** serial → time of the events seen lately, to tell a duplicate from the same event's next record. */
  readonly recent: Map<number, number>;
  /** The serials of `recent` in the order they came, oldest at `recentHead`: the next to leave. */
  readonly recentOrder: Float64Array;
  recentHead: number;
  /** serials skipped over, still expected (events are not always delivered in serial order). */
  readonly missing: Map<number, Position>;
  /** No serial in `missing` is lower (it may be lower than all of them: a late one arrived). */
  missingFloor: number;
}

/** Serials more than this far back are no longer expected to arrive late; larger jumps are resets. */
const WINDOW = 1000;

function newState(serial: number, timeMs: number): NodeState {
  const state: NodeState = {
    lastSerial: serial, lastTimeMs: timeMs, maxSerial: serial, recent: new Map(), recentOrder: new Float64Array(WINDOW + 1), recentHead: 0,
    missing: new Map(), missingFloor: Infinity,
  };
  remember(state, serial, timeMs);
  return state;
}

/** Adds a serial not in `recent`, and lets the oldest go beyond WINDOW. */
function remember(state: NodeState, serial: number, timeMs: number): void {
  const { recent, recentOrder } = state;
  recentOrder[(state.recentHead + recent.size) % recentOrder.length] = serial;
  recent.set(serial, timeMs);
  if (recent.size > WINDOW) {
    recent.delete(recentOrder[state.recentHead]!);
    state.recentHead = (state.recentHead + 1) % recentOrder.length;
  }
}

/**
 * Checks each node's event sequence without a correlator. auditd's own DAEMON_* records carry
 * auditd's serials, not the kernel's, and are left out.
 */
export class SequenceChecker {
  private readonly nodes = new Map<string, NodeState>();
  private lastNode: string | null | undefined = undefined;
  private lastState: NodeState | undefined;

  constructor(private readonly warn: (warning: SequenceWarning) => void) {}

  check(record: AuditRecord): void {
    if (record.time === null || record.serial === null) return;
    this.checkStamp(record.file, record.line, record.type, record.node, record.time.sec, record.time.ms, record.serial);
  }

  /** `check` for a record read from its header alone. */
  checkStamp(file: string, line: number, type: string, node: string | null, sec: number, ms: number, serial: number): void {
    if (type.startsWith('DAEMON_')) return;
    // Past 2^53 a serial is not exact as a number (serial + 1 can equal serial): such records are not
    // sequence-checked rather than checked wrong (counting the serials of a gap there never ended).
    if (!Number.isSafeInteger(serial)) return;
    const timeMs = sec * 1000 + ms;
    let state = node === this.lastNode ? this.lastState : undefined;
    if (state === undefined) {
      const key = node ?? '';
      state = this.nodes.get(key);
      if (state === undefined) {
        this.nodes.set(key, newState(serial, timeMs));
        return;
      }
      this.lastNode = node;
      this.lastState = state;
    }
    // The next record of the event just seen: the most common case by far.
    if (serial === state.lastSerial && timeMs === state.lastTimeMs) return;
    const seenAt = state.recent.get(serial);
    if (seenAt !== undefined) {
      if (seenAt !== timeMs) this.report(file, line, type, serial, 'duplicate-serial', `serial ${serial} was already used at ${isoTime(seenAt)}`);
      return;
    }
    const reset = serial > state.maxSerial + WINDOW || serial < state.maxSerial - WINDOW;
    if (!reset && serial > state.lastSerial && timeMs < state.lastTimeMs) {
      this.report(file, line, type, serial, 'time-backwards', `time went back from ${isoTime(state.lastTimeMs)} to ${isoTime(timeMs)} while serials rose`);
    }
    if (reset) {
      this.closeGaps(state, Infinity);
      this.report(file, line, type, serial, 'serial-reset', `serial jumped from ${state.maxSerial} to ${serial} (auditd or host restart, or records lost)`);
      state.recent.clear();
      state.recentHead = 0;
      state.maxSerial = serial;
    } else if (serial > state.maxSerial) {
      if (serial > state.maxSerial + 1) {
        const position: Position = { file, line, type };
        for (let missing = state.maxSerial + 1; missing < serial; missing++) state.missing.set(missing, position);
        state.missingFloor = Math.min(state.missingFloor, state.maxSerial + 1);
      }
      state.maxSerial = serial;
      this.closeGaps(state, serial - WINDOW);
    } else {
      state.missing.delete(serial);
    }
    remember(state, serial, timeMs);
    state.lastSerial = serial;
    state.lastTimeMs = timeMs;
  }

  /** Reports the gaps still open at the end of the input. */
  finish(): void {
    for (const state of this.nodes.values()) this.closeGaps(state, Infinity);
  }

  /** Reports the missing serials below `before`, as ranges. */
  private closeGaps(state: NodeState, before: number): void {
    if (state.missingFloor >= before) return;
    const due = [...state.missing.keys()].filter((serial) => serial < before).sort((a, b) => a - b);
    let index = 0;
    while (index < due.length) {
      const first = due[index]!;
      let last = first;
      while (due[index + 1] === last + 1) last = due[++index]!;
      index++;
      const position = state.missing.get(first)!;
      for (let serial = first; serial <= last; serial++) state.missing.delete(serial);
      this.warn({
        ...position,
        serial: last + 1,
        rule: 'serial-gap',
        message: first === last ? `serial ${first} never appeared` : `serials ${first}–${last} never appeared`,
      });
    }
    let floor = Infinity;
    for (const serial of state.missing.keys()) floor = Math.min(floor, serial);
    state.missingFloor = floor;
  }

  private report(file: string, line: number, type: string, serial: number, rule: SequenceWarning['rule'], message: string): void {
    this.warn({ file, line, type, serial, rule, message });
  }
}
