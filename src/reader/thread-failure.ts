// How a worker thread reports the error that ended it, and how the thread that started it throws it again.
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
