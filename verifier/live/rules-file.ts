// The watch rule file (schemas/watch-rules.schema.json): JSON, read and validated, every error naming the
// file and the JSON pointer of the value at fault. JSON only: no YAML parser is a dependency of the package.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { schemasDirectory } from '../../src/libvirt/schema-validator.js';
import type { LiveEventKind } from './live-event.js';
import { TEMPLATE_FIELDS, parseDuration, templateFieldsOf } from './rules-match.js';

export type RuleKind = 'guest-crashed' | 'start-failed' | 'path-outside' | 'hostdev-assigned' | 'avc-denial' | 'running-longer-than' | 'audit-gap' | 'event';
export type Severity = 'info' | 'warning' | 'critical';

/** Guest and node filters: each given one must match (a glob or any of several). */
export interface RuleMatch {
  readonly name?: string | readonly string[];
  readonly uuid?: string | readonly string[];
  readonly node?: string | readonly string[];
}

/** One rule as the file gives it (schemas/watch-rules.schema.json). */
export interface WatchRule {
  readonly id: string;
  readonly kind: RuleKind;
  readonly description?: string;
  readonly enabled?: boolean;
  readonly severity?: Severity;
  readonly message?: string;
  readonly match?: RuleMatch;
  /** path-outside */
  readonly allowedPrefixes?: readonly string[];
  readonly resources?: readonly string[];
  /** hostdev-assigned */
  readonly buses?: readonly string[];
  /** running-longer-than */
  readonly duration?: string;
  /** event */
  readonly events?: readonly LiveEventKind[];
}

export interface WatchRuleFile {
  readonly version?: 1;
  readonly rules: readonly WatchRule[];
}

/** One fault of a rule file: where (file, JSON pointer, and line for JSON syntax) and what. */
export interface RuleFileProblem {
  readonly pointer: string;
  readonly message: string;
  readonly line?: number;
}

export class RuleFileError extends Error {
  constructor(readonly file: string, readonly problems: readonly RuleFileProblem[]) {
    super(problems.map((problem) => `${file}${problem.line === undefined ? '' : `:${problem.line}`}: ${problem.pointer === '' ? '(top)' : problem.pointer}: ${problem.message}`).join('\n'));
    this.name = 'RuleFileError';
  }
}

export const WATCH_RULES_SCHEMA_FILE = 'watch-rules.schema.json';

let validator: ValidateFunction | undefined;

function validate(value: unknown): readonly ErrorObject[] {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(join(schemasDirectory(), WATCH_RULES_SCHEMA_FILE), 'utf8')) as object;
    validator = new Ajv2020({ allErrors: true, strict: true, strictTypes: false }).compile(schema);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** ajv's error, said for the value at its pointer (the errors of the if/then branches and oneOf kept short). */
function problemOf(error: ErrorObject): RuleFileProblem {
  const { instancePath: pointer, keyword, params } = error;
  switch (keyword) {
    case 'required':
      return { pointer, message: `missing "${String(params.missingProperty)}"` };
    case 'unevaluatedProperties':
    case 'additionalProperties': {
      const name = String(params.unevaluatedProperty ?? params.additionalProperty);
      return { pointer: `${pointer}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`, message: `"${name}" is not a field here (a typo, or a field of another rule kind)` };
    }
    case 'enum':
      return { pointer, message: `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}` };
    default:
      return { pointer, message: error.message ?? keyword };
  }
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}

/** Checks the schema cannot say: unique ids, known template fields, a duration above zero. */
function semanticProblems(file: WatchRuleFile): RuleFileProblem[] {
  const problems: RuleFileProblem[] = [];
  const seen = new Map<string, number>();
  file.rules.forEach((rule, index) => {
    const first = seen.get(rule.id);
    if (first !== undefined) problems.push({ pointer: `/rules/${index}/id`, message: `"${rule.id}" is already the id of /rules/${first}` });
    else seen.set(rule.id, index);
    if (rule.message !== undefined) {
      for (const field of templateFieldsOf(rule.message)) {
        if (!TEMPLATE_FIELDS.has(field)) problems.push({ pointer: `/rules/${index}/message`, message: `{${field}} is not a template field (known: ${[...TEMPLATE_FIELDS].map((name) => `{${name}}`).join(' ')})` });
      }
    }
    if (rule.duration !== undefined && parseDuration(rule.duration) === 0) problems.push({ pointer: `/rules/${index}/duration`, message: 'must be longer than 0' });
  });
  return problems;
}

/** Parses and validates a rule file's text; throws RuleFileError naming `file` and each fault's pointer. */
export function parseRuleFile(text: string, file: string): WatchRuleFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    throw new RuleFileError(file, [{ pointer: '', message: `not JSON: ${message}`, ...(position ? { line: lineAt(text, Number(position[1])) } : {}) }]);
  }
  const errors = validate(value);
  // ajv also reports the failing `if` of each if/then: it says nothing the branch's own errors do not.
  const problems = errors.filter((error) => error.keyword !== 'if').map(problemOf);
  if (problems.length > 0) throw new RuleFileError(file, problems);
  const rules = value as WatchRuleFile;
  const semantic = semanticProblems(rules);
  if (semantic.length > 0) throw new RuleFileError(file, semantic);
  return rules;
}

/** Reads and validates a rule file (JSON). */
export function loadRuleFile(path: string): WatchRuleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuleFileError(path, [{ pointer: '', message: `cannot read it: ${(error as Error).message}` }]);
  }
  return parseRuleFile(text, path);
}
