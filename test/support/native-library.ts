// A C library and libc through koffi, for tests that use a real library as their oracle; null where
// either cannot be loaded (the test then skips).
import koffi from 'koffi';

export type LibraryHandle = ReturnType<typeof koffi.load>;

export function loadWithLibc(soname: string): { readonly library: LibraryHandle; readonly libc: LibraryHandle } | null {
  try {
    return { library: koffi.load(soname), libc: koffi.load('libc.so.6') };
  } catch {
    return null;
  }
}
