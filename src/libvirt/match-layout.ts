import type { AuditField } from '../model/audit-field.js';
import type { LibvirtRecordType } from '../tables/record-types.js';
import { layoutsFor, type PayloadLayout, type Profile } from './layouts.js';

export interface LayoutMatch {
  readonly layout: PayloadLayout;
  /** The field names are exactly the layout's, in its order. */
  readonly exact: boolean;
}

function discriminatorsHold(layout: PayloadLayout, body: readonly AuditField[]): boolean {
  for (const spec of layout.fields) {
    if (spec.values?.length !== 1) continue;
    const field = body.find((candidate) => candidate.name === spec.name);
    if (field?.value !== spec.values[0]) return false;
  }
  return true;
}

function sameNames(layout: PayloadLayout, body: readonly AuditField[]): boolean {
  return layout.fields.length === body.length && layout.fields.every((spec, index) => spec.name === body[index]!.name);
}

function sharedNames(layout: PayloadLayout, body: readonly AuditField[]): number {
  const names = new Set(body.map((field) => field.name));
  return layout.fields.filter((spec) => names.has(spec.name)).length - Math.abs(layout.fields.length - body.length);
}

/**
 * The layouts a libvirt payload (without the libaudit tail) may have been built from: every exact match,
 * current layouts before legacy ones (a legacy form may share a current one's field names and differ
 * only in wire form); else the one closest layout whose discriminators (resrc, op=init, class,
 * reason=open) hold, for reporting what differs; else none.
 */
const byTypeAndProfile = new Map<string, readonly PayloadLayout[]>();

/** The layouts of one record type in one profile, in layoutsFor's order. */
function layoutsOf(type: LibvirtRecordType, profile: Profile): readonly PayloadLayout[] {
  const key = `${profile} ${type}`;
  let layouts = byTypeAndProfile.get(key);
  if (layouts === undefined) byTypeAndProfile.set(key, (layouts = layoutsFor(profile).filter((layout) => layout.recordType === type)));
  return layouts;
}

export function matchLayouts(type: LibvirtRecordType, body: readonly AuditField[], profile: Profile): LayoutMatch[] {
  const candidates = layoutsOf(type, profile).filter((layout) => discriminatorsHold(layout, body));
  const exact = candidates.filter((layout) => sameNames(layout, body));
  if (exact.length > 0) return exact.map((layout) => ({ layout, exact: true }));
  let best: PayloadLayout | undefined;
  let bestScore = -Infinity;
  for (const layout of candidates) {
    const score = sharedNames(layout, body) + (layout.profile === 'libvirt' ? 0.5 : 0);
    if (score > bestScore) {
      best = layout;
      bestScore = score;
    }
  }
  return best ? [{ layout: best, exact: false }] : [];
}
