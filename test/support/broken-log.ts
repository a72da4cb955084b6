// Logs with every kind of damage a reader meets — gaps, duplicates, CR LF, control bytes, NUL, hard-wrapped
// records, unknown types, blank, separator and over-long lines, ENRICHED tails, time going back, auditd's
// own records, VIRT records libvirt would not write, other writers' VIRT records — made from real and
// generated lines.
import fc from 'fast-check';
import { generateLog } from '../../scripts/gen-log.js';
import { RAW_CAPTURE, captureLines } from './examples.js';

const POOL = [...captureLines(RAW_CAPTURE), ...generateLog({ lines: 3000, seed: 11, nodes: 2, guests: 6 })];

/** A VIRT_CONTROL record as the projectatomic dockerd fork writes it (no virt=, reason=api). */
const DOCKERD = "type=VIRT_CONTROL msg=audit(1709975001.100:5000): pid=812 uid=0 auid=4294967295 ses=4294967295 msg='user=root auid=unset op=create reason=api vm=? vm-pid=? exe=\"/usr/bin/dockerd\" hostname=? addr=? terminal=? res=success'";

type Breakage = (line: string) => string[];

const BREAKAGES: readonly Breakage[] = [
  (line) => [line],
  (line) => [line],
  (line) => [line],
  () => [],
  (line) => [line, line],
  (line) => [`${line}\r`],
  (line) => [`${line.slice(0, 50)}\x01${line.slice(50)}`],
  (line) => [`${line.slice(0, 40)}\x00${line.slice(40)}`],
  (line) => {
    const at = line.indexOf("msg='");
    return at === -1 ? [line] : [line.slice(0, at + 20), line.slice(at + 20)];
  },
  (line) => [line.replace('type=', 'type=NOPE_')],
  (line) => [`garbage ${line.slice(0, 30)}`],
  (line) => [`${line}\x1dUID="root" AUID="unset"`],
  // 0x1D where auditd would not write it: trailing, doubled, repeated; a duplicate interpreted field.
  (line) => [`${line}\x1d`],
  (line) => [`${line}\x1d\x1dUID="root" AUID="unset"`],
  (line) => [`${line}\x1dUID="root"\x1dAUID="unset"`],
  (line) => [`${line}\x1dUID="root" AUID="unset" AUID="unset"`],
  () => [''],
  () => ['----'],
  (line) => [line.replace(/audit\((\d+)/, (_whole, sec: string) => `audit(${Number(sec) - 500}`)],
  () => ['type=DAEMON_START msg=audit(1709975000.000:99): op=start ver=3.0.9 format=raw kernel=6.1.0 auid=4294967295 pid=1 uid=0 ses=4294967295 res=success'],
  (line) => [`${line} ${'x'.repeat(300)}`],
  (line) => [line.replace(/vm="([^"]+)"/, 'vm=$1')],
  (line) => [line.replace(/resrc=\w+/, 'resrc=gpu')],
  (line) => [line.replace(' res=success', '')],
  (line) => [line.replace(' uuid=', '  uuid=')],
  () => [DOCKERD],
];

export interface BrokenLog {
  readonly lines: readonly string[];
  readonly finalNewline: boolean;
  readonly bytes: Buffer;
}

/** `minLines` to `maxLines` picks of a line and what happens to it; with or without a final newline. */
export const brokenLog = (maxLines = 300, minLines = 1): fc.Arbitrary<BrokenLog> =>
  fc
    .tuple(fc.array(fc.tuple(fc.nat(POOL.length - 1), fc.nat(BREAKAGES.length - 1)), { minLength: minLines, maxLength: maxLines }), fc.boolean())
    .map(([picks, finalNewline]) => {
      const lines = picks.flatMap(([line, breakage]) => BREAKAGES[breakage]!(POOL[line]!));
      return { lines, finalNewline, bytes: Buffer.from(`${lines.join('\n')}${finalNewline ? '\n' : ''}`, 'latin1') };
    });
