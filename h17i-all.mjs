import { readAuditEvents, AUDITD_LINES } from './dist/src/reader/read-events.js';
import { loadAuparseInterpretation } from './dist/verifier/search/auparse-interpretation.js';
import { InterpretedEventWriter } from './dist/verifier/search/interpreted-output.js';
const writer = new InterpretedEventWriter(loadAuparseInterpretation());
const chunks = [];
await readAuditEvents([{ kind: 'file', path: process.argv[2] }], (event) => chunks.push(writer.event(event)), { forms: AUDITD_LINES, order: 'stamp' });
process.stdout.write(Buffer.concat(chunks));
