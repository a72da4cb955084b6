// `ausearch -i`'s text for an event, ported from audit-userspace 3.0.9 src/ausearch-report.c
// (output_interpreted, output_interpreted_record, report_interpret) and ausearch-lookup.c
// (safe_print_string): how a record is cut into name=value pieces and printed is ausearch's own code,
// redone here byte for byte on a copy of the line (NULs written where ausearch writes them, C string
// semantics kept); each value's interpretation is libauparse's own (auparse-interpretation.ts).
import type { AuditRecord } from '../../src/model/audit-record.js';
import type { AuditEvent } from '../../src/reader/event-grouper.js';
import { AUPARSE_TYPE_MAC_LABEL, AUPARSE_TYPE_TTY_DATA, AUPARSE_TYPE_UNCLASSIFIED, type AuparseInterpretation } from './auparse-interpretation.js';
import { strtoul } from './aureport-record.js';
import { AUDIT_SECCOMP, AUDIT_SYSCALL, syscallArguments } from './syscall-arguments.js';
import { rawLineOf } from './virt-search.js';

const AUDIT_DAEMON_START = 1200;
const AUDIT_INTERP_SEPARATOR = 0x1d;
const AUDIT_KEY_SEPARATOR = 0x01;
const MAX_AUDIT_MESSAGE_LENGTH = 8970;
/** `machine` before it is known: (unsigned long)-1. */
const UNKNOWN_MACHINE = -1;

const SPACE = 0x20;
const EQUALS = 0x3d;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A record as ausearch's lol_add_record keeps it: the line up to 0x1D (or its end), and the ENRICHED rest. */
interface ListNode {
  readonly type: number;
  /** The message, NUL-terminated where C would end it; written into as ausearch writes into its copy. */
  readonly message: Buffer;
  readonly interp: Buffer | null;
}

/** strchr over a NUL-terminated buffer: the index of `byte` at or after `from`, or -1 at the NUL. */
function strchr(buffer: Buffer, from: number, byte: number): number {
  for (let at = from; at < buffer.length; at++) {
    const code = buffer[at]!;
    if (code === byte) return at;
    if (code === 0) return -1;
  }
  return -1;
}

function strlenFrom(buffer: Buffer, from: number): number {
  const nul = buffer.indexOf(0, from);
  return nul === -1 ? buffer.length : nul;
}

/** The C string starting at `from`. */
const cstr = (buffer: Buffer, from: number): Buffer => buffer.subarray(from, strlenFrom(buffer, from));

const equalsText = (bytes: Uint8Array, text: string): boolean => bytes.length === text.length && Buffer.from(bytes).toString('latin1') === text;

/** The message (NUL cut) and ENRICHED text of a record's line, as ausearch's lol_add_record splits it. */
function listNode(record: AuditRecord, typeOf: (line: string) => number): ListNode {
  let line = rawLineOf(record);
  const nul = line.indexOf('\0');
  if (nul !== -1) line = line.slice(0, nul);
  const separator = line.indexOf(String.fromCharCode(AUDIT_INTERP_SEPARATOR));
  const message = separator === -1 ? line : line.slice(0, separator);
  return {
    type: typeOf(line),
    message: Buffer.from(`${message}\0`, 'latin1'),
    interp: separator === -1 ? null : ascii(line.slice(separator + 1)),
  };
}

/** The event's header as ausearch-lol.c's extract_timestamp and str2event read its first record. */
interface EventHeader {
  readonly node: Buffer | null;
  readonly sec: bigint;
  readonly milli: bigint;
  readonly serial: bigint;
}

/** audit_strsplit's words: split at spaces, runs of them skipped. */
const words = (text: string): string[] => text.split(' ').filter((word) => word !== '');

/** The node and type words of a line, as extract_timestamp finds them in its first 80 (340 after `n`) bytes. */
function headWords(line: string): { node: string | null; type: string } {
  const head = words(line.slice(0, line.startsWith('n') ? 340 : 80));
  if (head[0]?.startsWith('n')) return { node: head[0].slice(5), type: head[1]?.slice(5) ?? '' };
  return { node: null, type: head[0]?.slice(5) ?? '' };
}

function eventHeader(first: AuditRecord): EventHeader {
  const line = first.text;
  const node = headWords(line).node;
  const open = line.indexOf('(', line.indexOf('msg='));
  const close = line.indexOf(')', open);
  const stamp = close === -1 ? line.slice(open + 1) : line.slice(open + 1, close);
  const sec = strtoul(stamp, 0).value;
  const dot = stamp.indexOf('.');
  const milli = dot === -1 ? 0n : strtoul(stamp, dot + 1).value;
  const colon = stamp.indexOf(':', dot === -1 ? 0 : dot + 1);
  const serial = colon === -1 ? 0n : strtoul(stamp, colon + 1).value;
  return { node: node === null ? null : ascii(node), sec: BigInt.asIntN(64, sec), milli, serial };
}

/**
 * ausearch -i's text, event by event. State is carried as ausearch carries it: the last SYSCALL record's
 * a0 and a1 stay in use until the next one (its static globals).
 */
export class InterpretedEventWriter {
  private a0 = 0n;
  private a1 = 0n;
  private machine = UNKNOWN_MACHINE;
  private currentSyscall = -1;
  private out: Buffer[] = [];

  constructor(
    private readonly auparse: AuparseInterpretation,
    /** ausearch's stderr lines (`can't find time stamp`). */
    private readonly warn: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  /** output_interpreted: `----`, then the records last to first (only the last when it is a daemon record). */
  event(event: AuditEvent): Buffer {
    this.out = [ascii('----\n')];
    const header = eventHeader(event.records[0]!);
    const nodes = event.records.map((record) => this.node(record));
    const last = nodes[nodes.length - 1]!;
    if (last.type >= AUDIT_DAEMON_START && last.type < AUDIT_SYSCALL) this.record(last, header);
    else for (let index = nodes.length - 1; index >= 0; index--) this.record(nodes[index]!, header);
    const text = Buffer.concat(this.out);
    this.out = [];
    return text;
  }

  private node(record: AuditRecord): ListNode {
    return listNode(record, (line) => this.auparse.typeNumber(ascii(`${headWords(line).type}\0`)));
  }

  private print(bytes: Uint8Array | string): void {
    this.out.push(typeof bytes === 'string' ? ascii(bytes) : Buffer.from(bytes));
  }

  /** output_interpreted_record. */
  private record(n: ListNode, e: EventHeader): void {
    const m = Buffer.from(n.message);
    let str = 0;
    this.machine = UNKNOWN_MACHINE;
    this.currentSyscall = -1;
    if (e.node !== null) {
      const space = strchr(m, str, SPACE);
      if (space !== -1) str = space + 1;
    }
    let ptr = strchr(m, str, OPEN_PAREN);
    if (ptr === -1) {
      this.warn("can't find time stamp\n");
      return;
    }
    m[ptr++] = 0;
    const typeName = n.type >= 0 ? this.auparse.typeName(n.type) : null;
    if (e.node !== null) this.print(Buffer.concat([ascii('node='), e.node, ascii(' ')]));
    if (typeName !== null) this.print(Buffer.concat([ascii('type='), typeName, ascii(' msg=audit(')]));
    else this.print(Buffer.concat([cstr(m, str), ascii('(')]));
    let at: number | null = strchr(m, ptr, CLOSE_PAREN);
    if (at === -1) return;
    m[at++] = 0;
    this.print(Buffer.concat([this.auparse.localStamp(e.sec), ascii(`.${String(e.milli).padStart(3, '0')}:${e.serial}) `)]));
    if (n.type === AUDIT_SYSCALL) {
      const args = syscallArguments(cstr(n.message, 0).toString('latin1'), true);
      if (args !== null) ({ a0: this.a0, a1: this.a1 } = args);
    }
    this.auparse.loadInterpretations(n.interp);
    let found = false;
    let comma = false;
    // C's ptr, as the loop leaves it: NULL only where no '=' was left to find.
    let eq = ptr;
    // `at` is C's str: null once the line is used up.
    while (at !== null && m[at] !== 0 && at < m.length && (eq = strchr(m, at, EQUALS)) !== -1) {
      comma = false;
      found = true;
      let name = eq;
      while (m[name] !== SPACE && name > at) name--;
      m[eq] = 0;
      ptr = eq + 1;
      this.print(Buffer.concat([cstr(m, at), ascii('=')]));
      if (equalsText(cstr(m, name), 'msg')) {
        at = ptr;
        continue;
      }
      if (m[name] === QUOTE) name++;
      if (m[ptr] === QUOTE || m[ptr] === DOUBLE_QUOTE) {
        const close = strchr(m, ptr + 1, m[ptr]!);
        if (close === -1) at = null;
        else {
          at = close + 1;
          if (m[at] !== 0) m[at++] = 0;
        }
      } else {
        const commaAt = strchr(m, ptr, COMMA);
        const space = strchr(m, ptr, SPACE);
        if (commaAt !== -1 && space !== -1 && commaAt < space) {
          // Known: LABEL_LEVEL_CHANGE banners=none,none; MAC labels may hold commas.
          if (this.auparse.adjustType(n.type, m.subarray(name), m.subarray(space)) === AUPARSE_TYPE_MAC_LABEL) {
            m[space] = 0;
            at = space + 1;
          } else {
            m[commaAt] = 0;
            at = commaAt + 1;
            comma = true;
          }
        } else if (commaAt !== -1 && space === -1) {
          if (this.auparse.adjustType(n.type, m.subarray(name), m.subarray(ptr)) === AUPARSE_TYPE_MAC_LABEL) at = null;
          else {
            m[commaAt] = 0;
            at = commaAt + 1;
            comma = true;
          }
        } else if (space !== -1) {
          m[space] = 0;
          at = space + 1;
        } else at = null;
      }
      this.reportInterpret(m, name, ptr, comma, n.type);
    }
    this.auparse.freeInterpretations();
    if (!found && eq === -1 && at !== null) this.safePrint(cstr(m, at));
    else if (comma && at !== null) this.safePrint(cstr(m, at));
    this.print('\n');
  }

  /** report_interpret: one value, interpreted, then a space (a comma where the value ended at one). */
  private reportInterpret(m: Buffer, nameAt: number, valAt: number, comma: boolean, recordType: number): void {
    let nameStart = nameAt;
    while (m[nameStart] === SPACE || m[nameStart] === OPEN_PAREN) nameStart++;
    const name = cstr(m, nameStart);
    if (equalsText(name, 'acct')) {
      const end = strlenFrom(m, valAt);
      // A ':' left at the end (val[len-1]; an empty value looks at the NUL before it).
      if (end > valAt && m[end - 1] === 0x3a) m[end - 1] = 0;
    }
    const val = cstr(m, valAt);
    // The C functions read name and value up to the NULs written into m, as in ausearch.
    const namePointer = m.subarray(nameStart);
    const valPointer = m.subarray(valAt);
    const type = this.auparse.adjustType(recordType, namePointer, valPointer);
    let syscall = 0;
    if (recordType === AUDIT_SYSCALL || recordType === AUDIT_SECCOMP) {
      if (this.machine === UNKNOWN_MACHINE) this.machine = this.auparse.detectMachine();
      const text = val.toString('latin1');
      if (equalsText(name, 'arch')) {
        const parsed = strtoul(text, 0, 16);
        if (parsed.overflow) {
          this.print(Buffer.concat([ascii('arch conversion error('), val, ascii(') ')]));
          return;
        }
        this.machine = this.auparse.elfToMachine(Number(parsed.value & 0xffffffffn));
      }
      if (this.currentSyscall < 0 && equalsText(name, 'syscall')) {
        const parsed = strtoul(text, 0, 10);
        if (parsed.overflow) {
          this.print(Buffer.concat([ascii('syscall conversion error('), val, ascii(') ')]));
          return;
        }
        this.currentSyscall = Number(BigInt.asIntN(32, parsed.value));
      }
      syscall = this.currentSyscall;
    }
    const out = this.auparse.interpret(type, { machine: this.machine === UNKNOWN_MACHINE ? 0xffffffff : this.machine, syscall, a0: this.a0, a1: this.a1, name: namePointer, val: valPointer }) ?? ascii('(null)');
    if (type === AUPARSE_TYPE_UNCLASSIFIED) this.print(Buffer.concat([val, ascii(comma ? ',' : ' ')]));
    else if (equalsText(name, 'key')) this.printKeys(out);
    else if (type === AUPARSE_TYPE_TTY_DATA) this.print(out);
    else this.print(Buffer.concat([out, ascii(' ')]));
  }

  /** A key list (0x01-separated) as `first key=second key=third `. */
  private printKeys(out: Buffer): void {
    const keys: Buffer[] = [];
    let from = 0;
    for (let at = out.indexOf(AUDIT_KEY_SEPARATOR); at !== -1; at = out.indexOf(AUDIT_KEY_SEPARATOR, from)) {
      keys.push(out.subarray(from, at));
      from = at + 1;
    }
    if (keys.length === 0) {
      this.print(Buffer.concat([out, ascii(' ')]));
      return;
    }
    this.print(keys[0]!);
    for (const key of keys.slice(1)) this.print(Buffer.concat([ascii(' key='), key]));
    this.print(Buffer.concat([ascii(' key='), out.subarray(from), ascii(' ')]));
  }

  /** safe_print_string(s, 1) with --escape tty: control bytes as \ooo within the first 8970, then a newline. */
  private safePrint(text: Buffer): void {
    const length = Math.min(text.length, MAX_AUDIT_MESSAGE_LENGTH);
    const escaping = text.subarray(0, length).some((byte) => byte < 0x20);
    if (!escaping) {
      this.print(Buffer.concat([text, ascii('\n')]));
      return;
    }
    const escaped: number[] = [];
    for (const byte of text.subarray(0, length)) {
      if (byte < 0x20) escaped.push(0x5c, 0x30 + ((byte >> 6) & 7), 0x30 + ((byte >> 3) & 7), 0x30 + (byte & 7));
      else escaped.push(byte);
    }
    escaped.push(0x0a);
    this.print(Buffer.from(escaped));
  }
}
