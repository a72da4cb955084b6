// Rebuilds libvirt's own records of the real capture in examples/ with the emitter's lifecycle builders,
// from the journal `npm run capture` wrote beside it (live XML and run-time values libvirt chose for each
// step), and compares them payload for payload, in order, guest by guest.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLES_CAPTURE_HOST } from './support/capture-host.js';
import { EXAMPLES } from './support/examples.js';
import { capturedPayloads, readJournal, rebuiltPayloads } from './support/journal-replay.js';

describe.each(['raw', 'enriched'])('the %s capture, rebuilt by the emitter from its journal', (pass) => {
  const journal = readJournal(`${EXAMPLES}libvirt-capture.${pass}.journal.json`);
  const log = readFileSync(`${EXAMPLES}libvirt-capture.${pass}.log`, 'latin1');

  it('journals every guest role of the scenario', () => {
    expect(journal.guests.map((guest) => guest.role)).toEqual(
      expect.arrayContaining(['basic', 'utf8', 'broken', 'running', 'devices', 'shutdown', 'reused-first', 'reused-second']),
    );
  });

  it.each(journal.guests.map((guest) => [guest.role, guest.exercises, guest] as const))('%s (%s)', (_role, _exercises, guest) => {
    const ours = rebuiltPayloads(guest, journal, EXAMPLES_CAPTURE_HOST);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(capturedPayloads(log, guest.uuid));
  });
});
