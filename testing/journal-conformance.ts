// `virt-audit conform --journal`: for each journaled guest, the records its steps must have written (the
// lifecycle builders, by the rules of the journal's libvirt) matched in order against the guest's records
// in the log: missing, extra, out of order, differing (field by field) and written under another guest's
// uuid, each with the step it belongs to and where in the log it is.
import type { AuditRecord } from '../src/model/audit-record.js';
import type { AuditInput } from '../src/reader/input-set.js';
import { ALL_BUT_INTERPRETED, readAuditEvents } from '../src/reader/read-events.js';
import { typeSelector } from '../src/reader/type-selection.js';
import type { HostValues, LibvirtVersion } from '../emitter/domain/host-values.js';
import { expectedRecords, libvirtVersionOf, type ExpectedStepRecord } from './journal-replay.js';
import type { GuestJournal, Journal } from './journal.js';
import { writtenPayload } from './trail-assertions.js';

/** The kinds of journal findings. */
export const JOURNAL_FINDING_KINDS = ['missing', 'extra', 'out-of-order', 'differing', 'wrong-guest', 'out-of-window'] as const;
/** A kind of journal finding: missing, extra, out-of-order, differing, wrong-guest, out-of-window. */
export type JournalFindingKind = (typeof JOURNAL_FINDING_KINDS)[number];

/** A field whose value differs between the expected and the written record. */
export interface FieldDifference {
  /** The field's name. */
  readonly name: string;
  /** Its expected value; null when only the written record has it. */
  readonly expected: string | null;
  /** Its written value; null when only the expected record has it. */
  readonly written: string | null;
}

/** A departure of the log from what a journaled step must have written. */
export interface JournalFinding {
  /** What kind of departure. */
  readonly kind: JournalFindingKind;
  /** The guest. */
  readonly guest: {
    /** Its role in the scenario. */
    readonly role: string;
    /** Its name. */
    readonly name: string;
    /** Its UUID. */
    readonly uuid: string;
  };
  /** The journaled step the record belongs to (index in the guest's steps, and its kind); null for an extra record. */
  readonly step: {
    /** The step's index in the guest's steps. */
    readonly index: number;
    /** The step's kind. */
    readonly kind: string;
  } | null;
  /** The written record, or for a missing one the record it should have come before (null: after the guest's last). */
  readonly file: string | null;
  /** Its line, from 1. */
  readonly line: number | null;
  /** The expected payload; null for an extra record. */
  readonly expected: string | null;
  /** The written payload; null for a missing record. */
  readonly written: string | null;
  /** For `differing`: the fields that differ. */
  readonly fields: readonly FieldDifference[];
}

/** The outcome of {@link conformJournal}. */
export interface JournalConformance {
  /** The libvirt whose rules applied. */
  readonly libvirt: string;
  /** Journaled guests. */
  readonly guests: number;
  /** Records the journal's steps must have written, and records of journaled guests in the log. */
  readonly expected: number;
  /** Records of journaled guests in the log. */
  readonly written: number;
  /** Records as expected. */
  readonly equal: number;
  /** Findings per kind. */
  readonly findings: Readonly<Record<JournalFindingKind, number>>;
  /** Findings in all. */
  readonly total: number;
}

/** How {@link conformJournal} judges. */
export interface JournalConformOptions {
  /** The libvirt whose rules apply (default: the journal's own `libvirt`). */
  readonly libvirt?: string;
  /** Run-time values for the steps whose journal entry carries none (journals written before they were recorded). */
  readonly fallbackHostValues?: HostValues;
  /** Receives each finding. */
  readonly onFinding?: (finding: JournalFinding) => void;
}

interface Written {
  readonly file: string;
  readonly line: number;
  readonly uuid: string;
  readonly payload: string;
  /** The record's stamp in seconds (milliseconds as the fraction), null when it has none of its own. */
  readonly time: number | null;
}

const keepEvent = typeSelector({ prefixes: ['VIRT_'] });

/** `name=value` pairs of a payload, in order. */
function fieldsOf(payload: string): Array<[string, string]> {
  return payload.split(' ').map((token) => {
    const at = token.indexOf('=');
    return at === -1 ? [token, ''] : [token.slice(0, at), token.slice(at + 1)];
  });
}

/**
 * The fields that differ between two payloads, by name.
 *
 * @param expected - The expected payload (`name=value …`).
 * @param written - The written payload.
 * @returns The differences, in the expected payload's order, then fields only the written one has.
 */
export function fieldDifferences(expected: string, written: string): FieldDifference[] {
  const want = fieldsOf(expected);
  const got = fieldsOf(written);
  const names = [...new Set([...want.map(([name]) => name), ...got.map(([name]) => name)])];
  const valueIn = (fields: Array<[string, string]>, name: string) => fields.find(([field]) => field === name)?.[1] ?? null;
  const differences = names
    .map((name) => ({ name, expected: valueIn(want, name), written: valueIn(got, name) }))
    .filter((difference) => difference.expected !== difference.written);
  // Same values in another order: the order is what differs.
  return differences.length === 0 ? [{ name: '(field order)', expected: want.map(([name]) => name).join(' '), written: got.map(([name]) => name).join(' ') }] : differences;
}

/** Longest-common-subsequence alignment: pairs (i, j) of equal payloads, in order. */
function align(expected: readonly ExpectedStepRecord[], written: readonly Written[]): Array<[number, number]> {
  const cols = written.length + 1;
  const common = new Uint32Array((expected.length + 1) * cols);
  for (let i = expected.length - 1; i >= 0; i--) {
    for (let j = written.length - 1; j >= 0; j--) {
      common[i * cols + j] = expected[i]!.payload === written[j]!.payload ? common[(i + 1) * cols + j + 1]! + 1 : Math.max(common[(i + 1) * cols + j]!, common[i * cols + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < expected.length && j < written.length) {
    if (expected[i]!.payload === written[j]!.payload) pairs.push([i++, j++]);
    else if (common[(i + 1) * cols + j]! >= common[i * cols + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

interface GuestResult {
  readonly guest: GuestJournal;
  equal: number;
  /** The expected records found as written, with the record that wrote them. */
  readonly matched: Array<{ record: ExpectedStepRecord; written: Written }>;
  readonly missing: Array<{ record: ExpectedStepRecord; before: Written | null }>;
  readonly extra: Written[];
  readonly differing: Array<{ record: ExpectedStepRecord; written: Written }>;
}

function compareGuest(guest: GuestJournal, expected: readonly ExpectedStepRecord[], written: readonly Written[]): GuestResult {
  const result: GuestResult = { guest, equal: 0, matched: [], missing: [], extra: [], differing: [] };
  let i = 0;
  let j = 0;
  const gap = (toI: number, toJ: number): void => {
    const paired = Math.min(toI - i, toJ - j);
    for (let k = 0; k < paired; k++) result.differing.push({ record: expected[i + k]!, written: written[j + k]! });
    for (let k = i + paired; k < toI; k++) result.missing.push({ record: expected[k]!, before: written[toJ] ?? null });
    for (let k = j + paired; k < toJ; k++) result.extra.push(written[k]!);
  };
  for (const [matchI, matchJ] of align(expected, written)) {
    gap(matchI, matchJ);
    result.equal++;
    result.matched.push({ record: expected[matchI]!, written: written[matchJ]! });
    i = matchI + 1;
    j = matchJ + 1;
  }
  gap(expected.length, written.length);
  return result;
}

/** Rendered once per guest, version and fallback: a journal checked against many logs renders its steps once. */
const rendered = new WeakMap<GuestJournal, Map<string, { fallback: HostValues | undefined; records: ExpectedStepRecord[] }>>();

function expectedOf(guest: GuestJournal, version: LibvirtVersion, fallback: HostValues | undefined): ExpectedStepRecord[] {
  let byVersion = rendered.get(guest);
  if (byVersion === undefined) rendered.set(guest, (byVersion = new Map()));
  const known = byVersion.get(version);
  if (known !== undefined && known.fallback === fallback) return known.records;
  const records = expectedRecords(guest, version, fallback);
  byVersion.set(version, { fallback, records });
  return records;
}

/**
 * Checks the log's records of every journaled guest against the records its steps must have written
 * (`virt-audit conform --journal`).
 *
 * @param journal - The journal (see {@link readJournal}).
 * @param inputs - The logs, in reading order.
 * @param options - Whose rules, fallback host values, and a callback per finding.
 * @returns The counts.
 * @throws `InputError` when an input cannot be read.
 */
export async function conformJournal(journal: Journal, inputs: readonly AuditInput[], options: JournalConformOptions = {}): Promise<JournalConformance> {
  const version = libvirtVersionOf(journal, options.libvirt);
  const byUuid = new Map<string, Written[]>();
  await readAuditEvents(
    inputs,
    (event) => {
      for (const record of event.records as readonly AuditRecord[]) {
        const uuid = record.payloadValue('uuid');
        if (typeof uuid !== 'string') continue;
        let list = byUuid.get(uuid);
        if (list === undefined) byUuid.set(uuid, (list = []));
        list.push({ file: record.file, line: record.line, uuid, payload: writtenPayload(record), time: record.time === null ? null : record.time.sec + record.time.ms / 1000 });
      }
    },
    { forms: ALL_BUT_INTERPRETED, keepEvent },
  );
  const results = journal.guests.map((guest) => compareGuest(guest, expectedOf(guest, version, options.fallbackHostValues), byUuid.get(guest.uuid) ?? []));
  const findings: Record<JournalFindingKind, number> = { missing: 0, extra: 0, 'out-of-order': 0, differing: 0, 'wrong-guest': 0, 'out-of-window': 0 };
  let total = 0;
  const report = (finding: JournalFinding): void => {
    findings[finding.kind]++;
    total++;
    options.onFinding?.(finding);
  };
  const journaled = new Set(journal.guests.map((guest) => guest.uuid));
  // Records of guests the journal does not name: where a record written under a wrong uuid may have gone.
  const strays: Written[] = [...byUuid].filter(([uuid]) => !journaled.has(uuid)).flatMap(([, list]) => list);
  const extras = [...results.flatMap((result) => result.extra), ...strays];
  const claimed = new Set<Written>();
  for (const result of results) {
    const { role, name, uuid } = result.guest;
    const guest = { role, name, uuid };
    const step = (record: ExpectedStepRecord) => ({ index: record.step, kind: record.kind });
    for (const { record, before } of result.missing) {
      const moved = result.extra.find((written) => !claimed.has(written) && written.payload === record.payload);
      const elsewhere = moved ?? extras.find((written) => !claimed.has(written) && written.uuid !== uuid && written.payload.replaceAll(`uuid=${written.uuid}`, `uuid=${uuid}`) === record.payload);
      if (elsewhere !== undefined) {
        claimed.add(elsewhere);
        report({ kind: moved ? 'out-of-order' : 'wrong-guest', guest, step: step(record), file: elsewhere.file, line: elsewhere.line, expected: record.payload, written: elsewhere.payload, fields: moved ? [] : fieldDifferences(record.payload, elsewhere.payload) });
        continue;
      }
      report({ kind: 'missing', guest, step: step(record), file: before?.file ?? null, line: before?.line ?? null, expected: record.payload, written: null, fields: [] });
    }
    for (const { record, written } of result.differing) {
      report({ kind: 'differing', guest, step: step(record), file: written.file, line: written.line, expected: record.payload, written: written.payload, fields: fieldDifferences(record.payload, written.payload) });
    }
    // A step's records must be stamped within the step's window, where the journal gives one.
    for (const { record, written } of [...result.matched, ...result.differing]) {
      const window = result.guest.steps[record.step]?.window;
      if (window === undefined || (written.time !== null && written.time >= window.from && written.time <= window.to)) continue;
      const when = written.time === null ? 'no stamp of its own' : `stamped ${written.time.toFixed(3)}`;
      report({
        kind: 'out-of-window', guest, step: step(record), file: written.file, line: written.line, expected: record.payload, written: written.payload,
        fields: [{ name: '(time)', expected: `${window.from.toFixed(3)}–${window.to.toFixed(3)}`, written: when }],
      });
    }
  }
  for (const result of results) {
    const { role, name, uuid } = result.guest;
    for (const written of result.extra) {
      if (claimed.has(written)) continue;
      report({ kind: 'extra', guest: { role, name, uuid }, step: null, file: written.file, line: written.line, expected: null, written: written.payload, fields: [] });
    }
  }
  const expectedCount = results.reduce((sum, result) => sum + result.equal + result.missing.length + result.differing.length, 0);
  const writtenCount = journal.guests.reduce((sum, guest) => sum + (byUuid.get(guest.uuid)?.length ?? 0), 0);
  return {
    libvirt: version, guests: journal.guests.length, expected: expectedCount, written: writtenCount,
    equal: results.reduce((sum, result) => sum + result.equal, 0), findings, total,
  };
}

/**
 * A finding as one line: where, what, which step, and the expected line.
 *
 * @param finding - The finding.
 * @returns The line, without a newline.
 */
export function formatJournalFinding(finding: JournalFinding): string {
  const where = finding.file === null ? '(end of log)' : `${finding.file}:${finding.line}`;
  const step = finding.step === null ? '' : ` step ${finding.step.index + 1} (${finding.step.kind})`;
  const head = `${where}: ${finding.kind} — ${finding.guest.role} (${finding.guest.name})${step}`;
  switch (finding.kind) {
    case 'missing':
      return `${head}: not written${finding.file === null ? '' : ' before this record'}; expected ${finding.expected}`;
    case 'extra':
      return `${head}: written, not expected: ${finding.written}`;
    case 'out-of-order':
      return `${head}: written here, out of its step's place: ${finding.written}`;
    case 'out-of-window':
      return `${head}: ${finding.fields[0]!.written}, outside the step's window ${finding.fields[0]!.expected}: ${finding.written}`;
    case 'wrong-guest':
    case 'differing':
      return `${head}: ${finding.fields.map((field) => `${field.name}=${field.written ?? '(none)'} where ${field.expected ?? '(none)'} was expected`).join(', ')}; expected ${finding.expected}`;
  }
}
