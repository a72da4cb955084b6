export * from './errors.js';
export * from './payload.js';
export * from './process-identity.js';
export * from './audit-line.js';
export * from './libaudit-connection.js';
export * from './sinks.js';
export * from './emitter.js';
