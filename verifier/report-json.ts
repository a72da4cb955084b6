import type { VirtRecordJson } from '../src/index.js';
import type { VerifyResult } from './verify.js';

export function formatJson(result: VerifyResult, records?: readonly VirtRecordJson[]): string {
  const document = {
    summary: result.summary,
    violations: result.problems,
    warnings: result.warnings,
    ...(records === undefined ? {} : { records }),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
