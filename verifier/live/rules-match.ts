// The small pieces rules are made of: guest and node globs, path prefixes, durations, message templates.
import { posix } from 'node:path';

/** A shell-style glob as a whole-string RegExp: `*` any run, `?` one character, everything else itself. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

/** A filter of one or several globs: a value matches when any glob does; a missing value matches none. */
export function globFilter(globs: string | readonly string[] | undefined): ((value: string | null) => boolean) | null {
  if (globs === undefined) return null;
  const patterns = (typeof globs === 'string' ? [globs] : globs).map(globToRegExp);
  return (value) => value !== null && patterns.some((pattern) => pattern.test(value));
}

/**
 * Whether `path` is one of the prefixes or below one, after `.` and `..` are resolved (so
 * `/images/../etc/shadow` is not inside `/images`) and with whole path components (so `/images-old` is not
 * inside `/images`). A relative path is inside none.
 */
export function isInsidePrefixes(path: string, prefixes: readonly string[]): boolean {
  if (!path.startsWith('/')) return false;
  const resolved = posix.normalize(path);
  return prefixes.some((prefix) => {
    const base = posix.normalize(prefix).replace(/\/+$/, '');
    return base === '' || resolved === base || resolved.startsWith(`${base}/`);
  });
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1d12h`, `90s`, `250ms` in milliseconds (the schema's pattern; NaN for anything else). */
export function parseDuration(text: string): number {
  if (!/^([0-9]+(ms|s|m|h|d))+$/.test(text)) return NaN;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** The fields a message template may name. */
export const TEMPLATE_FIELDS: ReadonlySet<string> = new Set([
  'rule', 'severity', 'event', 'time', 'node', 'uuid', 'name', 'reason', 'how', 'resource', 'value', 'previous', 'bus', 'duration', 'result', 'permissions', 'target',
]);

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export function templateFieldsOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** Replaces each `{field}` by its value, `?` where the event has none. */
export function renderTemplate(template: string, values: Readonly<Record<string, string | null | undefined>>): string {
  return template.replace(PLACEHOLDER, (whole, field: string) => {
    if (!TEMPLATE_FIELDS.has(field)) return whole;
    const value = values[field];
    return value === null || value === undefined || value === '' ? '?' : value;
  });
}
