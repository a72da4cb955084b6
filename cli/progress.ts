/** A progress line on stderr while reading large input, only when stderr is a terminal. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update: (bytes: number) => void; done: () => void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
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
