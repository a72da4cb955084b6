// schemas/journal.schema.json: every journal `npm run capture` wrote (examples/, every libvirt version)
// validates, and a journal a mistake would produce does not.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from './support/examples.js';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../schemas/journal.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function journals(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return journals(path);
    return name.endsWith('.journal.json') ? [path] : [];
  });
}

const found = journals(EXAMPLES);

describe('schemas/journal.schema.json', () => {
  it('finds the captures\' journals', () => {
    expect(found.length).toBeGreaterThanOrEqual(2);
  });

  it.each(found.map((path) => [path.slice(EXAMPLES.length), path]))('%s validates', (_name, path) => {
    const journal = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    expect(validate(journal), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  const journal = JSON.parse(readFileSync(found[0]!, 'utf8')) as { guests: Array<{ uuid: string; steps: Array<Record<string, unknown>> }> };
  const broken: Array<[string, (copy: typeof journal) => void]> = [
    ['an upper-case uuid', (copy) => { copy.guests[0]!.uuid = copy.guests[0]!.uuid.toUpperCase(); }],
    ['a step of no known kind', (copy) => { copy.guests[0]!.steps[0]!.kind = 'reboot'; }],
    ['a start without its QEMU pid', (copy) => { delete copy.guests[0]!.steps.find((step) => step.kind === 'start')!.vmPid; }],
    ['a stop reason libvirt never writes', (copy) => { copy.guests[0]!.steps.find((step) => step.kind === 'stop')!.reason = 'paused'; }],
    ['a field of no step', (copy) => { copy.guests[0]!.steps[0]!.window = [0, 1]; }],
  ];
  it.each(broken)('refuses %s', (_what, mutate) => {
    const copy = structuredClone(journal);
    mutate(copy);
    expect(validate(copy)).toBe(false);
  });
});
