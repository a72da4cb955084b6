// A record from the kernel's audit netlink socket turned into the line auditd 3.0.9 logs for it (RAW):
// which types auditd passes over (auditd.c netlink_handler), which carry text (libaudit netlink.c
// adjust_reply: the others are logged as `msg=lost`), and format_raw's formatting (auditd-event.c).

/** Netlink message header length (struct nlmsghdr). */
export const NLMSG_HEADER_BYTES = 16;
const NLMSG_NOOP = 1;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const AUDIT_EOE = 1320;
/** libaudit's MAX_AUDIT_MESSAGE_LENGTH. */
const MAX_AUDIT_MESSAGE_LENGTH = 8970;
/** glibc's _POSIX_HOST_NAME_MAX, part of auditd's format buffer. */
const POSIX_HOST_NAME_MAX = 255;

/** One netlink message: its type and its payload's bytes. */
export interface NetlinkMessage {
  readonly type: number;
  readonly payload: Buffer;
}

/** Messages of one datagram (netlink packs several, each aligned to 4 bytes), and whether it ended short. */
export function splitNetlinkDatagram(datagram: Buffer): { readonly messages: NetlinkMessage[]; readonly malformed: boolean } {
  const messages: NetlinkMessage[] = [];
  let at = 0;
  while (at + NLMSG_HEADER_BYTES <= datagram.length) {
    const length = datagram.readUInt32LE(at);
    const type = datagram.readUInt16LE(at + 4);
    if (length < NLMSG_HEADER_BYTES || at + length > datagram.length) return { messages, malformed: true };
    if (type === NLMSG_DONE) return { messages, malformed: false };
    messages.push({ type, payload: datagram.subarray(at + NLMSG_HEADER_BYTES, at + length) });
    at += (length + 3) & ~3;
  }
  return { messages, malformed: at < datagram.length };
}

/** Types auditd reads from the kernel but never logs: netlink control, replies, its own range, EOE. */
export function auditdSkipsType(type: number): boolean {
  return type === NLMSG_NOOP || type === NLMSG_ERROR || type === NLMSG_DONE || type === 1000 /* AUDIT_GET */
    || (type >= 1007 && type <= 1009) /* AUDIT_WATCH_INS … AUDIT_WATCH_LIST */ || type === 1010 /* AUDIT_SIGNAL_INFO */
    || (type >= 1011 && type <= 1019) /* AUDIT_ADD_RULE … AUDIT_GET_FEATURE */ || (type >= 1200 && type <= 1299) /* daemon */
    || type === 1329 /* AUDIT_REPLACE */ || type === AUDIT_EOE;
}

/** Types libaudit hands on with their text; auditd logs any other as `msg=lost`. */
export function typeCarriesText(type: number): boolean {
  return type === 1005 /* AUDIT_USER */ || type === 1006 /* AUDIT_LOGIN */ || type === 2000 /* AUDIT_KERNEL */
    || (type >= 1100 && type <= 1199) || (type >= 2100 && type <= 2999) || (type >= 1300 && type <= 1899);
}

export interface RecordLineOptions {
  /** auditd's node name (name_format other than NONE): the line starts `node=NAME `. */
  readonly node?: string | null;
  /** Whether EOE records are handed on (auditd dispatches them to plugins but never logs them). */
  readonly keepEndOfEvent?: boolean;
}

/**
 * The line (no newline; latin1, one char per byte) auditd logs for a kernel record, or null for a record
 * auditd does not log. `typeName` is libaudit's audit_msg_type_to_name (null for a type it does not know).
 */
export function auditdLineOf(message: NetlinkMessage, typeName: (type: number) => string | null, options: RecordLineOptions = {}): string | null {
  const { type } = message;
  if (auditdSkipsType(type) && !(type === AUDIT_EOE && options.keepEndOfEvent)) return null;
  const name = typeName(type) ?? `UNKNOWN[${type}]`;
  let text = 'lost';
  if (typeCarriesText(type)) {
    const nul = message.payload.indexOf(0);
    text = message.payload.toString('latin1', 0, nul === -1 ? message.payload.length : nul);
  }
  const node = options.node ?? null;
  // snprintf into auditd's buffer: the limit counts the terminating NUL.
  const full = node === null ? `type=${name} msg=${text}` : `node=${node} type=${name} msg=${text}\n`;
  const limit = (node === null ? MAX_AUDIT_MESSAGE_LENGTH - 32 : MAX_AUDIT_MESSAGE_LENGTH + POSIX_HOST_NAME_MAX - 32) - 1;
  let line = full.length > limit ? full.slice(0, limit) : full;
  line = line.replaceAll('\n', ' ');
  if (full.length <= limit && line.endsWith(' ')) line = line.slice(0, -1);
  return line;
}
