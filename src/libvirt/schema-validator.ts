import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { PayloadLayout, Profile } from './layouts.js';
import type { VirtRecordJson } from './json-form.js';
import { SCHEMA_BASE, recordSchemaFile } from './schema-builder.js';

export interface RuleViolation {
  readonly rule: string;
  readonly message: string;
}

/** The package's schemas/ folder, from source or from dist/. */
export function schemasDirectory(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(directory, 'schemas');
    if (existsSync(join(candidate, 'virt-defs.schema.json'))) return candidate;
    directory = dirname(directory);
  }
  throw new Error('schemas/ not found next to the virt-audit package');
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'record' : error.instancePath.slice(1).replaceAll('/', '.');
  switch (error.keyword) {
    case 'required':
      return `missing field ${String(error.params.missingProperty)}`;
    case 'unevaluatedProperties':
    case 'additionalProperties':
      return `unexpected field ${String(error.params.unevaluatedProperty ?? error.params.additionalProperty)}`;
    case 'enum':
      return `${where} must be one of ${(error.params.allowedValues as unknown[]).map(String).join('|')}`;
    case 'not':
      return 'old and new are both absent (libvirt emits no record then)';
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** Validates the JSON form of a record against the schema of the layout it matched. */
export class SchemaValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(directory = schemasDirectory()) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
    addFormats.default(this.ajv);
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.schema.json'))) {
      this.ajv.addSchema(JSON.parse(readFileSync(join(directory, file), 'utf8')) as object);
    }
  }

  private validatorFor(layout: PayloadLayout, profile: Profile): ValidateFunction {
    const ref = `${SCHEMA_BASE}${recordSchemaFile(layout.recordType, profile)}#/$defs/${layout.id}`;
    let validate = this.cache.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      if (!validate) throw new Error(`schema ${ref} not found`);
      this.cache.set(ref, validate);
    }
    return validate;
  }

  validate(json: VirtRecordJson, layout: PayloadLayout, profile: Profile): RuleViolation[] {
    const validate = this.validatorFor(layout, profile);
    if (validate(json)) return [];
    const seen = new Set<string>();
    const violations: RuleViolation[] = [];
    for (const error of validate.errors ?? []) {
      if (error.keyword === 'if' || error.keyword === 'anyOf') continue;
      const message = `${describe(error)} (schema ${layout.id})`;
      if (seen.has(message)) continue;
      seen.add(message);
      violations.push({ rule: 'schema', message });
    }
    return violations;
  }

  /** Whole-record validation against a published schema file, for callers outside the verifier. */
  validateAgainstFile(json: unknown, file: string): boolean {
    const validate = this.ajv.getSchema(`${SCHEMA_BASE}${file}`);
    if (!validate) throw new Error(`schema ${file} not found`);
    return validate(json) as boolean;
  }
}
