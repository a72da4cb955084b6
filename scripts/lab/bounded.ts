// Every blocking step of the lab has a bound: a promise that does not settle in time is an error that
// names what was waited for.
import { execFileSync } from 'node:child_process';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `ready` answers true; throws, naming `what`, after `ms`. */
export async function waitFor(what: string, ms: number, ready: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs a command to completion with a bound; its stdout, or an error carrying its stderr. */
export function run(command: string, args: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, input: options.input ?? '', stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env,
    });
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${(failure.stderr ?? '').trim() || failure.message}`);
  }
}
