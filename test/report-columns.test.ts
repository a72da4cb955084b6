// The default report's columns: a stop row names its reason; guest names and users are padded by the
// columns a terminal gives them, so UTF-8 names keep the columns aligned (auvirt 3.0.9, and --compat, pad
// bytes as printf does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { padColumns } from '../verifier/correlator/display-width.js';
import { start, stop } from './support/edge-logs.js';
import { RAW_CAPTURE } from './support/examples.js';
import { readJournal } from './support/journal-replay.js';
import { EXAMPLES } from './support/examples.js';

const AUVIRT = join(import.meta.dirname, '../dist/cli/auvirt.js');
const auvirt = (...args: string[]) => spawnSync(process.execPath, [AUVIRT, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).stdout;

describe('the default report\'s columns', () => {
  it('each stop row shows its reason, as the journal of the capture has it', () => {
    const rows = auvirt('--all-events', '--file', RAW_CAPTURE).split('\n').filter((row) => row.startsWith('stop '));
    const journal = readJournal(`${EXAMPLES}libvirt-capture.raw.journal.json`);
    const reasons = journal.guests.flatMap((guest) => guest.steps.flatMap((step) => (step.kind === 'stop' ? [step.reason] : [])));
    expect(rows.map((row) => /\d\d:\d\d (\S+)/.exec(row)?.[1]).sort()).toEqual(reasons.sort());
  });

  it.each([
    ['vacap guest ü', 13], ['東京-web', 8], ['e\u0301te', 3], ['ascii-only', 10], ['a-name-that-is-far-longer-than-the-column', 22], ['東京東京東京東京東京東京', 22],
  ])('%s takes %i columns and is padded to 22', (name, columns) => {
    const cell = Buffer.from(padColumns(name, 22), 'latin1').toString('utf8');
    expect(cell.endsWith(' '.repeat(22 - columns))).toBe(true);
    expect(cell.trimEnd().length).toBeLessThanOrEqual(name.length);
  });

  it('rows of UTF-8 and ASCII guests put their user column at the same terminal column; --compat pads bytes', () => {
    const directory = mkdtempSync(join(tmpdir(), 'virt-audit-columns-'));
    const file = join(directory, 'audit.log');
    const wide = '東京-web';
    const lines = [
      start(0, 1, 'plain', '11111111-2222-3333-4444-555555555551', 7001), stop(1, 2, 'plain', '11111111-2222-3333-4444-555555555551'),
      start(2, 3, wide, '11111111-2222-3333-4444-555555555552', 7002), stop(3, 4, wide, '11111111-2222-3333-4444-555555555552'),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const rows = auvirt('--all-events', '--file', file).split('\n').filter((row) => row.startsWith('start'));
    expect(rows).toHaveLength(2);
    const userColumn = (row: string) => [...row.slice(0, row.indexOf('\t'))].reduce((sum, char) => sum + (/[\u4e00-\u9fff]/.test(char) ? 2 : 1), 0);
    expect(userColumn(rows[1]!)).toBe(userColumn(rows[0]!));
    const compat = auvirt('--compat', '--all-events', '--file', file).split('\n').filter((row) => row.startsWith('start'));
    expect(Buffer.byteLength(compat[1]!.slice(0, compat[1]!.indexOf('\t')))).toBe(Buffer.byteLength(compat[0]!.slice(0, compat[0]!.indexOf('\t'))));
  });
});
