// How a worker thread reports the error that ended it, and how the thread that started it throws it again;
// how that thread takes a reading thread's messages (batches, the end, a failure).
import { InputError } from './input-set.js';

export interface ThreadFailure {
  readonly kind: 'failed';
  readonly message: string;
  readonly name: string;
  /** An InputError's file. */
  readonly path?: string;
}

/** The message a thread posts for the error that ended it. */
export function failureOf(error: unknown): ThreadFailure {
  const failure = error instanceof Error ? error : new Error(String(error));
  return { kind: 'failed', message: failure.message, name: failure.name, ...('path' in failure && typeof failure.path === 'string' ? { path: failure.path } : {}) };
}

/** A thread's failure, as the error it was there (an InputError names its file). */
export function rebuiltError(failure: ThreadFailure): Error {
  if (failure.name === 'InputError' && failure.path !== undefined && failure.message.startsWith(`${failure.path}: `)) {
    return new InputError(failure.path, failure.message.slice(failure.path.length + 2));
  }
  return Object.assign(new Error(failure.message), { name: failure.name });
}

/** A thread a batch is acknowledged to, so it may send more. */
export interface BatchSender {
  postMessage(message: unknown): void;
}

/**
 * One message of a reading thread: a batch goes to `batch`, then is acknowledged; `done` to `done`; the
 * thread's failure, or an error thrown while handling either, to `error`.
 */
export function dispatchThreadMessage<B extends { readonly kind: 'batch' }, D extends { readonly kind: 'done' }>(
  message: B | D | ThreadFailure,
  sender: BatchSender,
  handlers: { readonly batch: (message: B) => void; readonly done: (message: D) => void; readonly error: (error: Error) => void },
): void {
  try {
    if (message.kind === 'batch') {
      handlers.batch(message as B);
      sender.postMessage('handled');
    } else if (message.kind === 'done') {
      handlers.done(message as D);
    } else {
      handlers.error(rebuiltError(message as ThreadFailure));
    }
  } catch (error) {
    handlers.error(error instanceof Error ? error : new Error(String(error)));
  }
}
