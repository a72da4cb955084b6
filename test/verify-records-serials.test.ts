// verify --records: a serial past 2^53 is exact in the JSON form (a decimal string, as Diagnostic.serial
// is), one below stays a number, and the schemas accept both.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const CAPTURE = fileURLToPath(new URL('../examples/libvirt-capture.raw.log', import.meta.url));
const RECORD = readFileSync(CAPTURE, 'latin1').split('\n').find((line) => line.startsWith('type=VIRT_RESOURCE'))!;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Serials on both sides of 2^53, up to 2^64−1 (auparse's unsigned long), strictly increasing. */
const serials = fc
  .uniqueArray(fc.oneof(fc.bigInt({ min: 1n, max: SAFE }), fc.bigInt({ min: SAFE + 1n, max: 2n ** 64n - 1n }), fc.constantFrom(SAFE, SAFE + 1n, SAFE + 2n, 2n ** 64n - 1n)), { minLength: 1, maxLength: 40 })
  .map((values) => values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

const logOf = (values: readonly bigint[]): string => `${values.map((serial) => RECORD.replace(/:\d+\): /, `:${serial}): `)).join('\n')}\n`;
const expected = (serial: bigint): number | string => (serial <= SAFE ? Number(serial) : serial.toString());

describe('verify --records with serials past 2^53', () => {
  it('writes each serial exactly (ndjson and json), and every record is valid', () => {
    fc.assert(
      fc.property(serials, (values) => {
        const log = logOf(values);
        const ndjson = runCli(['verify', '--records', '--format', 'ndjson', '-'], log);
        expect(ndjson.status, ndjson.stderr).toBe(0);
        const lines = ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line) as { serial: unknown });
        expect(lines.map((record) => record.serial)).toEqual(values.map(expected));
        const json = runCli(['verify', '--records', '--format', 'json', '-'], log);
        expect(json.status, json.stderr).toBe(0);
        const report = JSON.parse(json.stdout) as { records: Array<{ serial: unknown }>; summary: { valid: number } };
        expect(report.records.map((record) => record.serial)).toEqual(values.map(expected));
        expect(report.summary.valid).toBe(values.length);
      }),
      { numRuns: 8 },
    );
  });
});
