import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** A log to read: a file, or standard input. */
export type AuditInput =
  | {
      /** A file. */
      readonly kind: 'file';
      /** Its path. */
      readonly path: string;
    }
  | {
      /** Standard input (or the stream given as `stdin` where a reader takes one). */
      readonly kind: 'stdin';
      /** `-`. */
      readonly path: '-';
    };

const ROTATED = /^(.*)\.(\d+)$/;

/** An input that cannot be read (missing, not a file, unreadable): its path and the system's error code. */
export class InputError extends Error {
  /**
   * An input error.
   *
   * @param path - The input.
   * @param message - What went wrong.
   * @param code - The system error code (ENOENT …) where there is one.
   */
  constructor(
    /** The input that cannot be read. */
    readonly path: string,
    message: string,
    /** The system error code (ENOENT …) where there is one. */
    readonly code?: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'InputError';
  }
}

/** Rank of a file inside its rotated set: audit.log.3 (oldest) → 3, audit.log → 0. */
function rotation(path: string): { base: string; generation: number } {
  const match = ROTATED.exec(path);
  return match ? { base: match[1]!, generation: Number(match[2]) } : { base: path, generation: 0 };
}

/**
 * Puts the members of each rotated set (audit.log.N … audit.log.1, audit.log) oldest first, where the
 * set first appears; other files keep the order they were given in (a shell glob sorts audit.log first).
 */
export function orderRotatedSets(paths: readonly string[]): string[] {
  const sets = new Map<string, string[]>();
  for (const path of paths) {
    const { base } = rotation(path);
    const members = sets.get(base) ?? [];
    members.push(path);
    sets.set(base, members);
  }
  const ordered: string[] = [];
  for (const members of sets.values()) {
    members.sort((a, b) => rotation(b).generation - rotation(a).generation);
    ordered.push(...members);
  }
  return ordered;
}

/**
 * Expands arguments (files, directories, `-`) into the inputs to read, in reading order: a directory's files
 * by name, each rotated set `audit.log.N … audit.log.1, audit.log` oldest first.
 *
 * @param args - Paths of files or directories, or `-` for standard input.
 * @returns The inputs, in the order to read them.
 * @throws {@link InputError} for a path that does not exist or cannot be read.
 * @example
 * ```ts
 * import { resolveInputs } from 'virt-audit';
 *
 * const inputs = await resolveInputs(['/var/log/audit']);   // audit.log.N … audit.log.1, audit.log
 * console.log(inputs.map((input) => input.path));
 * ```
 */
export async function resolveInputs(args: readonly string[]): Promise<AuditInput[]> {
  return expandInputs(args, async (directory) =>
    (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(directory, entry.name)),
  );
}

/**
 * The arguments in reading order: `-` as stdin, files named one by one with their rotated sets ordered, and
 * for a directory the files `logsOf` picks from it (sorted by name, rotated sets oldest first).
 * @internal
 */
export async function expandInputs(args: readonly string[], logsOf: (directory: string) => Promise<string[]>): Promise<AuditInput[]> {
  const inputs: AuditInput[] = [];
  const loose: string[] = [];
  const flushLoose = (): void => {
    for (const path of orderRotatedSets(loose)) inputs.push({ kind: 'file', path });
    loose.length = 0;
  };
  for (const arg of args) {
    if (arg === '-') {
      flushLoose();
      inputs.push({ kind: 'stdin', path: '-' });
      continue;
    }
    const info = await stat(arg).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(arg, error.code === 'ENOENT' ? 'no such file or directory' : error.message, error.code);
    });
    if (info.isDirectory()) {
      flushLoose();
      const names = (await logsOf(arg)).sort((a, b) => basename(a).localeCompare(basename(b)));
      for (const path of orderRotatedSets(names)) inputs.push({ kind: 'file', path });
    } else {
      loose.push(arg);
    }
  }
  flushLoose();
  return inputs;
}

export function displayName(input: AuditInput): string {
  return input.kind === 'stdin' ? '<stdin>' : input.path;
}

