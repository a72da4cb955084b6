// Fields whose unquoted value may be libaudit hex. From auparse/typetab.h (AUPARSE_TYPE_ESCAPED,
// ESCAPED_FILE, ESCAPED_KEY, PROCTITLE, and the WITH_APPARMOR block Debian builds) plus the fields
// libvirt passes through virAuditEncode that auparse leaves untyped (domain_audit.c).
const AUPARSE_ESCAPED_FIELDS = [
  'path', 'comm', 'exe', 'file', 'name', 'watch', 'cwd', 'cmd', 'acct', 'dir', 'key', 'vm',
  'old-chardev', 'new-chardev', 'old-disk', 'new-disk', 'old-fs', 'new-fs', 'old-net', 'new-net',
  'device', 'cgroup', 'apparmor', 'operation', 'denied_mask', 'info', 'profile', 'requested_mask',
  'old-rng', 'new-rng', 'ocomm', 'proctitle', 'grp', 'new_group', 'invalid_context', 'sw', 'root_dir',
] as const;

const LIBVIRT_ONLY_ENCODED_FIELDS = [
  'old-smartcard', 'new-smartcard', 'disk', 'chardev', 'shmem', 'server',
] as const;

const ENCODED_FIELDS: ReadonlySet<string> = new Set<string>([
  ...AUPARSE_ESCAPED_FIELDS,
  ...LIBVIRT_ONLY_ENCODED_FIELDS,
]);

export function isEncodedField(name: string): boolean {
  return ENCODED_FIELDS.has(name);
}
