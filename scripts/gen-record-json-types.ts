// Writes src/model/virt-records.generated.ts: the TypeScript types of the JSON form, from the schemas the
// layout table builds (run after npm run gen:schemas).
import { writeFileSync } from 'node:fs';
import { RECORD_JSON_TYPES_FILE, recordJsonTypesSource } from '../src/libvirt/record-json-types.js';

writeFileSync(new URL(`../../${RECORD_JSON_TYPES_FILE}`, import.meta.url), recordJsonTypesSource());
console.log(`wrote ${RECORD_JSON_TYPES_FILE}`);
