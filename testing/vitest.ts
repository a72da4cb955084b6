/**
 * `virt-audit/testing/vitest`: importing it (in a vitest setup file, or a test) registers the trail matchers
 * `toHaveWritten` and `toConform` with vitest's `expect`, typed.
 *
 * @packageDocumentation
 * @module virt-audit/testing/vitest
 */
import { expect } from 'vitest';
import type { ExpectedRecord } from './trail-assertions.js';
import { virtAuditMatchers } from './trail-assertions.js';
import type { TrailRuleId } from '../verifier/conform/trail-rule-catalog.js';

expect.extend(virtAuditMatchers);

declare module 'vitest' {
  interface Assertion<T> {
    /** The capture holds exactly these records of their guests (by uuid), in order. */
    toHaveWritten(expected: readonly ExpectedRecord[]): T;
    /** The captured trail breaks no trail rule (`skip`: rules not to check). Await it. */
    toConform(skip?: readonly TrailRuleId[]): Promise<T>;
  }
}
