// The lab writes journals in the shipped journal format (virt-audit/testing, schemas/journal.schema.json).
export * from '../../testing/journal.js';
