import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { layoutsFor, type PayloadLayout, type Profile } from './layouts.js';
import type { VirtRecordJson } from './json-form.js';
import { PROFILES, SCHEMA_BASE, buildSchemas, recordSchemaFile } from './schema-builder.js';

/** The validators compiled ahead of time (npm run gen:schemas): loading them takes milliseconds, compiling ~0.5 s. */
export const STANDALONE_VALIDATORS_FILE = 'validators.standalone.cjs';

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

function newAjv(options: { code?: { source: boolean } } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, ...options });
  addFormats.default(ajv);
  return ajv;
}

const layoutRef = (layout: PayloadLayout, profile: Profile): string => `${SCHEMA_BASE}${recordSchemaFile(layout.recordType, profile)}#/$defs/${layout.id}`;

/** The name a schema ref is exported under in the standalone module. */
export function standaloneExportName(ref: string): string {
  return `v_${ref.slice(SCHEMA_BASE.length).replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** The refs the verifier validates every record against: each layout's definition, in both profiles. */
function validatedRefs(): string[] {
  return PROFILES.flatMap((profile) => layoutsFor(profile).map((layout) => layoutRef(layout, profile)));
}

/** The source of the standalone validators module, from the schemas the layout table builds. */
export function standaloneValidatorsSource(): string {
  const ajv = newAjv({ code: { source: true } });
  for (const schema of buildSchemas().values()) ajv.addSchema(schema as object);
  const exports: Record<string, string> = {};
  for (const ref of validatedRefs()) {
    const name = standaloneExportName(ref);
    if (exports[name] !== undefined) throw new Error(`two schema refs share the export name ${name}`);
    exports[name] = ref;
  }
  return standaloneCode.default(ajv, exports);
}

type Lookup = (ref: string) => ValidateFunction | undefined;

/** Validates the JSON form of a record against the schema of the layout it matched. */
export class SchemaValidator {
  private readonly lookup: Lookup;
  private readonly cache = new Map<string, ValidateFunction>();

  /**
   * Uses the precompiled layout validators beside the schemas when they are there; anything else (whole
   * published files, or everything with `compile`) is compiled from the schema files on first use.
   */
  constructor(directory = schemasDirectory(), options: { compile?: boolean } = {}) {
    let ajv: Ajv2020 | undefined;
    const compiled: Lookup = (ref) => {
      if (ajv === undefined) {
        ajv = newAjv();
        for (const file of readdirSync(directory).filter((name) => name.endsWith('.schema.json'))) {
          ajv.addSchema(JSON.parse(readFileSync(join(directory, file), 'utf8')) as object);
        }
      }
      return ajv.getSchema(ref);
    };
    const standalone = join(directory, STANDALONE_VALIDATORS_FILE);
    if (options.compile || !existsSync(standalone)) {
      this.lookup = compiled;
      return;
    }
    const module = createRequire(import.meta.url)(standalone) as Record<string, ValidateFunction>;
    this.lookup = (ref) => module[standaloneExportName(ref)] ?? compiled(ref);
  }

  private readonly byLayout = new Map<Profile, WeakMap<PayloadLayout, ValidateFunction>>();

  private validatorFor(layout: PayloadLayout, profile: Profile): ValidateFunction {
    let layouts = this.byLayout.get(profile);
    if (layouts === undefined) this.byLayout.set(profile, (layouts = new WeakMap()));
    let validate = layouts.get(layout);
    if (validate === undefined) layouts.set(layout, (validate = this.validatorOf(layoutRef(layout, profile))));
    return validate;
  }

  private validatorOf(ref: string): ValidateFunction {
    let validate = this.cache.get(ref);
    if (!validate) {
      validate = this.lookup(ref);
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
    return this.validatorOf(`${SCHEMA_BASE}${file}`)(json) as boolean;
  }
}
