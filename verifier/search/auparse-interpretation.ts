// The C functions `ausearch -i` (audit-userspace 3.0.9) calls to interpret a field, reached through koffi in
// the very libraries ausearch links: libauparse.so.0 (auparse_interp_adjust_type, auparse_do_interpretation,
// the ENRICHED interpretations list), libaudit.so.1 (record type names, machine types) and libc (localtime
// and strftime in the user's locale, as ausearch's setlocale(LC_ALL, "") makes them). Every value crosses
// as bytes, NUL-terminated: a log's values are not UTF-8.
import koffi from 'koffi';

/** auparse-defs.h's auparse_type_t values ausearch-report.c tests. */
export const AUPARSE_TYPE_UNCLASSIFIED = 0;
export const AUPARSE_TYPE_TTY_DATA = 20;
export const AUPARSE_TYPE_MAC_LABEL = 32;

/** auparse_esc_t: ausearch's default escaping (`--escape tty`). */
const AUPARSE_ESC_TTY = 1;

/**
 * The field being interpreted and the syscall context ausearch hands with it (auparse-idata.h's idata).
 * `name` and `val` are C strings: bytes up to a NUL, which they must hold (a view into the record's copy,
 * where ausearch's own cuts are).
 */
export interface InterpretationContext {
  /** The machine type (unsigned int; 0xFFFFFFFF when unknown). */
  readonly machine: number;
  /** The syscall number (int), 0 outside SYSCALL and SECCOMP records. */
  readonly syscall: number;
  readonly a0: bigint;
  readonly a1: bigint;
  readonly name: Uint8Array;
  readonly val: Uint8Array;
}

export interface AuparseInterpretation {
  /** auparse_interp_adjust_type(rtype, name, val): the field's auparse type (name and val NUL-terminated). */
  adjustType(recordType: number, name: Uint8Array, val: Uint8Array): number;
  /** auparse_do_interpretation(type, &id, AUPARSE_ESC_TTY): the interpreted bytes; null where it returned NULL. */
  interpret(type: number, context: InterpretationContext): Buffer | null;
  /** _auparse_load_interpretations(buf): a record's ENRICHED text (after 0x1D), or none (NULL). */
  loadInterpretations(enriched: Uint8Array | null): void;
  /** _auparse_free_interpretations(). */
  freeInterpretations(): void;
  /** audit_msg_type_to_name(type): null where libaudit has no name. */
  typeName(type: number): Buffer | null;
  /** audit_name_to_msg_type(name): -1 where it names no type (name NUL-terminated). */
  typeNumber(name: Uint8Array): number;
  /** audit_detect_machine(): this host's machine type. */
  detectMachine(): number;
  /** audit_elf_to_machine(elf): -1 for an unknown arch. */
  elfToMachine(elf: number): number;
  /** strftime("%x %T", localtime(&sec)); `?` where localtime fails. */
  localStamp(sec: bigint): Buffer;
}

/** The libraries `search -i` needs could not be loaded. */
export class InterpretationUnavailable extends Error {
  override readonly name = 'InterpretationUnavailable';
}

const LC_ALL = 6;
const LC_NUMERIC = 1;
/** glibc's struct tm is 56 bytes on 64-bit; room to spare. */
const STRUCT_TM_BYTES = 128;

const cString = (bytes: Uint8Array): Buffer => {
  const terminated = Buffer.alloc(bytes.length + 1);
  terminated.set(bytes);
  return terminated;
};

/** Loads libauparse, libaudit and libc, or throws InterpretationUnavailable naming what is missing. */
export function loadAuparseInterpretation(): AuparseInterpretation {
  const load = (soname: string, debian: string): ReturnType<typeof koffi.load> => {
    try {
      return koffi.load(soname);
    } catch (error) {
      throw new InterpretationUnavailable(`interpreting needs ${soname} (Debian and Ubuntu: apt install ${debian}; Fedora: audit-libs): ${(error as Error).message}`);
    }
  };
  const auparse = load('libauparse.so.0', 'libauparse0');
  const audit = load('libaudit.so.1', 'libaudit1');
  const libc = load('libc.so.6', 'libc6');
  const idata = koffi.struct('ausearch_idata', {
    machine: 'uint32_t',
    syscall: 'int32_t',
    a0: 'uint64_t',
    a1: 'uint64_t',
    cwd: 'void *',
    name: 'void *',
    val: 'void *',
  });
  const adjustType = auparse.func('int auparse_interp_adjust_type(int rtype, const uint8_t *name, const uint8_t *val)');
  const doInterpretation = auparse.func('void *auparse_do_interpretation(int type, const ausearch_idata *id, int escape_mode)');
  const loadInterpretations = auparse.func('void _auparse_load_interpretations(const uint8_t *buf)');
  const freeInterpretations = auparse.func('void _auparse_free_interpretations(void)');
  const typeName = audit.func('void *audit_msg_type_to_name(int msg_type)');
  const typeNumber = audit.func('int audit_name_to_msg_type(const uint8_t *msg_type)');
  const detectMachine = audit.func('int audit_detect_machine(void)');
  const elfToMachine = audit.func('int audit_elf_to_machine(unsigned int elf)');
  const setlocale = libc.func('void *setlocale(int category, const char *locale)');
  const localtime = libc.func('void *localtime_r(const int64_t *timep, uint8_t *result)');
  const strftime = libc.func('size_t strftime(uint8_t *s, size_t max, const char *format, const uint8_t *tm)');
  const strlen = libc.func('size_t strlen(void *s)');
  const memcpy = libc.func('void *memcpy(uint8_t *dest, void *src, size_t n)');
  const free = libc.func('void free(void *ptr)');

  // ausearch: setlocale(LC_ALL, ""). Numbers stay C's: nothing here formats them, and the process's other
  // C code may parse them.
  setlocale(LC_ALL, '');
  setlocale(LC_NUMERIC, 'C');

  // C strings are copied out through a scratch buffer: one memcpy costs less than a view of foreign memory.
  let scratch = Buffer.alloc(4096);
  const bytesAt = (pointer: unknown): Buffer => {
    const length = Number(strlen(pointer));
    if (length === 0) return Buffer.alloc(0);
    if (length > scratch.length) scratch = Buffer.alloc(length);
    memcpy(scratch, pointer, length);
    return Buffer.from(scratch.subarray(0, length));
  };
  const time = Buffer.alloc(8);
  const tm = Buffer.alloc(STRUCT_TM_BYTES);
  // ausearch formats into char tmp[32].
  const stamp = Buffer.alloc(32);

  return {
    adjustType: (recordType, name, val) => adjustType(recordType, name, val) as number,
    interpret(type, context) {
      const id = { machine: context.machine >>> 0, syscall: context.syscall | 0, a0: context.a0, a1: context.a1, cwd: null, name: context.name, val: context.val };
      const out = doInterpretation(type, id, AUPARSE_ESC_TTY) as unknown;
      if (out === null) return null;
      try {
        return bytesAt(out);
      } finally {
        free(out);
      }
    },
    loadInterpretations: (enriched) => loadInterpretations(enriched === null ? null : cString(enriched)),
    freeInterpretations: () => freeInterpretations(),
    typeName(type) {
      const name = typeName(type) as unknown;
      return name === null ? null : bytesAt(name);
    },
    typeNumber: (name) => typeNumber(name) as number,
    detectMachine: () => detectMachine() as number,
    elfToMachine: (elf) => elfToMachine(elf >>> 0) as number,
    localStamp(sec) {
      time.writeBigInt64LE(BigInt.asIntN(64, sec));
      if ((localtime(time, tm) as unknown) === null) return Buffer.from('?');
      const length = Number(strftime(stamp, stamp.length, '%x %T', tm));
      return Buffer.from(stamp.subarray(0, length));
    },
  };
}
