// The real audit tools (Debian's auvirt 3.0.9, ausearch, aureport) run on a capture, with the
// environment the differential tests use.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UTF8_GUEST_NAME, uuidOf } from './scenario.js';

export const TOOL_ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

/** Runs a real audit tool; its stdout whatever its exit status (ausearch exits 1 on no match). */
export function realTool(command: string, args: readonly string[]): Buffer {
  const result = spawnSync(command, args, { env: TOOL_ENV, timeout: 300_000, maxBuffer: 1 << 30 });
  if (result.error) throw result.error;
  return result.stdout;
}

/** The real tools' outputs the differential tests compare against, named after the log. */
export function realToolOutputs(log: string, outputs: string): void {
  const stem = join(outputs, basename(log, '.log'));
  const runs: [string, string, string[]][] = [
    ['auvirt', 'auvirt', ['--file', log]],
    ['auvirt-all-events', 'auvirt', ['--file', log, '--all-events']],
    ['auvirt-all-events-proof-uuid', 'auvirt', ['--file', log, '--all-events', '--proof', '--show-uuid']],
    ['auvirt-summary', 'auvirt', ['--file', log, '--summary']],
    ['ausearch-virt-raw', 'ausearch', ['--input', log, '--raw', '-m', 'VIRT_CONTROL,VIRT_RESOURCE,VIRT_MACHINE_ID']],
    ['ausearch-virt-interpreted', 'ausearch', ['--input', log, '-i', '-m', 'VIRT_CONTROL,VIRT_RESOURCE,VIRT_MACHINE_ID']],
    ['ausearch-uu-basic', 'ausearch', ['--input', log, '--raw', '-uu', uuidOf(1)]],
    ['ausearch-vm-utf8', 'ausearch', ['--input', log, '--raw', '-vm', UTF8_GUEST_NAME]],
    ['aureport-virt', 'aureport', ['--input', log, '--virt']],
    ['aureport-virt-summary', 'aureport', ['--input', log, '--virt', '--summary']],
    ['aureport-virt-interpreted', 'aureport', ['--input', log, '--virt', '-i']],
  ];
  for (const [name, command, args] of runs) writeFileSync(`${stem}.${name}.txt`, realTool(command, args));
}
