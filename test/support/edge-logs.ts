// The edge-case logs of auvirt-behaviour.md §6.4, recreated by this project's own line builder.
import { encodeValue } from '../../src/index.js';

export const T0 = 1710064800; // Sun Mar 10 10:00:00 2024 UTC
export const U1 = '11111111-2222-3333-4444-555555555551';
export const U2 = '11111111-2222-3333-4444-555555555552';
const TAIL = 'exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=';

/** One user-message record: the kernel header, then `payload` as given (any field order). */
export function user(type: string, minute: number, serial: number, payload: string, res = 'success', opts: { uid?: number; node?: string; enriched?: string } = {}): string {
  const node = opts.node ? `node=${opts.node} ` : '';
  const tail = res === '' ? '' : ` ${TAIL}${res}`;
  return `${node}type=${type} msg=audit(${T0 + minute * 60}.000:${serial}): pid=1201 uid=${opts.uid ?? 0} auid=4294967295 ses=4294967295 msg='${payload}${tail}'${opts.enriched ? `\x1d${opts.enriched}` : ''}`;
}
export const vm = (name: string) => `vm=${encodeValue(name)}`;
export const start = (minute: number, serial: number, name: string, uuid: string, pid: number, res = 'success', node?: string) =>
  user('VIRT_CONTROL', minute, serial, `virt=kvm op=start reason=booted ${vm(name)} uuid=${uuid} vm-pid=${pid}`, res, node ? { node } : {});
export const stop = (minute: number, serial: number, name: string, uuid: string, res = 'success', reason = 'destroyed', node?: string) =>
  user('VIRT_CONTROL', minute, serial, `virt=kvm op=stop reason=${reason} ${vm(name)} uuid=${uuid} vm-pid=0`, res, node ? { node } : {});
export const resrc = (minute: number, serial: number, name: string, uuid: string, body: string, res = 'success') =>
  user('VIRT_RESOURCE', minute, serial, `virt=kvm resrc=${body.split(' ')[0]} ${body.split(' ').slice(1).join(' ').replace(/^/, '')}`.replace(/resrc=(\S+) (reason=\S+)/, `resrc=$1 $2 ${vm(name)} uuid=${uuid}`), res);
export const machineId = (minute: number, serial: number, name: string, uuid: string, context: string, model: string) =>
  user('VIRT_MACHINE_ID', minute, serial, `virt=kvm ${vm(name)} uuid=${uuid} vm-ctx=${context} img-ctx=${context} model=${model}`);
export const avc = (minute: number, serial: number, body: string, uid = 107) => [
  `type=AVC msg=audit(${T0 + minute * 60}.000:${serial}): ${body}`,
  `type=SYSCALL msg=audit(${T0 + minute * 60}.000:${serial}): arch=c000003e syscall=2 success=no exit=-13 items=0 ppid=1 pid=7001 auid=4294967295 uid=${uid} gid=${uid} euid=${uid} suid=${uid} fsuid=${uid} egid=${uid} sgid=${uid} fsgid=${uid} tty=(none) ses=4294967295 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" key=(null)`,
  `type=EOE msg=audit(${T0 + minute * 60}.000:${serial}): `,
];
export const LEVEL = 'system_u:system_r:svirt_t:s0:c1,c2';

export const EDGE_CASES: Record<string, string[]> = {
  'e1 unquoted MACs and paths (old libvirt)': [
    user('VIRT_RESOURCE', 0, 2, `virt=kvm resrc=net reason=start ${vm('oldlibvirt')} uuid=${U1} old-net=? new-net=52:54:00:12:34:56`),
    user('VIRT_RESOURCE', 0, 3, `virt=kvm resrc=net reason=start ${vm('oldlibvirt')} uuid=${U1} old-net=? new-net=fe:54:00:12:34:57`),
    user('VIRT_RESOURCE', 0, 4, `virt=kvm resrc=disk reason=start ${vm('oldlibvirt')} uuid=${U1} old-disk=? new-disk=/var/lib/libvirt/images/old.img`),
    start(0, 5, 'oldlibvirt', U1, 7001),
  ],
  'e2 anomalies matched only at the list tail': [
    start(0, 2, 'guest1', U1, 7001), start(1, 4, 'guest2', U2, 7002),
    `type=ANOM_ABEND msg=audit(${T0 + 120}.000:5): auid=4294967295 uid=107 gid=107 ses=4294967295 subj=${LEVEL} pid=7001 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" sig=11 res=1`,
    `type=ANOM_ABEND msg=audit(${T0 + 180}.000:6): auid=4294967295 uid=107 gid=107 ses=4294967295 subj=${LEVEL} pid=7002 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" sig=11 res=1`,
    `type=ANOM_ABEND msg=audit(${T0 + 240}.000:7): auid=4294967295 uid=107 gid=107 ses=4294967295 subj=${LEVEL} pid=7002 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" sig=11 res=1`,
  ],
  'e3 AVCs: before the label, several permissions, no SYSCALL, relabel, granted, after the stop': [
    ...avc(0, 1, `avc:  denied  { read } for  pid=7001 comm="early" name="x" scontext=${LEVEL} tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0`),
    machineId(0, 2, 'guest1', U1, LEVEL, 'selinux'), start(0, 3, 'guest1', U1, 7001),
    ...avc(1, 4, `avc:  denied  { read write open } for  pid=7001 comm="qemu-system-x86" name="multi" scontext=${LEVEL} tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0`),
    `type=AVC msg=audit(${T0 + 60}.000:5): avc:  denied  { read } for  pid=7001 comm="qemu-system-x86" name="nosyscall" scontext=${LEVEL} tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0`,
    ...avc(1, 6, `avc:  denied  { relabelfrom } for  pid=7001 comm="qemu-system-x86" name="img.qcow2" scontext=${LEVEL} tcontext=system_u:object_r:virt_content_t:s0 tclass=file permissive=0`, 0),
    ...avc(1, 7, `avc:  denied  { relabelto } for  pid=7001 comm="qemu-system-x86" name="img.qcow2" scontext=${LEVEL} tcontext=system_u:object_r:virt_content_t:s0 tclass=file permissive=0`, 0),
    ...avc(1, 8, `avc:  granted  { setenforce } for  pid=7001 comm="qemu-system-x86" scontext=${LEVEL} tcontext=system_u:object_r:security_t:s0 tclass=security`, 0),
    stop(3, 9, 'guest1', U1),
    ...avc(20, 10, `avc:  denied  { read } for  pid=7001 comm="late" name="afterstop" scontext=${LEVEL} tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0`),
  ],
  'e4 failed hot-attach, failed stop, restart, op=init, dockerd, long name, double start': [
    start(0, 1, 'guest1', U1, 7001),
    resrc(0, 2, 'guest1', U1, 'disk reason=attach old-disk="?" new-disk="/var/lib/libvirt/images/hot.img"', 'failed'),
    stop(5, 3, 'guest1', U1, 'failed'), start(6, 4, 'guest1', U1, 7003), stop(9, 5, 'guest1', U1),
    user('VIRT_CONTROL', 10, 6, `virt=lxc op=init ${vm('ct1')} uuid=${U2} vm-pid=1 init-pid=2 pid-ns=4026532557`),
    `type=VIRT_CONTROL msg=audit(${T0 + 660}.000:7): pid=1182 uid=0 auid=4294967295 ses=4294967295 msg='reason=api vm-pid=10657 op=create vm=centos:7 user=root exe="/usr/bin/dockerd-current" hostname=? addr=? terminal=? res=success'`,
    start(12, 8, 'a-guest-name-much-longer-than-twenty-two-bytes', U2, 7004), start(13, 9, 'a-guest-name-much-longer-than-twenty-two-bytes', U2, 7005),
    stop(14, 10, 'a-guest-name-much-longer-than-twenty-two-bytes', U2),
  ],
  'e5 migration across two nodes': [
    start(0, 1, 'mig', U1, 7001, 'success', 'hostA'),
    user('VIRT_CONTROL', 60, 1, `virt=kvm op=start reason=migrated ${vm('mig')} uuid=${U1} vm-pid=8001`, 'success', { node: 'hostB' }),
    stop(61, 2, 'mig', U1, 'success', 'migrated', 'hostA'), stop(120, 2, 'mig', U1, 'success', 'destroyed', 'hostB'),
  ],
  'e6 AppArmor: profile and resource correlation, counted twice': [
    machineId(0, 1, 'aa', U1, `libvirt-${U1}`, 'apparmor'),
    resrc(0, 2, 'aa', U1, 'disk reason=start old-disk="?" new-disk="/var/lib/libvirt/images/aa.qcow2"'), start(0, 3, 'aa', U1, 7001),
    `type=AVC msg=audit(${T0 + 60}.000:4): apparmor="DENIED" operation="open" profile="libvirt-${U1}" name="/var/lib/libvirt/images/aa.qcow2" pid=7001 comm="qemu-system-x86" requested_mask="r" denied_mask="r" fsuid=64055 ouid=0`,
    `type=SYSCALL msg=audit(${T0 + 60}.000:4): arch=c000003e syscall=2 success=no exit=-13 pid=7001 auid=4294967295 uid=64055 gid=64055 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" key=(null)`,
    `type=AVC msg=audit(${T0 + 120}.000:5): apparmor="DENIED" operation="open" profile="libvirt-${U1}" name="/etc/shadow" pid=7001 comm="qemu-system-x86" requested_mask="r" denied_mask="r" fsuid=64055 ouid=0`,
    `type=SYSCALL msg=audit(${T0 + 120}.000:5): arch=c000003e syscall=2 success=no exit=-13 pid=7001 auid=4294967295 uid=64055 gid=64055 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" key=(null)`,
    `type=AVC msg=audit(${T0 + 180}.000:6): apparmor="DENIED" operation="open" profile="/usr/sbin/libvirtd" name="/var/lib/libvirt/images/aa.qcow2" pid=1201 comm="libvirtd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`,
    `type=SYSCALL msg=audit(${T0 + 180}.000:6): arch=c000003e syscall=2 success=no exit=-13 pid=1201 auid=4294967295 uid=0 gid=0 comm="libvirtd" exe="/usr/sbin/libvirtd" key=(null)`,
  ],
  'e7 ENRICHED user names against raw uids': [
    user('VIRT_CONTROL', 0, 1, `virt=kvm op=start reason=booted ${vm('enr')} uuid=${U1} vm-pid=7001`, 'success', { uid: 107, enriched: 'UID="qemu" AUID="unset"' }),
    user('VIRT_CONTROL', 1, 2, `virt=kvm op=start reason=booted ${vm('raw')} uuid=${U2} vm-pid=7002`, 'success', { uid: 107 }),
  ],
  'e8 resources auvirt ignores, repeated old-mem, zero and absent values, ANOM_PROMISCUOUS': [
    start(0, 1, 'res', U1, 7001),
    resrc(0, 2, 'res', U1, 'net reason=open net=52:54:00:12:34:56 path="/dev/net/tun" rdev=0A:C8'),
    resrc(0, 3, 'res', U1, 'dev reason=attach bus=usb device=555342207265646972646576'),
    resrc(0, 4, 'res', U1, 'mem reason=start old-mem=0 new-mem=1048576'),
    ...[5, 6, 7, 8, 9, 10].map((serial) => resrc(serial, serial, 'res', U1, 'mem reason=update old-mem=1048576 new-mem=0')),
    resrc(11, 11, 'res', U1, 'disk reason=detach old-disk="?" new-disk="?"'),
    `type=ANOM_PROMISCUOUS msg=audit(${T0 + 720}.000:12): dev=eth0 prom=256 old_prom=0 auid=4294967295 uid=0 gid=0 ses=4294967295`,
  ],
  'e9 a log that begins mid-session': [
    resrc(0, 1, 'mid', U1, 'disk reason=attach old-disk="?" new-disk="/srv/mid.img"'), stop(5, 2, 'mid', U1),
  ],
  'e10 field order': [
    user('VIRT_CONTROL', 0, 1, `virt=kvm op=start reason=booted uuid=${U1} ${vm('order')} vm-pid=7001`),
    start(1, 2, 'order', U1, 7001),
    user('VIRT_CONTROL', 2, 3, `virt=kvm reason=destroyed ${vm('order')} uuid=${U1} vm-pid=0 op=stop`),
    user('VIRT_RESOURCE', 3, 4, `virt=kvm reason=start resrc=disk ${vm('order')} uuid=${U1} old-disk="?" new-disk="/srv/order.img"`),
    user('VIRT_RESOURCE', 4, 5, `virt=kvm resrc=disk reason=start ${vm('order')} uuid=${U1} new-disk="/srv/order2.img" old-disk="?"`),
    user('VIRT_CONTROL', 5, 6, `virt=kvm op=start reason=booted ${vm('order')} uuid=${U1} vm-pid=7001`, ''),
  ],
};

