/** A progress line on stderr while reading large input, only when stderr is a terminal. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update: (bytes: number) => void; done: () => void; readonly active: boolean } {
  if (!stream.isTTY) return { update: () => {}, done: () => {}, active: false };
  let last = 0;
  let shown = false;
  return {
    active: true,
    update(bytes: number) {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[Kvirt-audit: ${(bytes / 1e6).toFixed(1)} MB read`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
