// The AVC denials and anomalies that match no guest are in the JSON forms as entries, not only counted: on
// logs generated here (AVCs under another guest's label or none, ANOM_ABENDs of processes that are no
// guest, among those of running guests), each unmatched one is an entry with its fields and proof, in the
// log's order; past the limit they are counted as omitted. Through the built auvirt and through readSessions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { correlateSessions } from '../verifier/correlator/run-sessions.js';
import { SessionCorrelator } from '../verifier/correlator/session-correlator.js';
import { unmatchedJson } from '../verifier/correlator/session-json.js';
import { resolveInputs } from '../src/index.js';
import { readSessions, UNMATCHED_KEPT, type Session, type Unmatched, type UnmatchedAnomaly, type UnmatchedAvc } from '../verifier/sessions.js';
import { CLI } from './support/cli.js';
import { T0, U1, U2, avc, machineId, start, stop } from './support/edge-logs.js';

const AUVIRT = CLI.replace(/virt-audit\.js$/, 'auvirt.js');
const directory = mkdtempSync(join(tmpdir(), 'virt-audit-unmatched-'));
let files = 0;

function auvirt(path: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, [AUVIRT, '--file', path, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 28 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** What may come between the two guests' starts and stops. */
type Item =
  | { readonly kind: 'avc-guest'; readonly guest: 0 | 1; readonly permissions: readonly string[]; readonly name: string }
  | { readonly kind: 'avc-other-label'; readonly category: number; readonly permissions: readonly string[]; readonly comm: string; readonly name: string }
  | { readonly kind: 'avc-no-label'; readonly category: number; readonly permissions: readonly string[]; readonly comm: string; readonly name: string }
  | { readonly kind: 'anom-guest'; readonly guest: 0 | 1; readonly signal: number }
  | { readonly kind: 'anom-other'; readonly pid: number; readonly signal: number; readonly comm: string; readonly exe: string };

const GUESTS = [
  { name: 'guest-a', uuid: U1, pid: 7101, level: 's0:c1,c2' },
  { name: 'guest-b', uuid: U2, pid: 7102, level: 's0:c3,c4' },
] as const;

/** A value as auditd writes it: quoted, or hex when it holds a space, a quote or a control character. */
const encoded = (text: string): string => (/^[\x21-\x7e]*$/.test(text) && !text.includes('"') ? `"${text}"` : Buffer.from(text, 'utf8').toString('hex').toUpperCase());

interface Generated {
  readonly lines: string[];
  readonly avcs: UnmatchedAvc[];
  readonly anomalies: UnmatchedAnomaly[];
  /** Per guest name: the proofs of its own AVCs and anomalies. */
  readonly guestAvcs: Map<string, string[]>;
  readonly guestAnomalies: Map<string, string[]>;
}

/** The log of two labelled guests running while `items` happen, and the unmatched entries it must give. */
function generate(items: readonly Item[]): Generated {
  const lines: string[] = [];
  const avcs: UnmatchedAvc[] = [];
  const anomalies: UnmatchedAnomaly[] = [];
  const guestAvcs = new Map<string, string[]>(GUESTS.map((guest) => [guest.name, []]));
  const guestAnomalies = new Map<string, string[]>(GUESTS.map((guest) => [guest.name, []]));
  let serial = 1;
  GUESTS.forEach((guest) => {
    lines.push(machineId(0, serial++, guest.name, guest.uuid, `system_u:system_r:svirt_t:${guest.level}`, 'selinux'));
    lines.push(start(0, serial++, guest.name, guest.uuid, guest.pid));
  });
  items.forEach((item, index) => {
    const minute = 1 + index;
    const proof = `${T0 + minute * 60}.000:${serial}`;
    const time = new Date((T0 + minute * 60) * 1000).toISOString();
    if (item.kind === 'avc-guest') {
      const guest = GUESTS[item.guest];
      const scontext = `system_u:system_r:svirt_t:${guest.level}`;
      lines.push(...avc(minute, serial, `avc:  denied  { ${item.permissions.join(' ')} } for  pid=${guest.pid} comm="qemu-kvm" name=${encoded(item.name)} scontext=${scontext} tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0`, 0));
      guestAvcs.get(guest.name)!.push(proof);
    } else if (item.kind === 'avc-other-label' || item.kind === 'avc-no-label') {
      // Another guest's label (a level none of the log's guests has), or none (a host process's s0).
      const scontext = item.kind === 'avc-other-label' ? `system_u:system_r:svirt_t:s0:c${item.category},c${item.category + 1}` : 'system_u:system_r:httpd_t:s0';
      const tcontext = item.kind === 'avc-other-label' ? `system_u:object_r:svirt_image_t:s0:c${item.category},c${item.category + 1}` : 'system_u:object_r:shadow_t:s0';
      lines.push(...avc(minute, serial, `avc:  denied  { ${item.permissions.join(' ')} } for  pid=${30_000 + index} comm=${encoded(item.comm)} name=${encoded(item.name)} scontext=${scontext} tcontext=${tcontext} tclass=file permissive=0`, 0));
      avcs.push({ kind: 'selinux', result: 'denied', permissions: item.permissions, comm: item.comm, target: item.name, scontext, tcontext, user: 'root', proof, time });
    } else if (item.kind === 'anom-guest') {
      const guest = GUESTS[item.guest];
      lines.push(`type=ANOM_ABEND msg=audit(${T0 + minute * 60}.000:${serial}): auid=4294967295 uid=107 gid=107 ses=4294967295 subj=system_u:system_r:svirt_t:${guest.level} pid=${guest.pid} comm="qemu-kvm" exe="/usr/bin/qemu-system-x86_64" sig=${item.signal} res=1`);
      guestAnomalies.get(guest.name)!.push(proof);
    } else {
      lines.push(`type=ANOM_ABEND msg=audit(${T0 + minute * 60}.000:${serial}): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 pid=${item.pid} comm=${encoded(item.comm)} exe=${encoded(item.exe)} sig=${item.signal} res=1`);
      anomalies.push({ type: 'ANOM_ABEND', pid: item.pid, signal: item.signal, user: 'root', proof, comm: item.comm, exe: item.exe, time });
    }
    serial++;
  });
  const end = items.length + 1;
  GUESTS.forEach((guest) => lines.push(stop(end, serial++, guest.name, guest.uuid)));
  return { lines, avcs, anomalies, guestAvcs, guestAnomalies };
}

function write(lines: readonly string[]): string {
  const path = join(directory, `log-${files++}.log`);
  writeFileSync(path, `${lines.join('\n')}\n`, 'utf8');
  return path;
}

const permission = fc.constantFrom('read', 'write', 'open', 'getattr', 'ioctl', 'map', 'relabelto');
const permissions = fc.uniqueArray(permission, { minLength: 1, maxLength: 3 });
const word = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/);
/** A command or path, sometimes with a space (hex in the log). */
const text = fc.oneof(word, fc.tuple(word, word).map(([a, b]) => `${a} ${b}`));
// Categories from 5 up: none of the guests' (c1,c2 and c3,c4).
const category = fc.integer({ min: 5, max: 1000 });
const signal = fc.constantFrom(6, 9, 11);
const guest = fc.constantFrom(0 as const, 1 as const);
const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ kind: fc.constant('avc-guest' as const), guest, permissions, name: text }),
  fc.record({ kind: fc.constant('avc-other-label' as const), category, permissions, comm: text, name: text }),
  fc.record({ kind: fc.constant('avc-no-label' as const), category, permissions, comm: text, name: text }),
  fc.record({ kind: fc.constant('anom-guest' as const), guest, signal }),
  fc.record({ kind: fc.constant('anom-other' as const), pid: fc.integer({ min: 20_000, max: 4_000_000 }), signal, comm: text, exe: text.map((name) => `/usr/bin/${name}`) }),
);

type Document = { sessions: Session[]; unmatched: Unmatched };

describe('auvirt --format json: the AVCs and anomalies of no guest, as entries', () => {
  it('each unmatched AVC (another guest\'s label, no label) and anomaly (a process that is no guest) is an entry with its fields and proof; the guests\' own stay theirs', () => {
    const generated = generate(fc.sample(fc.array(item, { minLength: 30, maxLength: 60 }), { numRuns: 1, seed: 17 })[0]!);
    expect(generated.avcs.length).toBeGreaterThan(0);
    expect(generated.anomalies.length).toBeGreaterThan(0);
    const path = write(generated.lines);
    const json = auvirt(path, '--format', 'json');
    const document = JSON.parse(json) as Document;
    expect(document.unmatched).toEqual({
      avcs: generated.avcs.length, anomalies: generated.anomalies.length, avcEntries: generated.avcs, anomalyEntries: generated.anomalies, omitted: { avcs: 0, anomalies: 0 },
    });
    for (const session of document.sessions) {
      expect(session.avcs.map((entry) => entry.proof), session.name).toEqual(generated.guestAvcs.get(session.name));
      expect(session.anomalies.map((entry) => entry.proof), session.name).toEqual(generated.guestAnomalies.get(session.name));
    }
    // The document's keys, in order: a consumer of the counts alone reads them where they were.
    expect(Object.keys(document.unmatched)).toEqual(['avcs', 'anomalies', 'avcEntries', 'anomalyEntries', 'omitted']);
    // --format ndjson: the sessions, then the same unmatched on the last line.
    const lines = auvirt(path, '--format', 'ndjson').trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([...document.sessions, { unmatched: document.unmatched }]);
    // The text summary counts them as before: all of them.
    const summary = auvirt(path, '--summary');
    expect(summary).toMatch(new RegExp(`Unmatched AVCs and anomalies: +${generated.avcs.length + generated.anomalies.length}\\n`));
  });

  it(`past ${UNMATCHED_KEPT.toLocaleString('en')} of each, the first are listed and the rest counted as omitted`, () => {
    const extraAvcs = 1 + Math.floor(Math.random() * 40);
    const extraAnomalies = 1 + Math.floor(Math.random() * 40);
    const items: Item[] = [
      ...Array.from({ length: UNMATCHED_KEPT + extraAvcs }, (_, index): Item => ({ kind: 'avc-no-label', category: 5, permissions: ['read'], comm: 'httpd', name: `file${index}` })),
      ...Array.from({ length: UNMATCHED_KEPT + extraAnomalies }, (_, index): Item => ({ kind: 'anom-other', pid: 20_000 + index, signal: 11, comm: 'crasher', exe: '/usr/bin/crasher' })),
    ];
    const generated = generate(items);
    const document = JSON.parse(auvirt(write(generated.lines), '--format', 'json')) as Document;
    expect(document.unmatched.avcs).toBe(UNMATCHED_KEPT + extraAvcs);
    expect(document.unmatched.anomalies).toBe(UNMATCHED_KEPT + extraAnomalies);
    expect(document.unmatched.avcEntries).toEqual(generated.avcs.slice(0, UNMATCHED_KEPT));
    expect(document.unmatched.anomalyEntries).toEqual(generated.anomalies.slice(0, UNMATCHED_KEPT));
    expect(document.unmatched.omitted).toEqual({ avcs: extraAvcs, anomalies: extraAnomalies });
  });
});

describe('readSessions(…).unmatched', () => {
  it('lists the first keepUnmatched of each, in the log\'s order, with their fields and proof, and counts the rest (generated logs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 40 }), fc.integer({ min: 0, max: 12 }), async (items, keep) => {
        const generated = generate(items);
        const sessions = readSessions([write(generated.lines)], { keepUnmatched: keep });
        const unmatched = sessions.unmatched;
        const names: string[] = [];
        for await (const session of sessions) names.push(session.name);
        expect(names).toEqual(GUESTS.map((guest) => guest.name));
        expect(unmatched).toEqual({
          avcs: generated.avcs.length, anomalies: generated.anomalies.length,
          avcEntries: generated.avcs.slice(0, keep), anomalyEntries: generated.anomalies.slice(0, keep),
          omitted: { avcs: Math.max(0, generated.avcs.length - keep), anomalies: Math.max(0, generated.anomalies.length - keep) },
        });
      }),
      { numRuns: 25, seed: 1717 },
    );
  });

  it('refuses a keepUnmatched that is not a whole number', () => {
    for (const keep of [-1, 1.5, Number.NaN, Infinity]) expect(() => readSessions(['-'], { keepUnmatched: keep })).toThrow(RangeError);
  });
});

describe('the correlator\'s snapshot (watch --state)', () => {
  it('keeps the unmatched counts, not the entries: a restored correlator shows them all as omitted', async () => {
    const items: Item[] = [
      { kind: 'avc-no-label', category: 5, permissions: ['read'], comm: 'httpd', name: 'one' },
      { kind: 'anom-other', pid: 20_001, signal: 11, comm: 'crasher', exe: '/usr/bin/crasher' },
      { kind: 'avc-other-label', category: 9, permissions: ['write'], comm: 'qemu-kvm', name: 'two' },
    ];
    const correlator = await correlateSessions(await resolveInputs([write(generate(items).lines)]), { keepUnmatched: 2 });
    expect(correlator.unmatched.avcEntries).toHaveLength(2);
    const snapshot = correlator.snapshot();
    expect(snapshot.unmatched).toEqual({ avcs: 2, anomalies: 1 });
    const restored = SessionCorrelator.restore(JSON.parse(JSON.stringify(snapshot)) as typeof snapshot, { keepUnmatched: 2 });
    expect(unmatchedJson(restored.unmatched)).toEqual({ avcs: 2, anomalies: 1, avcEntries: [], anomalyEntries: [], omitted: { avcs: 2, anomalies: 1 } });
  });
});
