// libaudit's own encoder through koffi, as the oracle for differential tests.
import koffi from 'koffi';
import { loadWithLibc } from './native-library.js';

export interface LibauditEncoder {
  encodeField(name: string, value: Uint8Array): string;
}

export function loadLibauditEncoder(): LibauditEncoder | null {
  const loaded = loadWithLibc('libaudit.so.1');
  if (loaded === null) return null;
  const { library: libaudit, libc } = loaded;
  const encode = libaudit.func('void *audit_encode_nv_string(const char *name, const uint8_t *value, unsigned int vlen)');
  const free = libc.func('void free(void *ptr)');
  return {
    encodeField(name, value) {
      // vlen = 0 means strlen(value), as libvirt calls it; the value must be NUL-terminated.
      const terminated = new Uint8Array(value.length + 1);
      terminated.set(value);
      const pointer = encode(name, terminated, 0) as unknown;
      if (pointer === null) throw new Error('audit_encode_nv_string returned NULL');
      try {
        return koffi.decode(pointer, 'char', -1) as string;
      } finally {
        free(pointer);
      }
    },
  };
}
