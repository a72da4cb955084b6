import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
export const RAW_CAPTURE = `${EXAMPLES}libvirt-capture.raw.log`;
export const ENRICHED_CAPTURE = `${EXAMPLES}libvirt-capture.enriched.log`;
/** The public sample lines beside the project (../shared/corpus), read in place; absent on a machine without them. */
export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

/** Every .log stored in examples/ and, where it is present, in the public corpus, sorted. */
export function storedLogs(): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(at, entry.name));
      else if (entry.name.endsWith('.log')) found.push(join(at, entry.name));
    }
  };
  walk(EXAMPLES);
  if (existsSync(CORPUS)) walk(CORPUS);
  return found.sort();
}

/** Lines of a file as the reader sees them: one JS char per byte. */
export function captureLines(path: string): string[] {
  return readFileSync(path).toString('latin1').split('\n').filter((line) => line !== '');
}

/** The first line of a capture that matches, for tests about one real record. */
export function realLine(path: string, pattern: RegExp): string {
  const line = captureLines(path).find((candidate) => pattern.test(candidate));
  if (line === undefined) throw new Error(`no line of ${path} matches ${pattern}`);
  return line;
}
