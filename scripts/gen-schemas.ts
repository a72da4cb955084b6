// Writes schemas/*.schema.json from the layout table (src/libvirt/layouts.ts), and the validators
// compiled from them ahead of time (schemas/validators.standalone.cjs), which the verifier loads.
import { writeFileSync } from 'node:fs';
import { buildSchemas, renderSchema } from '../src/libvirt/schema-builder.js';
import { STANDALONE_VALIDATORS_FILE, standaloneValidatorsSource } from '../src/libvirt/schema-validator.js';

const directory = new URL('../../schemas/', import.meta.url);
const schemas = buildSchemas();
for (const [file, schema] of schemas) writeFileSync(new URL(file, directory), renderSchema(schema));
writeFileSync(new URL(STANDALONE_VALIDATORS_FILE, directory), standaloneValidatorsSource());
console.log(`wrote ${schemas.size} schema files and ${STANDALONE_VALIDATORS_FILE}`);
