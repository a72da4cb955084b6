import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in the package's own package.json: the nearest one above this module (dist/cli or cli). */
export function packageVersion(): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(directory) === directory) return 'unknown';
  }
}

/** `-V, --version` on a command and its subcommands, as on virt-audit itself. */
export function withVersion<C extends import('commander').Command>(command: C): C {
  command.version(`virt-audit ${packageVersion()}`, '-V, --version', 'print the version');
  for (const sub of command.commands) withVersion(sub);
  return command;
}
