import type { AuditRecord } from '../src/index.js';

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
  /** serials skipped over, still expected (events are not always delivered in serial order). */
  readonly missing: Map<number, Position>;
}

/** Serials more than this far back are no longer expected to arrive late; larger jumps are resets. */
const WINDOW = 1000;

/**
 * Checks each node's event sequence without a correlator. auditd's own DAEMON_* records carry
 * auditd's serials, not the kernel's, and are left out.
 */
export class SequenceChecker {
  private readonly nodes = new Map<string, NodeState>();

  constructor(private readonly warn: (warning: SequenceWarning) => void) {}

  check(record: AuditRecord): void {
    if (record.time === null || record.serial === null) return;
    this.checkStamp({ file: record.file, line: record.line, type: record.type }, record.node, record.time.sec, record.time.ms, record.serial);
  }

  /** `check` for a record read from its header alone. */
  checkStamp(position: Position, node: string | null, sec: number, ms: number, serial: number): void {
    if (position.type.startsWith('DAEMON_')) return;
    const timeMs = sec * 1000 + ms;
    const key = node ?? '';
    const state = this.nodes.get(key);
    if (state === undefined) {
      this.nodes.set(key, { lastSerial: serial, lastTimeMs: timeMs, maxSerial: serial, recent: new Map([[serial, timeMs]]), missing: new Map() });
      return;
    }
    const seenAt = state.recent.get(serial);
    if (seenAt !== undefined) {
      if (seenAt !== timeMs) this.report(position, serial, 'duplicate-serial', `serial ${serial} was already used at ${new Date(seenAt).toISOString()}`);
      return;
    }
    const reset = serial > state.maxSerial + WINDOW || serial < state.maxSerial - WINDOW;
    if (!reset && serial > state.lastSerial && timeMs < state.lastTimeMs) {
      this.report(position, serial, 'time-backwards', `time went back from ${new Date(state.lastTimeMs).toISOString()} to ${new Date(timeMs).toISOString()} while serials rose`);
    }
    if (reset) {
      this.closeGaps(state, Infinity);
      this.report(position, serial, 'serial-reset', `serial jumped from ${state.maxSerial} to ${serial} (auditd or host restart, or records lost)`);
      state.recent.clear();
      state.maxSerial = serial;
    } else if (serial > state.maxSerial) {
      for (let missing = state.maxSerial + 1; missing < serial; missing++) {
        state.missing.set(missing, position);
      }
      state.maxSerial = serial;
      this.closeGaps(state, serial - WINDOW);
    } else {
      state.missing.delete(serial);
    }
    state.recent.set(serial, timeMs);
    if (state.recent.size > WINDOW) state.recent.delete(state.recent.keys().next().value!);
    state.lastSerial = serial;
    state.lastTimeMs = timeMs;
  }

  /** Reports the gaps still open at the end of the input. */
  finish(): void {
    for (const state of this.nodes.values()) this.closeGaps(state, Infinity);
  }

  /** Reports the missing serials below `before`, as ranges. */
  private closeGaps(state: NodeState, before: number): void {
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
  }

  private report(position: Position, serial: number, rule: SequenceWarning['rule'], message: string): void {
    this.warn({ file: position.file, line: position.line, type: position.type, serial, rule, message });
  }
}
