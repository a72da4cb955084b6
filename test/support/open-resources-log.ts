// A long log of guests that stay up with hot-plugged disks, for auvirt --compat's bounded memory: every
// resource stays open (changeable by a stop still to come), so 3.0.9's report can be written only at the
// end. Old-value updates, failed starts and stops reach back to rows far behind; libvirt's field order.
import { closeSync, openSync, writeSync } from 'node:fs';
import { mulberry32 } from '../../scripts/seeded-random.js';

const UUIDS = ['0b4b5e8a-3f1c-4a55-9a1e-6c7d8e9f0a01', '0b4b5e8a-3f1c-4a55-9a1e-6c7d8e9f0a02', '0b4b5e8a-3f1c-4a55-9a1e-6c7d8e9f0a03'];
const TAIL = 'exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=?';

/**
 * Writes `lines` lines to `path`: each of three guests gets a machine id and starts, then hot-plugs disks
 * from a pool of `distinctDisks` paths (one in 1,000 replacing an older disk, one in 100,000 a failed start
 * of its guest, one in 200,000 a stop and a start), and at the end every guest stops.
 */
export function writeOpenResourcesLog(path: string, lines: number, seed: number, distinctDisks = 500): void {
  const next = mulberry32(seed);
  const disk = (): string => `/var/lib/libvirt/images/disk-${Math.floor(next() * distinctDisks)}.qcow2`;
  let serial = 1;
  let seconds = 1_700_000_000;
  const header = (type: string): string => `type=${type} msg=audit(${seconds++}.${String(serial % 1000).padStart(3, '0')}:${serial++}): pid=1200 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='virt=kvm`;
  const guest = (index: number): string => `vm="guest-${index}" uuid=${UUIDS[index]}`;
  const control = (index: number, op: string, ok: boolean): string =>
    `${header('VIRT_CONTROL')} op=${op} reason=${op === 'start' ? 'booted' : 'destroyed'} ${guest(index)} vm-pid=${4000 + index} ${TAIL} res=${ok ? 'success' : 'failed'}'`;
  const machineId = (index: number): string =>
    `${header('VIRT_MACHINE_ID')} ${guest(index)} vm-ctx=system_u:system_r:svirt_t:s0:c${index},c${index + 10} img-ctx=system_u:object_r:svirt_image_t:s0:c${index},c${index + 10} model=selinux ${TAIL} res=success'`;
  const resource = (index: number, old: string): string =>
    `${header('VIRT_RESOURCE')} resrc=disk reason=attach ${guest(index)} old-disk="${old}" new-disk="${disk()}" ${TAIL} res=success'`;

  const fd = openSync(path, 'w');
  let batch: string[] = [];
  const emit = (line: string): void => {
    batch.push(line);
    if (batch.length === 10_000) flush();
  };
  const flush = (): void => {
    writeSync(fd, `${batch.join('\n')}\n`);
    batch = [];
  };
  for (let index = 0; index < UUIDS.length; index++) {
    emit(machineId(index));
    emit(control(index, 'start', true));
  }
  for (let written = 0; written < lines - 2 * UUIDS.length; written++) {
    const index = Math.floor(next() * UUIDS.length);
    const roll = next();
    if (roll < 1e-5) emit(control(index, 'start', false));
    else if (roll < 1.5e-5) {
      emit(control(index, 'stop', true));
      emit(control(index, 'start', true));
      written++;
    } else emit(resource(index, roll < 1e-3 ? disk() : '?'));
  }
  for (let index = 0; index < UUIDS.length; index++) emit(control(index, 'stop', true));
  flush();
  closeSync(fd);
}
