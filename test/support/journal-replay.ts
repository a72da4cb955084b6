// Rebuilds, with the emitter's lifecycle builders, the records libvirt should have written for each
// journaled guest, and reads the records libvirt did write for it from the capture — both as wire
// payloads ("field=value … res=…", libaudit's tail left out) in order.
import { parseLine } from '../../src/index.js';
import type { HostValues } from '../../emitter/index.js';
import { expectedRecords, libvirtVersionOf } from '../../testing/journal-replay.js';
import type { GuestJournal } from '../../testing/journal.js';
import { writtenPayload } from '../../testing/trail-assertions.js';

export { libvirtVersionOf, readJournal } from '../../testing/journal-replay.js';

/**
 * The emitter's payloads for a guest's journal, in order, by the rules of the journal's libvirt. Steps
 * without run-time values take `fallbackRuntime` (journals written before they were recorded).
 */
export function rebuiltPayloads(guest: GuestJournal, journal: object = {}, fallbackRuntime?: HostValues): string[] {
  return expectedRecords(guest, libvirtVersionOf(journal), fallbackRuntime).map((record) => record.payload);
}

/** The VIRT records of one guest (by UUID) in a capture, as wire payloads, in file order. */
export function capturedPayloads(logText: string, uuid: string, file = 'capture'): string[] {
  return logText.split('\n').flatMap((line, index) => {
    if (!line.includes(uuid) || !line.includes('type=VIRT_')) return [];
    const parsed = parseLine(line, { file, line: index + 1 });
    if (parsed.kind !== 'record' || parsed.record.value('uuid') !== uuid) return [];
    return [writtenPayload(parsed.record)];
  });
}
