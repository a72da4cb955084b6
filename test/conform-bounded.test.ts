// conform --rules keeps what a guest's start records assigned until its op=start: per distinct value, with
// a copy of its own (a list of slices kept every line of a trail of start records without an op=start:
// 10 M hostile lines took 813 MB). A heap too small for those lines must be enough.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CLI } from './support/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-conform-bounded-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** `lines` start records of one guest, never followed by its op=start, with disks from a pool of `distinct`. */
function startRecordsWithoutStart(path: string, lines: number, distinct: number): void {
  const fd = openSync(path, 'w');
  let batch: string[] = [];
  for (let serial = 1; serial <= lines; serial++) {
    batch.push(
      `type=VIRT_RESOURCE msg=audit(1795337868.${String(serial % 1000).padStart(3, '0')}:${serial}): pid=30317 uid=0 auid=4294967295 ses=4294967295 msg='virt=qemu resrc=disk reason=start vm="vacap-basic" uuid=7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01 old-disk="?" new-disk="/var/lib/images/disk-${serial % distinct}.qcow2" exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'${' '.repeat(200)}`,
    );
    if (batch.length === 10_000) {
      writeSync(fd, `${batch.join('\n')}\n`);
      batch = [];
    }
  }
  writeSync(fd, `${batch.join('\n')}\n`);
  closeSync(fd);
}

it('conform --rules on 300,000 start records without an op=start runs in a 40 MB heap (they are 150 MB of lines)', () => {
  const log = join(directory, 'start-records.log');
  startRecordsWithoutStart(log, 300_000, 1_000);
  const result = spawnSync(process.execPath, ['--max-old-space-size=40', CLI, 'conform', '--rules', '--format', 'json', log], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 300_000 });
  expect(result.stderr).not.toContain('heap out of memory');
  // Findings (no deny-all first, records after no start): exit 1 with the whole count.
  expect(result.status, result.stderr.slice(-2000)).toBe(1);
  const document = JSON.parse(result.stdout) as { rules: { summary: { records: number } } };
  expect(document.rules.summary.records).toBe(300_000);
}, 300_000);
