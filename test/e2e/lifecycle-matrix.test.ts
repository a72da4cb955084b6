// End to end: the capture matrix (scripts/lab/matrix.ts) run live under libvirt 9.0 (the host's) and,
// where their chroot is built (bash scripts/libvirt-chroot.sh build 11.3|12.9), under 11.3 and 12.9,
// into a private auditd; every step of every guest compared with the lifecycle builder's rendering of
// its journal. Prints per guest: equal, differing, missing, extra. Each version is skipped, with the
// reason printed, where the lab cannot run it. STRICT_BUILDER_PARITY (test/support/builder-parity.ts) turns
// the counts into the requirement that every count but "equal" is 0.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootableGuest } from '../../scripts/lab/capture-pass.js';
import { HostLab, LAB_LIBVIRT_VERSIONS, labUnavailable } from '../../scripts/lab/host-lab.js';
import type { Journal } from '../../scripts/lab/journal.js';
import { runMatrix } from '../../scripts/lab/matrix.js';
import { compareJournal, comparisonDetails, comparisonTable, type GuestComparison } from '../../scripts/lab/payload-diff.js';
import { capturedPayloads, rebuiltPayloads } from '../support/journal-replay.js';
import { STRICT_BUILDER_PARITY } from '../support/builder-parity.js';

const say = (message: string) => process.stderr.write(`lifecycle-matrix: ${message}\n`);

/** The matrix of one libvirt version: ~37 TCG guests, two of them booting a kernel; bounded well under 20 minutes. */
const MATRIX_MS = 1_200_000;

/** VIRT_AUDIT_MATRIX_VERSIONS=9.0,12.9 runs only those versions (all that the lab can run by default). */
const wanted = process.env.VIRT_AUDIT_MATRIX_VERSIONS?.split(',').map((version) => version.trim());
const versions = LAB_LIBVIRT_VERSIONS.map((version) => ({
  version,
  unavailable: wanted && !wanted.includes(version) ? `not in VIRT_AUDIT_MATRIX_VERSIONS=${wanted.join(',')}` : labUnavailable(version),
}));

describe.each(versions)('the capture matrix under libvirt $version', ({ version, unavailable }) => {
  if (unavailable) say(`[skip] libvirt ${version}: ${unavailable}`);
  let lab: HostLab | undefined;
  let journal: Journal;
  let rows: GuestComparison[];
  let writers: string[];

  beforeAll(async () => {
    if (unavailable) return;
    const bootable = bootableGuest();
    lab = await HostLab.start({ format: 'RAW', libvirt: version });
    journal = await runMatrix(lab, { bootable, say: (message) => say(`${version}: ${message}`) });
    const logText = readFileSync(await lab.stopAuditd(), 'latin1');
    for (const skipped of journal.skipped) say(`${version}: the host could not do: ${skipped}`);
    const uuids = new Set(journal.guests.map((guest) => guest.uuid));
    writers = [...new Set(logText.split('\n')
      .filter((line) => line.includes('type=VIRT_') && [...uuids].some((uuid) => line.includes(`uuid=${uuid}`)))
      .map((line) => /\bpid=(\d+)/.exec(line)?.[1] ?? 'none'))];
    rows = compareJournal(journal, (guest) => capturedPayloads(logText, guest.uuid), (guest) => rebuiltPayloads(guest, journal));
    console.log(comparisonTable(`libvirt ${journal.libvirt} (live matrix): records per guest`, rows));
    const details = comparisonDetails(rows);
    if (details) console.log(`libvirt ${journal.libvirt}: the guests not rendered exactly (- libvirt only, + builder only, ~ paired by kind):\n${details}`);
  }, MATRIX_MS);

  afterAll(async () => {
    await lab?.stop();
  }, 120_000);

  it.skipIf(unavailable !== null)('ran at least 20 guests, under the libvirt asked for', () => {
    expect(journal.libvirt.startsWith(`${version}.`)).toBe(true);
    expect(journal.guests.length).toBeGreaterThanOrEqual(20);
  });

  it.skipIf(unavailable !== null)("every guest's record was written by the lab's libvirtd (pid=), none by another daemon", () => {
    expect(writers).toEqual([String(journal.libvirtdPid)]);
  });

  it.skipIf(unavailable !== null)('every guest compared, each record counted once', () => {
    for (const row of rows) {
      expect(row.equal + row.differing + row.missing, row.role).toBe(row.captured);
      expect(row.equal + row.differing + row.extra, row.role).toBe(row.rebuilt);
      if (STRICT_BUILDER_PARITY) {
        // CI shows only the tail of the log: the failure itself carries the records and the guest's notes.
        const notes = journal.guests.find((guest) => guest.uuid === row.uuid)?.notes ?? [];
        const evidence = [comparisonDetails([row]), ...notes.map((note) => `note: ${note}`)].filter(Boolean).join('\n');
        expect({ role: row.role, differing: row.differing, missing: row.missing, extra: row.extra, error: row.rebuildError }, evidence)
          .toEqual({ role: row.role, differing: 0, missing: 0, extra: 0, error: undefined });
      }
    }
    expect(rows.reduce((sum, row) => sum + row.captured, 0)).toBeGreaterThan(0);
  });
});
