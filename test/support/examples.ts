import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
export const RAW_CAPTURE = `${EXAMPLES}libvirt-capture.raw.log`;
export const ENRICHED_CAPTURE = `${EXAMPLES}libvirt-capture.enriched.log`;

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
