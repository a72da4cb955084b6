// The one switch between "report" and "require" for the comparison of real captures with the lifecycle
// builder (test/capture-matrix.test.ts over the stored captures, test/e2e/lifecycle-matrix.test.ts over
// the live matrix).

/**
 * Flip to true when the lifecycle builder of issue 14 (branch h14-builder) is merged: every guest of
 * every journal with run-time values must then render exactly — 0 differing, 0 missing, 0 extra. Until
 * then the per-guest table is printed and the counts are only checked for being reported correctly.
 */
export const STRICT_BUILDER_PARITY = true;
