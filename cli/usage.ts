/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The inputs to read: the arguments, or stdin when there are none and stdin is not a terminal. */
export function inputsOrStdin(args: readonly string[]): string[] {
  if (args.length > 0) return [...args];
  if (process.stdin.isTTY) throw new UsageError('no input: give log files, directories, or - to read stdin');
  return ['-'];
}
