// The correlator's changes as the live side's events (verifier/live/live-event.ts): built only when someone
// listens, so a batch report pays nothing for them.
import type { LiveEvent, LiveEventKind } from '../live/live-event.js';
import { isoTime } from '../local-time.js';
import { formatProofId, type GuestAnomaly, type GuestAvc, type ProofId } from './session-model.js';

/** What an event says of its guest. */
export interface GuestNames {
  readonly node: string | null;
  readonly uuid: string;
  readonly name: string;
}

export type ChangeListener = (event: LiveEvent) => void;

const timeOf = (proof: ProofId): string => isoTime(proof.sec * 1000 + proof.ms);

/** An event of `kind` for `guest`, made at the record `proof`, with more `proofs` and fields. */
export function liveEvent(kind: LiveEventKind, guest: GuestNames, proof: ProofId, fields: Partial<Omit<LiveEvent, 'event' | 'time' | 'node' | 'uuid' | 'name'>> = {}): LiveEvent {
  return { event: kind, time: timeOf(proof), node: guest.node, uuid: guest.uuid, name: guest.name, ...fields, proofs: fields.proofs ?? [formatProofId(proof)] };
}

/** The avc or anomaly entry as the JSON report writes it. */
export function entryDetail(entry: GuestAvc | GuestAnomaly): Readonly<Record<string, unknown>> {
  return { ...entry, proof: formatProofId(entry.proof), time: timeOf(entry.proof) };
}

export const proofIds = (proofs: readonly ProofId[]): string[] => proofs.map(formatProofId);
