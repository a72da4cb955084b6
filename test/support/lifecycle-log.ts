// Generates audit logs from random guest lifecycles, for differential tests against the real C tools.
// VIRT records are rendered by the project's emitter (MemorySink); the kernel records around them (AVC,
// SYSCALL, ANOM_ABEND) are written in the kernel's format.
import fc from 'fast-check';
import { encodeValue } from '../../src/index.js';
import { Emitter, MemorySink, type EmitInput } from '../../emitter/index.js';

export interface Guest {
  readonly name: string;
  readonly uuid: string;
  readonly level: string;
  /** The host the guest runs on (node= prefix), or none. */
  readonly node: string | null;
}

export type Step =
  | { readonly op: 'start'; readonly guest: number; readonly ok: boolean; readonly disk: string; readonly withSelinux: boolean }
  | { readonly op: 'stop'; readonly guest: number; readonly ok: boolean; readonly reason: 'destroyed' | 'shutdown' | 'saved' }
  | { readonly op: 'attach'; readonly guest: number; readonly disk: string }
  | { readonly op: 'detach'; readonly guest: number; readonly disk: string }
  | { readonly op: 'mem'; readonly guest: number; readonly kib: number }
  | { readonly op: 'avc'; readonly guest: number; readonly matching: boolean; readonly withSyscall: boolean; readonly perms: readonly string[] }
  | { readonly op: 'anomaly'; readonly guest: number }
  | { readonly op: 'noise' };

export interface Scenario {
  readonly guests: readonly Guest[];
  readonly steps: readonly Step[];
  readonly gaps: readonly number[];
  readonly node: string | null;
}

const name = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
  fc.constantFrom('test vm', 'it\'s "q"', 'café ü', 'a-very-long-guest-name-that-gets-cut', 'back\\slash'),
);
const path = fc.oneof(
  fc.stringMatching(/^\/var\/lib\/libvirt\/images\/[a-z0-9]{1,8}\.qcow2$/),
  fc.constantFrom('/srv/my disk.img', '/srv/ü.raw', '/dev/sdb'),
);

export const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    guests: fc.uniqueArray(
      fc.record({
        name,
        uuid: fc.uuid({ version: 4 }),
        level: fc.integer({ min: 1, max: 1023 }).map((n) => `s0:c${n},c${n + 1}`),
        node: fc.option(fc.constantFrom('hv1', 'hv2.example'), { nil: null }),
      }),
      { minLength: 1, maxLength: 3, selector: (guest) => guest.uuid },
    ),
    node: fc.option(fc.constantFrom('hv1', 'hv2.example'), { nil: null }),
  })
  .chain(({ guests, node }) => {
    const guest = fc.nat(guests.length - 1);
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('start' as const), guest, ok: fc.boolean(), disk: path, withSelinux: fc.boolean() }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('stop' as const), guest, ok: fc.boolean(), reason: fc.constantFrom('destroyed' as const, 'shutdown' as const, 'saved' as const) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('attach' as const), guest, disk: path }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('detach' as const), guest, disk: path }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('mem' as const), guest, kib: fc.constantFrom(1048576, 2097152, 4194304) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('avc' as const), guest, matching: fc.boolean(), withSyscall: fc.boolean(), perms: fc.subarray(['read', 'write', 'open', 'getattr'], { minLength: 1 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('anomaly' as const), guest }) },
      { weight: 1, arbitrary: fc.constant({ op: 'noise' as const }) },
    );
    return fc.record({
      guests: fc.constant(guests),
      node: fc.constant(node),
      steps: fc.array(step, { minLength: 1, maxLength: 25 }),
      gaps: fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 60, max: 7200 }), fc.integer({ min: 86_000, max: 200_000 })), { minLength: 25, maxLength: 25 }),
    });
  });

const DOMAIN_LEVEL_CONTEXT = (level: string) => `system_u:system_r:svirt_t:${level}`;

/** Renders a scenario as RAW audit.log text. */
export async function renderScenario(scenario: Scenario): Promise<string> {
  const sink = new MemorySink();
  let seconds = 1_709_975_000; // 2024-03-09
  let serial = 100;
  let lastTime = { sec: seconds, ms: 0 };
  const emitter = new Emitter({
    sink,
    header: { pid: 1201, uid: 0, auid: 4294967295, ses: 4294967295 },
    tail: { exe: '/usr/sbin/libvirtd', hostname: null, addr: null, terminal: null },
    node: scenario.node,
    clock: () => lastTime,
    policy: 'required',
  });
  const lines: string[] = [];
  let node = '';
  const stamp = () => `${lastTime.sec}.${String(lastTime.ms).padStart(3, '0')}:${serial}`;
  const emit = async (record: EmitInput): Promise<void> => {
    const before = sink.lines.length;
    // Device records succeed unless the step says otherwise (the emitter assumes no outcome).
    await emitter.emit({ res: 'success', ...record, serial: serial++ });
    lines.push(...sink.lines.slice(before));
  };
  const pids = new Map<number, number>();
  for (const [index, step] of scenario.steps.entries()) {
    seconds += scenario.gaps[index] ?? 1;
    lastTime = { sec: seconds, ms: (index * 37) % 1000 };
    const guest = 'guest' in step ? scenario.guests[step.guest]! : undefined;
    const guestNode = guest ? guest.node : scenario.node;
    node = guestNode ? `node=${guestNode} ` : '';
    const base = guest ? { virt: 'kvm', vm: guest.name, uuid: guest.uuid, node: guestNode } : undefined;
    switch (step.op) {
      case 'start': {
        const pid = 20_000 + index;
        if (step.withSelinux) {
          await emit({ type: 'VIRT_MACHINE_ID', ...base, 'vm-ctx': DOMAIN_LEVEL_CONTEXT(guest!.level), 'img-ctx': `system_u:object_r:svirt_image_t:${guest!.level}`, model: 'selinux' } as EmitInput);
        }
        await emit({ type: 'VIRT_MACHINE_ID', ...base, 'vm-ctx': '+107:+107', 'img-ctx': '+107:+107', model: 'dac' } as EmitInput);
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'cgroup', reason: 'deny', cgroup: `/sys/fs/cgroup/machine.slice/machine-qemu\\x2d${index}.scope/`, class: 'all' } as EmitInput);
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'disk', reason: 'start', 'old-disk': null, 'new-disk': step.disk } as EmitInput);
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'net', reason: 'start', 'old-net': null, 'new-net': '52:54:00:12:34:56' } as EmitInput);
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'mem', reason: 'start', 'old-mem': 0, 'new-mem': 2097152 } as EmitInput);
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'vcpu', reason: 'start', 'old-vcpu': 0, 'new-vcpu': 2 } as EmitInput);
        await emit({ type: 'VIRT_CONTROL', ...base, op: 'start', reason: 'booted', 'vm-pid': step.ok ? pid : 0, res: step.ok ? 'success' : 'failed' } as EmitInput);
        if (step.ok) pids.set(step.guest, pid);
        break;
      }
      case 'stop':
        await emit({ type: 'VIRT_CONTROL', ...base, op: 'stop', reason: step.reason, 'vm-pid': 0, res: step.ok ? 'success' : 'failed' } as EmitInput);
        break;
      case 'attach':
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'disk', reason: 'attach', 'old-disk': null, 'new-disk': step.disk } as EmitInput);
        break;
      case 'detach':
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'disk', reason: 'detach', 'old-disk': step.disk, 'new-disk': null } as EmitInput);
        break;
      case 'mem':
        await emit({ type: 'VIRT_RESOURCE', ...base, resrc: 'mem', reason: 'update', 'old-mem': 2097152, 'new-mem': step.kib } as EmitInput);
        break;
      case 'avc': {
        const level = step.matching ? guest!.level : 's0';
        const event = stamp();
        serial++;
        lines.push(`${node}type=AVC msg=audit(${event}): avc:  denied  { ${step.perms.join(' ')} } for  pid=${pids.get(step.guest) ?? 4242} comm="qemu-kvm" name=${encodeValue('disk image')} dev="dm-0" ino=42 scontext=${DOMAIN_LEVEL_CONTEXT(level)} tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0`);
        if (step.withSyscall) {
          lines.push(`${node}type=SYSCALL msg=audit(${event}): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7f a2=0 a3=0 items=1 ppid=1 pid=${pids.get(step.guest) ?? 4242} auid=4294967295 uid=107 gid=107 euid=107 suid=107 fsuid=107 egid=107 sgid=107 fsgid=107 tty=(none) ses=4294967295 comm="qemu-kvm" exe="/usr/bin/qemu-system-x86_64" subj=${DOMAIN_LEVEL_CONTEXT(level)} key=(null)`);
        }
        lines.push(`${node}type=EOE msg=audit(${event}): `);
        break;
      }
      case 'anomaly':
        lines.push(`${node}type=ANOM_ABEND msg=audit(${stamp()}): auid=4294967295 uid=107 gid=107 ses=4294967295 subj=${DOMAIN_LEVEL_CONTEXT(guest!.level)} pid=${pids.get(step.guest) ?? 4242} comm="qemu-kvm" exe="/usr/bin/qemu-system-x86_64" sig=11 res=1`);
        serial++;
        break;
      case 'noise':
        lines.push(`${node}type=USER_LOGIN msg=audit(${stamp()}): pid=900 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=? addr=10.0.0.1 terminal=ssh res=success'`);
        serial++;
        break;
    }
  }
  await emitter.close();
  return `${lines.join('\n')}\n`;
}
