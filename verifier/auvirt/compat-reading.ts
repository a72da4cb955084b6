// How auvirt --compat reads its inputs, in a module light enough to load before anything else: the report
// thread starts reading with it while it loads the correlator.
import type { AuditInput } from '../../src/reader/input-set.js';
import { ALL_BUT_INTERPRETED } from '../../src/reader/line-forms.js';
import { startReading, type Reading, type ThreadedReadOptions } from '../../src/reader/read-events-threaded.js';
import type { TypeSelection } from '../../src/reader/type-selection.js';

export const ANOMALY_TYPES: ReadonlyArray<readonly [number, number]> = [[1700, 1799], [2100, 2199]];
const VIRT_TYPES = ['VIRT_MACHINE_ID', 'VIRT_CONTROL', 'VIRT_RESOURCE'];

/** The events auvirt reads, by their first record's type (AVCs and anomalies with --all-events or --summary). */
export function compatTypes(correlateAvcAndAnomalies: boolean): TypeSelection {
  return correlateAvcAndAnomalies ? { names: [...VIRT_TYPES, 'AVC'], numbers: ANOMALY_TYPES } : { names: VIRT_TYPES };
}

/** Reading as auparse would: every line form but ausearch -i output, events in stamp order. */
export function compatReadOptions(correlateAvcAndAnomalies: boolean, onProgress?: (bytesRead: number) => void): ThreadedReadOptions {
  return { forms: ALL_BUT_INTERPRETED, order: 'stamp', keepTypes: compatTypes(correlateAvcAndAnomalies), ...(onProgress === undefined ? {} : { onProgress }) };
}

export function startCompatReading(inputs: readonly AuditInput[], correlateAvcAndAnomalies: boolean, onProgress?: (bytesRead: number) => void): Reading {
  return startReading(inputs, compatReadOptions(correlateAvcAndAnomalies, onProgress));
}
