// Generated logs for `ausearch -i`'s interpreted output: records holding every field name auparse 3.0.9's
// typetab.h gives an interpretation (uid, syscall, arch, exit, escaped text, perm, mode, sockaddr, cap
// sets, success, proctitle, MAC labels, keys…) with values made to break it: out of range, hex of control
// bytes and NULs, odd-length hex, quotes left open, commas, parentheses, '=' inside, control and high
// bytes, empty; behind `node=` or not, RAW or ENRICHED, one or two spaces between fields, LF or CR LF.
// Lines are latin1 strings (one char per byte) holding no control byte but tab and 0x7F (the reader
// refuses others as binary; auditd's lines never hold them) and no 0x1D outside the ENRICHED separator.
import fc from 'fast-check';

/** auparse/typetab.h 3.0.9: the field names with an interpretation, and a few it has none for. */
export const FIELD_NAMES = [
  'a0', 'a1', 'a2', 'a3', 'acct', 'action', 'addr', 'apparmor', 'arch', 'auid', 'cap_fi', 'cap_fp', 'cap_pa', 'cap_pe', 'cap_pi', 'cap_pp',
  'capability', 'cgroup', 'cmd', 'code', 'comm', 'cwd', 'data', 'denied_mask', 'device', 'dir', 'egid', 'euid', 'exe', 'exit', 'family', 'fi',
  'file', 'flags', 'fp', 'fsgid', 'fsuid', 'gid', 'grp', 'hook', 'icmptype', 'id', 'igid', 'img-ctx', 'info', 'inode_gid', 'inode_uid',
  'invalid_context', 'ioctlcmd', 'iuid', 'key', 'list', 'macproto', 'mode', 'name', 'new-chardev', 'new-disk', 'new-fs', 'new-net', 'new-rng',
  'new_gid', 'new_group', 'new_pe', 'new_pi', 'new_pp', 'nl-mcgrp', 'oauid', 'obj', 'obj_gid', 'obj_uid', 'ocomm', 'oflag', 'ogid', 'old-auid',
  'old-chardev', 'old-disk', 'old-fs', 'old-net', 'old-rng', 'old_pa', 'old_pe', 'old_pi', 'old_pp', 'old_prom', 'operation', 'ouid', 'pa',
  'path', 'pe', 'per', 'perm', 'perm_mask', 'pi', 'pp', 'proctitle', 'profile', 'prom', 'proto', 'requested_mask', 'res', 'resolve', 'resp',
  'result', 'root_dir', 'saddr', 'sauid', 'scontext', 'ses', 'sgid', 'sig', 'sigev_signo', 'subj', 'suid', 'sw', 'syscall', 'tcontext', 'uid',
  'vm', 'vm-ctx', 'watch',
  // none in typetab: printed as written
  'uuid', 'virt', 'op', 'reason', 'resrc', 'vm-pid', 'rdev', 'x',
] as const;

const hexOf = (bytes: readonly number[]): string => bytes.map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join('');
const anyByte = fc.integer({ min: 0, max: 255 });
/** A byte a log line can hold as written, but space: tab, printable ASCII, 0x7F and above. */
const lineByte = fc.oneof(fc.constant(0x09), fc.integer({ min: 0x21, max: 0xff }));
const lineChars = (maxLength: number): fc.Arbitrary<string> => fc.array(lineByte, { maxLength }).map((bytes) => String.fromCharCode(...bytes));

const PIECES = ['"', "'", ',', '(', ')', '=', ':', '?', '{', '}', '\\', '%s', 'x', '0', 'ff', '-', '/', '\t', '\x7f', '\xe9', 'AB'];
const pieces = fc.array(fc.constantFrom(...PIECES), { maxLength: 5 }).map((parts) => parts.join(''));

const number = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.constantFrom('0', '-1', '4294967295', '4294967296', '18446744073709551615', '18446744073709551616', '99999999999999999999999', '0x10', '+7', '-'),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value) => value.toString(16)),
);

/** sockaddr hex: local, inet, inet6, netlink, packet families, whole or cut. */
const sockaddr = fc.tuple(
  fc.constantFrom('0100', '0200', '0A00', '1000', '1100', '2800', 'FFFF', '01', ''),
  fc.array(anyByte, { maxLength: 30 }),
  fc.boolean(),
).map(([family, rest, odd]) => `${family}${hexOf(rest)}${odd ? 'A' : ''}`);

/** A value for any field: meant to hit each interpretation's edges. */
export const fieldValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: number },
  { weight: 3, arbitrary: fc.tuple(fc.array(anyByte, { maxLength: 24 }), fc.boolean()).map(([bytes, odd]) => `${hexOf(bytes)}${odd ? 'F' : ''}`) },
  { weight: 2, arbitrary: fc.tuple(lineChars(12), fc.boolean()).map(([text, closed]) => `"${text.replace(/"/g, '')}${closed ? '"' : ''}`) },
  { weight: 2, arbitrary: lineChars(12) },
  { weight: 2, arbitrary: pieces },
  { weight: 1, arbitrary: sockaddr },
  { weight: 1, arbitrary: fc.constantFrom('"a b"', '"x y', "'q r'", '"a,b" c', '?', '(null)', '(none)', '', 'unset', 'success', 'failed', 'yes', 'no', 'c000003e', '40000003', 'C00000B7', 'deadbeef') },
  { weight: 1, arbitrary: fc.constantFrom('system_u:object_r:svirt_image_t:s0:c1,c2', 'unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023', 'none,none', 'r,r') },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('k1', 'key', '\x01', 'ab'), { maxLength: 4 }).map((keys) => hexOf([...Buffer.from(keys.join(''), 'latin1')])) },
);

const fieldName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.constantFrom('(uid', "'uid", 'acct:', 'a', 'msg', 'A0') });
const separator = fc.constantFrom(' ', ' ', ' ', '  ');
const fields = fc.array(fc.tuple(separator, fieldName, fieldValue), { minLength: 0, maxLength: 8 }).map((list) => list.map(([space, name, value]) => `${space}${name}=${value}`).join(''));

/** An ENRICHED block: the names auditd writes, and hostile ones. */
const enrichment = fc.array(
  fc.tuple(fc.constantFrom('UID', 'AUID', 'EUID', 'GID', 'SYSCALL', 'ARCH', 'SADDR', 'SUID', 'OUID', 'X'), fc.oneof(fc.constantFrom('"root"', '"unset"', '""', '"ro', '', 'x86_64', 'open', '{ fam=local path=/x }'), lineChars(8).map((text) => `"${text.replace(/"/g, '')}"`))),
  { minLength: 1, maxLength: 4 },
).map((list) => `\x1d${list.map(([name, value]) => `${name}=${value}`).join(' ')}`);

/** User-message types of the selection (-m), with those auparse_interp_adjust_type treats apart. */
export const USER_TYPES = [
  ['VIRT_CONTROL', 2500],
  ['VIRT_RESOURCE', 2501],
  ['VIRT_MACHINE_ID', 2502],
  ['USER_START', 1105],
  ['TRUSTED_APP', 1121],
  ['USER_TTY', 1124],
  ['ADD_GROUP', 1116],
  ['CRYPTO_KEY_USER', 2404],
] as const;

export interface GeneratedLog {
  readonly text: string;
  /** The -m list that selects every user record in it. */
  readonly types: string;
}

const stampOf = (index: number, milli: number): string => `${1_700_000_000 + index * 5}.${String(milli).padStart(3, '0')}:${1000 + index}`;

/** One user-message record: libvirt's envelope around generated fields, inside and outside msg='…'. */
const userRecord = fc.record({
  type: fc.constantFrom(...USER_TYPES),
  node: fc.option(fc.constantFrom('host-a', 'h.example.com', 'n', 'x'.repeat(40)), { nil: undefined }),
  milli: fc.integer({ min: 0, max: 999 }),
  header: fields,
  payload: fields,
  closed: fc.boolean(),
  enriched: fc.option(enrichment, { nil: undefined }),
  res: fc.constantFrom('success', 'failed', '1', '0', 'x'),
  crlf: fc.boolean(),
});

/** A kernel event led by SYSCALL (or SECCOMP), with the records that follow one and hostile values in each. */
const kernelEvent = fc.record({
  node: fc.option(fc.constantFrom('host-a', 'k'), { nil: undefined }),
  milli: fc.integer({ min: 0, max: 999 }),
  seccomp: fc.boolean(),
  arch: fc.constantFrom('c000003e', '40000003', 'C00000B7', '80000016', 'deadbeef', '0', 'FFFFFFFFFFFFFFFFFF'),
  syscall: fc.constantFrom('0', '2', '42', '44', '59', '102', '117', '257', '999', '-1', '99999999999999999999'),
  a0: number,
  a1: number,
  extra: fields,
  following: fc.array(fc.tuple(fc.constantFrom('PATH', 'EXECVE', 'SOCKADDR', 'CWD'), fields), { maxLength: 3 }),
  // The kernel writes PROCTITLE last; auparse (and this reader) end the event there.
  proctitle: fc.option(fields, { nil: undefined }),
});

/** A log of user-message events (each its own stamp), and kernel events between them. */
export const generatedLog: fc.Arbitrary<GeneratedLog> = fc
  .array(fc.oneof({ weight: 4, arbitrary: userRecord.map((record) => ({ user: record })) }, { weight: 1, arbitrary: kernelEvent.map((event) => ({ kernel: event })) }), { minLength: 1, maxLength: 12 })
  .map((entries) => {
    const lines: string[] = [];
    const types = new Set<string>();
    entries.forEach((entry, index) => {
      if ('user' in entry) {
        const record = entry.user;
        types.add(record.type[0]);
        const node = record.node === undefined ? '' : `node=${record.node} `;
        const close = record.closed ? "'" : '';
        lines.push(
          `${node}type=${record.type[0]} msg=audit(${stampOf(index, record.milli)}): pid=1 uid=0 auid=4294967295 ses=4294967295${record.header} msg='virt=kvm${record.payload} exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=${record.res}${close}${record.enriched ?? ''}${record.crlf ? '\r' : ''}`,
        );
        return;
      }
      const event = entry.kernel;
      const node = event.node === undefined ? '' : `node=${event.node} `;
      const stamp = stampOf(index, event.milli);
      const lead = event.seccomp
        ? `type=SECCOMP msg=audit(${stamp}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=9 comm="x" exe="/bin/x" sig=0 arch=${event.arch} syscall=${event.syscall} compat=0 ip=0x7f code=0x7ffc0000${event.extra}`
        : `type=SYSCALL msg=audit(${stamp}): arch=${event.arch} syscall=${event.syscall} success=yes exit=0 a0=${event.a0} a1=${event.a1} a2=0 a3=0 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="x" exe="/bin/x"${event.extra} key=(null)`;
      lines.push(`${node}${lead}`);
      for (const [type, extra] of [...event.following, ...(event.proctitle === undefined ? [] : [['PROCTITLE', event.proctitle] as const])]) {
        const body = `item=0${extra}`;
        lines.push(`${node}type=${type} msg=audit(${stamp}): ${body}`);
      }
    });
    return { text: `${lines.join('\n')}\n`, types: [...types].join(',') || 'VIRT_CONTROL' };
  });
