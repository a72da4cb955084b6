// Step-by-step comparison of the records libvirt wrote for a guest with those the lifecycle builder
// renders from its journal: both as ordered lists of wire payloads. Records equal in both, in order,
// are matched first (a longest common subsequence); in each stretch between two matches, a captured
// and a rendered record of the same kind (resrc/reason/op) are one record "differing", and what is left
// is "missing" (libvirt wrote it, the builder did not render it) or "extra" (rendered, never written).
import type { GuestJournal, Journal } from './journal.js';

export type DiffKind = 'equal' | 'differing' | 'missing' | 'extra';

export interface DiffRow {
  readonly kind: DiffKind;
  readonly captured?: string;
  readonly rebuilt?: string;
}

export interface PayloadDiff {
  readonly equal: number;
  readonly differing: number;
  readonly missing: number;
  readonly extra: number;
  readonly rows: readonly DiffRow[];
}

/** What kind of record a payload is: its virt=, resrc=, reason= and op= fields (the values libvirt fixes per call site). */
export function recordKind(payload: string): string {
  return [...payload.matchAll(/(?:^|\s|')(resrc|reason|op)=(\S+)/g)].map((match) => `${match[1]}=${match[2]}`).join(' ');
}

/** Indices of a longest common subsequence of `a` and `b`, as [i, j] pairs in order. */
function commonSubsequence(a: readonly string[], b: readonly string[]): [number, number][] {
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/** Pairs the records of one unmatched stretch by kind, in order; the rest are missing or extra. */
function stretchRows(captured: readonly string[], rebuilt: readonly string[]): DiffRow[] {
  const rows: DiffRow[] = [];
  const used = new Set<number>();
  for (const record of captured) {
    const kind = recordKind(record);
    const partner = rebuilt.findIndex((candidate, index) => !used.has(index) && recordKind(candidate) === kind);
    if (partner < 0) {
      rows.push({ kind: 'missing', captured: record });
    } else {
      used.add(partner);
      rows.push({ kind: 'differing', captured: record, rebuilt: rebuilt[partner]! });
    }
  }
  rebuilt.forEach((record, index) => {
    if (!used.has(index)) rows.push({ kind: 'extra', rebuilt: record });
  });
  return rows;
}

/** The comparison of libvirt's records (`captured`) with the builder's (`rebuilt`). */
export function diffPayloads(captured: readonly string[], rebuilt: readonly string[]): PayloadDiff {
  const rows: DiffRow[] = [];
  let i = 0;
  let j = 0;
  for (const [ci, rj] of [...commonSubsequence(captured, rebuilt), [captured.length, rebuilt.length] as [number, number]]) {
    rows.push(...stretchRows(captured.slice(i, ci), rebuilt.slice(j, rj)));
    if (ci < captured.length) rows.push({ kind: 'equal', captured: captured[ci]!, rebuilt: rebuilt[rj]! });
    i = ci + 1;
    j = rj + 1;
  }
  const count = (kind: DiffKind) => rows.filter((row) => row.kind === kind).length;
  return { equal: count('equal'), differing: count('differing'), missing: count('missing'), extra: count('extra'), rows };
}

export interface GuestComparison extends PayloadDiff {
  readonly role: string;
  readonly uuid: string;
  readonly captured: number;
  readonly rebuilt: number;
  /** Why the builder could not render the guest's journal, when it threw. */
  readonly rebuildError?: string;
}

/** Every guest of a journal compared; a builder that throws on a guest renders nothing for it (all missing). */
export function compareJournal(
  journal: Journal,
  captured: (guest: GuestJournal) => string[],
  rebuilt: (guest: GuestJournal) => string[],
): GuestComparison[] {
  return journal.guests.map((guest) => {
    const libvirts = captured(guest);
    let ours: string[] = [];
    let rebuildError: string | undefined;
    try {
      ours = rebuilt(guest);
    } catch (error) {
      rebuildError = (error as Error).message.split('\n')[0];
    }
    return {
      role: guest.role, uuid: guest.uuid, captured: libvirts.length, rebuilt: ours.length,
      ...diffPayloads(libvirts, ours), ...(rebuildError === undefined ? {} : { rebuildError }),
    };
  });
}

/** A plain-text table, one line per guest: role, captured, rendered, equal, differing, missing, extra. */
export function comparisonTable(title: string, rows: readonly GuestComparison[]): string {
  const header = ['guest', 'libvirt', 'builder', 'equal', 'differing', 'missing', 'extra'];
  const body = rows.map((row) => [
    row.role + (row.rebuildError ? ' (builder threw)' : ''), String(row.captured), String(row.rebuilt),
    String(row.equal), String(row.differing), String(row.missing), String(row.extra),
  ]);
  const total = (key: 'captured' | 'rebuilt' | 'equal' | 'differing' | 'missing' | 'extra') => String(rows.reduce((sum, row) => sum + row[key], 0));
  body.push(['total', total('captured'), total('rebuilt'), total('equal'), total('differing'), total('missing'), total('extra')]);
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((line) => line[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [title, line(header), ...body.map(line)].join('\n');
}

/** Every record of the guests that are not all equal, marked as the diff saw it: what a failed run must show. */
export function comparisonDetails(rows: readonly GuestComparison[]): string {
  const mark: Record<DiffKind, string> = { equal: '  ', differing: '~ ', missing: '- ', extra: '+ ' };
  const out: string[] = [];
  for (const row of rows) {
    if (row.differing + row.missing + row.extra === 0 && row.rebuildError === undefined) continue;
    out.push(`${row.role} (${row.uuid})${row.rebuildError ? `: the builder threw: ${row.rebuildError}` : ''}`);
    for (const diff of row.rows) {
      if (diff.kind === 'differing') out.push(`~ libvirt: ${diff.captured}`, `~ builder: ${diff.rebuilt}`);
      else out.push(`${mark[diff.kind]}${diff.captured ?? diff.rebuilt}`);
    }
  }
  return out.join('\n');
}
