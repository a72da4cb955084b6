// Deterministic generator of mixed audit logs for benchmarks: kernel syscall events (SYSCALL, CWD, PATH,
// PROCTITLE, EXECVE), PAM user messages, libvirt VIRT_* records of many guests (hex-encoded names among
// them) built by the emitter's builders, AVCs for svirt_t and for other domains, and QEMU crashes.
//
//   npm run gen -- --lines 1000000 --seed 1 [--nodes 2] [--guests 64] [--out big.log]
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeValue } from '../src/index.js';
import { bytesToHex } from '../src/encoding/audit-encoding.js';
import { type EmitInput } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';
import { renderAuditLine } from '../emitter/audit-line.js';
import { mulberry32 } from './seeded-random.js';

interface Guest {
  readonly name: string;
  readonly uuid: string;
  readonly level: string;
  readonly node: string | null;
  running: boolean;
  pid: number;
  disks: number;
}

export interface GeneratorOptions {
  readonly lines: number;
  readonly seed: number;
  readonly nodes: number;
  readonly guests: number;
}

const HEADER = { pid: 1201, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'system_u:system_r:virtd_t:s0-s0:c0.c1023' };
const TAIL = { exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null };

/** Yields the log's lines in order; exactly `lines` of them. */
export function* generateLog(options: GeneratorOptions): Generator<string> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hex = (bytes: number): string => Array.from({ length: bytes }, () => Math.floor(random() * 256).toString(16).padStart(2, '0')).join('');
  const nodes = Array.from({ length: options.nodes }, (_, index) => `hv${index + 1}.example.com`);
  const guests: Guest[] = Array.from({ length: options.guests }, (_, index) => {
    const category = 1 + Math.floor(random() * 1000);
    return {
      name: index % 4 === 0 ? `web server ${String(index).padStart(3, '0')}` : `guest${String(index).padStart(3, '0')}`,
      uuid: `${hex(4)}-${hex(2)}-4${hex(2).slice(1)}-a${hex(2).slice(1)}-${hex(6)}`,
      level: `s0:c${category},c${category + 1}`,
      node: nodes.length === 0 ? null : nodes[index % nodes.length]!,
      running: false,
      pid: 0,
      disks: 0,
    };
  });
  let millis = 1_709_975_000_000;
  let serial = 1000;
  let produced = 0;
  const nodeSerials = new Map<string | null, number>();

  function* event(node: string | null, lines: (stamp: string) => string[]): Generator<string> {
    millis += 1 + Math.floor(random() * 40);
    const next = (nodeSerials.get(node) ?? serial) + 1;
    nodeSerials.set(node, next);
    const stamp = `${Math.floor(millis / 1000)}.${String(millis % 1000).padStart(3, '0')}:${next}`;
    const prefix = node === null ? '' : `node=${node} `;
    for (const line of lines(stamp)) {
      if (produced >= options.lines) return;
      produced++;
      yield prefix + line;
    }
  }

  function* virt(guest: Guest, record: Record<string, unknown>): Generator<string> {
    const input = { virt: 'kvm', vm: guest.name, uuid: guest.uuid, ...record } as unknown as EmitInput;
    const payload = buildPayload(input);
    if (payload === null) return;
    yield* event(guest.node, (stamp) => {
      const [time, number] = stamp.split(':') as [string, string];
      const [sec, ms] = time.split('.') as [string, string];
      return [renderAuditLine({
        type: input.type, time: { sec: Number(sec), ms: Number(ms) }, serial: Number(number), header: HEADER, payload, tail: TAIL,
        result: input.res === 'failed' ? 'failed' : 'success',
      })];
    });
  }

  const COMMANDS = ['/usr/bin/ls', '/usr/bin/cat', '/usr/sbin/sshd', '/usr/bin/python3', '/usr/lib/systemd/systemd-journald'];

  while (produced < options.lines) {
    const roll = random();
    const node = nodes.length === 0 ? null : pick(nodes);
    if (roll < 0.62) {
      const exe = pick(COMMANDS);
      const pid = 2000 + Math.floor(random() * 60000);
      yield* event(node, (stamp) => [
        `type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 items=2 ppid=1 pid=${pid} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="${exe.slice(exe.lastIndexOf('/') + 1, exe.lastIndexOf('/') + 16)}" exe="${exe}" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="access"`,
        `type=CWD msg=audit(${stamp}): cwd="/home/user"`,
        `type=PATH msg=audit(${stamp}): item=0 name="/etc/hosts" inode=${Math.floor(random() * 1e6)} dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:net_conf_t:s0 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
        `type=PATH msg=audit(${stamp}): item=1 name=${encodeValue('/home/user/my file.txt')} inode=${Math.floor(random() * 1e6)} dev=fd:00 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 obj=unconfined_u:object_r:user_home_t:s0 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
        `type=PROCTITLE msg=audit(${stamp}): proctitle=${bytesToHex(Buffer.from(`${exe} --flag value`))}`,
      ]);
    } else if (roll < 0.80) {
      const guest = pick(guests);
      if (!guest.running) {
        const failed = random() < 0.03;
        yield* virt(guest, { type: 'VIRT_MACHINE_ID', 'vm-ctx': `system_u:system_r:svirt_t:${guest.level}`, 'img-ctx': `system_u:object_r:svirt_image_t:${guest.level}`, model: 'selinux' });
        yield* virt(guest, { type: 'VIRT_MACHINE_ID', 'vm-ctx': '+107:+107', 'img-ctx': '+107:+107', model: 'dac' });
        const cgroup = `/sys/fs/cgroup/machine.slice/machine-qemu\\x2d${guest.pid + 1}\\x2d${guest.name.replaceAll(' ', '')}.scope/`;
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'cgroup', reason: 'deny', cgroup, class: 'all' });
        for (const [path, rdev] of [['/dev/null', '01:03'], ['/dev/urandom', '01:09'], ['/dev/kvm', '0A:E8']] as const) {
          yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'cgroup', reason: 'allow', cgroup, class: 'path', path, rdev, acl: 'rw' });
        }
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'cgroup', reason: 'allow', cgroup, class: 'major', category: 'pty', maj: '88', acl: 'rw' });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'disk', reason: 'start', 'old-disk': null, 'new-disk': `/var/lib/libvirt/images/${guest.name}.qcow2` });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'net', reason: 'start', 'old-net': null, 'new-net': `52:54:00:${hex(1)}:${hex(1)}:${hex(1)}` });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'rng', reason: 'start', 'old-rng': null, 'new-rng': '/dev/urandom' });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'dev', reason: 'start', bus: 'usb', device: 'USB redirdev' });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'tpm-emulator', reason: 'start', device: `/run/libvirt/qemu/swtpm/${guest.name}-swtpm.sock` });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'mem', reason: 'start', 'old-mem': 0, 'new-mem': 2097152 });
        yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'vcpu', reason: 'start', 'old-vcpu': 0, 'new-vcpu': 2 });
        guest.pid = 10000 + Math.floor(random() * 50000);
        yield* virt(guest, { type: 'VIRT_CONTROL', op: 'start', reason: 'booted', 'vm-pid': failed ? 0 : guest.pid, res: failed ? 'failed' : 'success' });
        guest.running = !failed;
      } else {
        const action = random();
        if (action < 0.35) {
          yield* virt(guest, { type: 'VIRT_CONTROL', op: 'stop', reason: pick(['destroyed', 'shutdown', 'saved']), 'vm-pid': 0 });
          guest.running = false;
        } else if (action < 0.7) {
          guest.disks++;
          yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'disk', reason: 'attach', 'old-disk': null, 'new-disk': `/srv/data ${guest.disks}.img` });
        } else if (action < 0.9 && guest.disks > 0) {
          yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'disk', reason: 'detach', 'old-disk': `/srv/data ${guest.disks}.img`, 'new-disk': null });
          guest.disks--;
        } else {
          yield* virt(guest, { type: 'VIRT_RESOURCE', resrc: 'mem', reason: 'update', 'old-mem': 2097152, 'new-mem': 4194304 });
        }
      }
    } else if (roll < 0.86) {
      const guest = pick(guests);
      const virtAvc = random() < 0.6;
      const level = virtAvc ? guest.level : 's0';
      const domain = virtAvc ? 'svirt_t' : 'httpd_t';
      yield* event(virtAvc ? guest.node : node, (stamp) => [
        `type=AVC msg=audit(${stamp}): avc:  denied  { read write } for  pid=${guest.pid || 4242} comm="${virtAvc ? 'qemu-kvm' : 'httpd'}" name="shadow" dev="dm-0" ino=${Math.floor(random() * 1e6)} scontext=system_u:system_r:${domain}:${level} tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0`,
        `type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7f a2=2 a3=0 items=0 ppid=1 pid=${guest.pid || 4242} auid=4294967295 uid=107 gid=107 euid=107 suid=107 fsuid=107 egid=107 sgid=107 fsgid=107 tty=(none) ses=4294967295 comm="${virtAvc ? 'qemu-kvm' : 'httpd'}" exe="/usr/bin/qemu-system-x86_64" subj=system_u:system_r:${domain}:${level} key=(null)`,
        `type=PROCTITLE msg=audit(${stamp}): proctitle=${bytesToHex(Buffer.from('/usr/bin/qemu-system-x86_64 -name guest'))}`,
      ]);
    } else if (roll < 0.995) {
      yield* event(node, (stamp) => [
        `type=USER_START msg=audit(${stamp}): pid=${2000 + Math.floor(random() * 9000)} uid=0 auid=1000 ses=${1 + Math.floor(random() * 50)} subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=PAM:session_open grantors=pam_selinux,pam_loginuid,pam_keyinit,pam_limits,pam_systemd,pam_unix acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.${Math.floor(random() * 250)} addr=10.0.0.${Math.floor(random() * 250)} terminal=ssh res=success'`,
      ]);
    } else {
      const guest = pick(guests);
      yield* event(guest.node, (stamp) => [
        `type=ANOM_ABEND msg=audit(${stamp}): auid=4294967295 uid=107 gid=107 ses=4294967295 subj=system_u:system_r:svirt_t:${guest.level} pid=${guest.pid || 4242} comm="qemu-kvm" exe="/usr/bin/qemu-system-x86_64" sig=11 res=1`,
      ]);
    }
  }
}

const USAGE = `usage: npm run gen -- [--lines N] [--seed N] [--nodes N] [--guests N] [--out FILE]

Writes a synthetic audit log (RAW) of guest lifecycles, hot-plug, AVCs, anomalies and other host traffic,
the same for the same seed, for benchmarks and tests (not a libvirt trail: see examples/ for real ones).

  --lines N    lines to write (default 100000)
  --seed N     the generator's seed (default 1)
  --nodes N    node= names to spread events over (default 0: no node= prefix)
  --guests N   guests (default 64)
  --out FILE   write to FILE instead of stdout
  -h, --help   this text`;

async function main(): Promise<void> {
  let values: { lines: string; seed: string; nodes: string; guests: string; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      options: {
        lines: { type: 'string', default: '100000' },
        seed: { type: 'string', default: '1' },
        nodes: { type: 'string', default: '0' },
        guests: { type: 'string', default: '64' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`gen: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = { lines: Number(values.lines), seed: Number(values.seed), nodes: Number(values.nodes), guests: Number(values.guests) };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value < 0) {
      process.stderr.write(`gen: --${name} must be a non-negative integer\n`);
      process.exit(2);
    }
  }
  const out = values.out === undefined ? process.stdout : createWriteStream(values.out);
  let chunk: string[] = [];
  for (const line of generateLog(options)) {
    chunk.push(line);
    if (chunk.length === 4096) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  if (out !== process.stdout) await new Promise<void>((resolve) => { out.end(); out.once('finish', () => resolve()); });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
