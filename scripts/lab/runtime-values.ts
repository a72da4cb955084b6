// Run-time values libvirt chose for a running guest, read back from the host: the cgroup it placed the
// QEMU process in (as virDomainAuditCgroup prints it: the devices controller's directory with a
// trailing slash).
import { readFileSync } from 'node:fs';

interface Mount {
  readonly point: string;
  readonly type: string;
  readonly options: string;
}

function mounts(): Mount[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const [type = '', , options = ''] = right.split(' ');
    return { point: left.split(' ')[4] ?? '', type, options };
  });
}

/**
 * The guest's devices cgroup: libvirt's unified (v2, BPF device filter) hierarchy where cgroup2 is
 * mounted, otherwise the v1 devices controller. QEMU itself runs in the `emulator` child; libvirt
 * audits the guest's own directory.
 */
export function guestCgroupPath(qemuPid: number): string {
  const lines = readFileSync(`/proc/${qemuPid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  const all = mounts();
  const unified = all.find((mount) => mount.type === 'cgroup2');
  const v1Devices = all.find((mount) => mount.type === 'cgroup' && mount.options.split(',').includes('devices'));
  const placement = (hierarchy: (controllers: string) => boolean): string | undefined =>
    lines.map((line) => /^\d+:([^:]*):(.*)$/.exec(line)).find((match) => match && hierarchy(match[1]!))?.[2];
  const [mount, path] = unified
    ? [unified.point, placement((controllers) => controllers === '')]
    : [v1Devices?.point, placement((controllers) => controllers.split(',').includes('devices'))];
  if (!mount || path === undefined) throw new Error(`no devices cgroup for pid ${qemuPid}`);
  return `${mount}${path.replace(/\/emulator$/, '')}/`;
}
