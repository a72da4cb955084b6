// Writes schemas/*.schema.json from the layout table (src/libvirt/layouts.ts).
import { writeFileSync } from 'node:fs';
import { buildSchemas, renderSchema } from '../src/libvirt/schema-builder.js';

const directory = new URL('../../schemas/', import.meta.url);
const schemas = buildSchemas();
for (const [file, schema] of schemas) writeFileSync(new URL(file, directory), renderSchema(schema));
console.log(`wrote ${schemas.size} schema files`);
