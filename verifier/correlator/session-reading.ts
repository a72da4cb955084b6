// How the default report reads its inputs, in a module light enough to load first: its reading thread
// boots while the correlator loads.
import type { AuditInput } from '../../src/reader/input-set.js';
import { startAuparseReading, type Reading } from '../../src/reader/read-events-threaded.js';
import type { TypeSelection } from '../../src/reader/type-selection.js';

export { loadBeside } from '../../src/reader/read-events-threaded.js';

/**
 * The events the correlator reads, by their first record's type: VIRT_*, host events, ANOM_*, and AVCs
 * (the kernel writes an AVC before the SYSCALL record of its event). Data, so it crosses to a reading thread.
 */
export const SESSION_TYPES: TypeSelection = { prefixes: ['VIRT_', 'ANOM_', 'SYSTEM_', 'DAEMON_'], names: ['AVC', 'USER_AVC'], numbers: [[1700, 1799], [2100, 2199]] };

export function startSessionReading(inputs: readonly AuditInput[], onProgress?: (bytes: number) => void): Reading {
  return startAuparseReading(inputs, SESSION_TYPES, { onProgress, indexBodies: true });
}
