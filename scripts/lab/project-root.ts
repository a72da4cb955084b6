// The package root, found from the source tree (scripts/lab) or the build (dist/scripts/lab).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json')) || directory.endsWith('/dist')) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('package.json not found above the lab scripts');
    directory = parent;
  }
  return directory;
}
