export * from './verify.js';
export * from './wire-form.js';
export * from './sequence-check.js';
export * from './report-text.js';
export * from './report-json.js';
export * from './report-junit.js';
