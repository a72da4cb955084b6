// How auvirt --compat reads its inputs, in a module light enough to load before anything else: the report
// starts reading with it, and its reading thread boots while the correlator loads.
import type { AuditInput } from '../../src/reader/input-set.js';
import { startAuparseReading, type Reading } from '../../src/reader/read-events-threaded.js';
import type { TypeSelection } from '../../src/reader/type-selection.js';

export const ANOMALY_TYPES: ReadonlyArray<readonly [number, number]> = [[1700, 1799], [2100, 2199]];
const VIRT_TYPES = ['VIRT_MACHINE_ID', 'VIRT_CONTROL', 'VIRT_RESOURCE'];

/** The events auvirt reads, by their first record's type (AVCs and anomalies with --all-events or --summary). */
export function compatTypes(correlateAvcAndAnomalies: boolean): TypeSelection {
  return correlateAvcAndAnomalies ? { names: [...VIRT_TYPES, 'AVC'], numbers: ANOMALY_TYPES } : { names: VIRT_TYPES };
}

export function startCompatReading(inputs: readonly AuditInput[], correlateAvcAndAnomalies: boolean, onProgress?: (bytesRead: number) => void): Reading {
  return startAuparseReading(inputs, compatTypes(correlateAvcAndAnomalies), { onProgress, auparseLines: true });
}
