// The real libauparse (libauparse.so.0) through koffi: how audit's own parser reads lines we write.
import koffi from 'koffi';
import { loadWithLibc } from './native-library.js';

/** One field as auparse reads it: raw text, its interpretation (hex decoded, quotes removed), its type. */
export interface AuparseField {
  readonly name: string;
  readonly raw: Buffer;
  readonly interpreted: Buffer;
  readonly type: number;
}

export interface AuparseRecord {
  readonly type: string;
  readonly sec: bigint;
  readonly milli: number;
  readonly serial: bigint;
  readonly node: string | null;
  readonly fields: readonly AuparseField[];
}

export interface AuparseEvent {
  readonly records: readonly AuparseRecord[];
}

export interface Libauparse {
  /** Every event auparse reads from a buffer of log text. */
  parse(text: Buffer | string): AuparseEvent[];
}

/** auparse.h's ausource_t, auparse_esc_t and field types used here. */
const AUSOURCE_BUFFER = 3;
const AUPARSE_ESC_RAW = 0;
export const AUPARSE_TYPE_ESCAPED = 6;

export function loadLibauparse(): Libauparse | null {
  const loaded = loadWithLibc('libauparse.so.0');
  if (loaded === null) return null;
  const { library, libc } = loaded;
  const init = library.func('void *auparse_init(int source, const uint8_t *buffer)');
  const destroy = library.func('void auparse_destroy(void *au)');
  const setEscapeMode = library.func('void auparse_set_escape_mode(void *au, int mode)');
  const nextEvent = library.func('int auparse_next_event(void *au)');
  const firstRecord = library.func('int auparse_first_record(void *au)');
  const nextRecord = library.func('int auparse_next_record(void *au)');
  const firstField = library.func('int auparse_first_field(void *au)');
  const nextField = library.func('int auparse_next_field(void *au)');
  const fieldName = library.func('void *auparse_get_field_name(void *au)');
  const fieldStr = library.func('void *auparse_get_field_str(void *au)');
  const interpret = library.func('void *auparse_interpret_field(void *au)');
  const fieldType = library.func('int auparse_get_field_type(void *au)');
  const typeName = library.func('void *auparse_get_type_name(void *au)');
  const getTime = library.func('int64_t auparse_get_time(void *au)');
  const getMilli = library.func('unsigned int auparse_get_milli(void *au)');
  const getSerial = library.func('unsigned long auparse_get_serial(void *au)');
  const getNode = library.func('void *auparse_get_node(void *au)');
  const strlen = libc.func('size_t strlen(void *s)');
  const free = libc.func('void free(void *ptr)');

  const bytes = (pointer: unknown): Buffer => {
    if (pointer === null) return Buffer.alloc(0);
    const length = Number(strlen(pointer));
    if (length === 0) return Buffer.alloc(0);
    return Buffer.from(koffi.decode(pointer, koffi.array('uint8_t', length, 'Typed')) as Uint8Array);
  };

  return {
    parse(text) {
      const buffer = Buffer.concat([typeof text === 'string' ? Buffer.from(text, 'latin1') : text, Buffer.from([0])]);
      const au = init(AUSOURCE_BUFFER, buffer) as unknown;
      if (au === null) throw new Error('auparse_init failed');
      const events: AuparseEvent[] = [];
      try {
        setEscapeMode(au, AUPARSE_ESC_RAW);
        while (nextEvent(au) > 0) {
          const records: AuparseRecord[] = [];
          if (firstRecord(au) > 0) {
            do {
              const fields: AuparseField[] = [];
              if (firstField(au) > 0) {
                do {
                  fields.push({
                    name: bytes(fieldName(au)).toString('latin1'),
                    raw: bytes(fieldStr(au)),
                    interpreted: bytes(interpret(au)),
                    type: fieldType(au) as number,
                  });
                } while (nextField(au) > 0);
              }
              const nodePointer = getNode(au) as unknown;
              const node = nodePointer === null ? null : bytes(nodePointer).toString('latin1');
              if (nodePointer !== null) free(nodePointer);
              records.push({
                type: bytes(typeName(au)).toString('latin1'),
                sec: BigInt(getTime(au) as number | bigint),
                milli: getMilli(au) as number,
                serial: BigInt(getSerial(au) as number | bigint),
                node,
                fields,
              });
            } while (nextRecord(au) > 0);
          }
          events.push({ records });
        }
      } finally {
        // The buffer must outlive the parser; keep it referenced until here.
        void buffer.length;
        destroy(au);
      }
      return events;
    },
  };
}
