// The ENRICHED separator 0x1D where auditd's format_enrich (src/auditd-event.c) puts it: once, after the
// whole RAW record and before its first interpreted field, the fields NAME=value one space apart; for a
// libvirt record exactly UID and AUID (the kernel's uid= and auid=), encoded. Anything else is reported
// with its line and rule (issue 19, item 10: a repeated, doubled or trailing 0x1D and a duplicate key passed).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verify } from '../verifier/index.js';
import { ENRICHED_CAPTURE, RAW_CAPTURE, captureLines } from './support/examples.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-enrichment-'));
let counter = 0;
async function verifyLines(lines: readonly string[]) {
  const path = join(directory, `input-${counter++}.log`);
  writeFileSync(path, Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
  return { path, ...(await verify([{ kind: 'file', path }], { threaded: false })) };
}

const SEPARATOR = '\x1d';
const rawVirt = captureLines(RAW_CAPTURE).filter((line) => /^type=VIRT_/.test(line));
const enrichedVirt = captureLines(ENRICHED_CAPTURE).filter((line) => /^type=VIRT_/.test(line));
// Other records, judged by the reader's rules only: a damage there is a warning.
const enrichedOther = captureLines(ENRICHED_CAPTURE).filter((line) => !/^type=VIRT_/.test(line) && line.includes(SEPARATOR));
const ENRICHMENT_RULES = ['enrichment-separator', 'enrichment-form', 'enrichment-fields'];

/** Ways to misplace 0x1D or the fields after it, each on a real line (RAW or ENRICHED). */
const damage = fc.oneof(
  // A trailing separator on a RAW line: nothing interpreted after it.
  fc.constant((_raw: string, enriched: string) => `${enriched.split(SEPARATOR)[0]}${SEPARATOR}`),
  // Doubled.
  fc.constant((_raw: string, enriched: string) => enriched.replace(SEPARATOR, SEPARATOR + SEPARATOR)),
  // Repeated between the interpreted fields, or at the end.
  fc.constant((_raw: string, enriched: string) => enriched.replace(' AUID=', `${SEPARATOR}AUID=`)),
  fc.constant((_raw: string, enriched: string) => `${enriched}${SEPARATOR}`),
  fc.constant((_raw: string, enriched: string) => `${enriched}${SEPARATOR}X=1`),
  // A duplicate, a foreign or a bare key.
  fc.constant((_raw: string, enriched: string) => `${enriched} AUID="unset"`),
  fc.constant((_raw: string, enriched: string) => `${enriched} UID="root"`),
  fc.constant((_raw: string, enriched: string) => `${enriched} X=1`),
  fc.constant((_raw: string, enriched: string) => enriched.replace('AUID="unset"', 'AUID=unset')),
  // Spacing after the separator.
  fc.constant((_raw: string, enriched: string) => enriched.replace(SEPARATOR, `${SEPARATOR} `)),
  fc.constant((_raw: string, enriched: string) => `${enriched} `),
  fc.constant((_raw: string, enriched: string) => enriched.replace(' AUID=', '  AUID=')),
  // Inside the RAW record, at any byte of it.
  fc.nat().map((at) => (raw: string) => {
    const cut = at % raw.length;
    return `${raw.slice(0, cut)}${SEPARATOR}${raw.slice(cut)}`;
  }),
);

describe('verify and the ENRICHED separator', () => {
  it('the captures as auditd wrote them pass', async () => {
    for (const lines of [rawVirt, enrichedVirt]) {
      const result = await verifyLines(lines);
      expect(result.problems).toEqual([]);
      expect(result.summary.valid).toBe(lines.length);
    }
  });

  it('a misplaced 0x1D or a wrong interpreted field makes a libvirt record invalid, named by line and rule', async () => {
    // The RAW form of each ENRICHED line: what auditd wrote before the separator.
    const pairs = enrichedVirt.map((enriched) => [enriched.split(SEPARATOR)[0]!, enriched] as const);
    expect(pairs.length).toBeGreaterThan(50);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(pairs.length - 1), damage), { minLength: 1, maxLength: 8 }), async (picks) => {
        const lines = picks.map(([index, damageLine]) => damageLine(...pairs[index]!));
        const result = await verifyLines(lines);
        for (let line = 1; line <= lines.length; line++) {
          const found = [...result.problems, ...result.warnings].filter((finding) => finding.line === line);
          const [raw] = pairs[picks[line - 1]![0]]!;
          if (!lines[line - 1]!.slice(0, raw.length).includes(SEPARATOR)) {
            // The record intact, what follows it wrong: an error of the record, by an enrichment rule.
            expect(found.some((finding) => finding.severity === 'error' && ENRICHMENT_RULES.includes(finding.rule)), `${JSON.stringify(lines[line - 1])}`).toBe(true);
          } else {
            // Inside the record: the line may no longer be a VIRT record (a cut type name) or an audit line at all.
            expect(found.some((finding) => finding.severity === 'error' || finding.severity === 'rejected' || ENRICHMENT_RULES.includes(finding.rule)), `${JSON.stringify(lines[line - 1])}`).toBe(true);
          }
        }
        expect(result.summary.valid).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  // On two threads (the built verify only) the same: test/verify-threaded.test.ts, whose damaged logs misplace 0x1D too.
  it('on any other record it is a warning', async () => {
    expect(enrichedOther.length).toBeGreaterThan(0);
    const line = enrichedOther[0]!;
    const broken = [line.replace(SEPARATOR, SEPARATOR + SEPARATOR), `${line}${SEPARATOR}`, `${line.split(SEPARATOR)[0]}${SEPARATOR}`, line.replace(SEPARATOR, `${SEPARATOR} `)];
    const result = await verifyLines(broken);
    const rules = result.warnings.filter((warning) => ENRICHMENT_RULES.includes(warning.rule)).map((warning) => [warning.line, warning.rule]);
    expect(rules).toEqual([[1, 'enrichment-separator'], [2, 'enrichment-separator'], [3, 'enrichment-separator'], [4, 'enrichment-form']]);
  });
});
