// `ausearch --raw -uu UUID / -vm NAME [-w] / -m TYPE` (audit-userspace 3.0.9, ausearch-parse.c parse_user):
// the guest fields are read only from user-message records, by plain substring search in the record text.
import type { AuditRecord } from '../../src/model/audit-record.js';
import type { AuditInput } from '../../src/reader/input-set.js';
import { auditTime, ausearchAuditRecord, readAusearchEvents, type AusearchEvent } from '../../src/reader/ausearch-reading.js';
import { AUDIT_SECCOMP, AUDIT_SYSCALL, seccompReadable, syscallArguments } from './syscall-arguments.js';
import type { AuditEvent } from '../../src/reader/event-grouper.js';
import type { UnreadLines } from '../../src/reader/unread-lines.js';
import { auUnescape } from '../../src/encoding/au-unescape.js';

export interface SearchCriteria {
  readonly uuid?: string;
  readonly vm?: string;
  /** -w: whole value (strcmp) instead of a substring (strstr). */
  readonly word?: boolean;
  /** -ts/-te: the event's whole seconds within them, inclusive, as ausearch compares. */
  readonly start?: number;
  readonly end?: number;
  /** -m: events with a record of one of these types. */
  readonly types?: ReadonlySet<number>;
  /** -i: ausearch then also reads `arch=` of SYSCALL records, and passes over an event without it. */
  readonly interpreted?: boolean;
}

/** The record types ausearch's parse_user handles: 1005, 1100–1106, 1108–1199, 2100–2999. */
export function isUserMessageType(type: number | null): boolean {
  return type !== null && (type === 1005 || (type >= 1100 && type <= 1106) || (type >= 1108 && type <= 1199) || (type >= 2100 && type <= 2999));
}


/** The value after `vm=`: text up to the closing quote, else as ausearch's unescape reads it. */
export function extractVm(text: string): string | null {
  const at = text.indexOf('vm=');
  if (at === -1) return null;
  const value = text.slice(at + 3);
  if (value.startsWith('"')) {
    const end = value.indexOf('"', 1);
    return end === -1 ? value.slice(1) : value.slice(1, end);
  }
  // ausearch's unescape (ausearch-lookup.c) is auparse's au_unescape
  return auUnescape(value);
}

/** The value after `uuid=`, up to a space, a colon or the end. */
export function extractUuid(text: string): string | null {
  const at = text.indexOf('uuid=');
  if (at === -1) return null;
  const match = /^[^ :]*/.exec(text.slice(at + 5));
  return match ? match[0] : '';
}

/**
 * Whether ausearch's parse_user fails on the record with the fields the criteria ask for (the event is then
 * skipped): a quoted vm= with no closing quote (-vm), an empty uuid= (-uu).
 */
function parseUserFails(record: AuditRecord, criteria: SearchCriteria): boolean {
  const body = record.body;
  if (criteria.vm !== undefined) {
    const at = body.indexOf('vm=');
    if (at !== -1 && body[at + 3] === '"' && body.indexOf('"', at + 4) === -1) return true;
  }
  if (criteria.uuid !== undefined) {
    const at = body.indexOf('uuid=');
    if (at !== -1 && (at + 5 === body.length || body[at + 5] === ' ' || body[at + 5] === ':')) return at + 5 !== body.length;
  }
  return false;
}

function recordMatches(record: AuditRecord, criteria: SearchCriteria, vmBytes: string | undefined): boolean {
  if (!isUserMessageType(record.typeNumber)) return false;
  const matches = (value: string | null, wanted: string): boolean => value !== null && (criteria.word ? value === wanted : value.includes(wanted));
  if (criteria.uuid !== undefined && !matches(extractUuid(record.body), criteria.uuid)) return false;
  if (vmBytes !== undefined && !matches(extractVm(record.body), vmBytes)) return false;
  return true;
}

/** The record's line up to the ENRICHED separator, as ausearch's parsers see it. */
const messageOf = (record: AuditRecord): string => {
  const line = rawLineOf(record);
  const separator = line.indexOf('\x1d');
  return separator === -1 ? line : line.slice(0, separator);
};

/** Whether ausearch's extract_search_items fails on a SYSCALL or SECCOMP record of the event (it then passes over the event). */
export const ausearchPassesOver = (event: AuditEvent, interpreted: boolean): boolean =>
  event.records.some(
    (record) =>
      (record.typeNumber === AUDIT_SYSCALL && syscallArguments(messageOf(record), interpreted) === null) ||
      (record.typeNumber === AUDIT_SECCOMP && !seccompReadable(messageOf(record))),
  );

const endedInCr = (record: AuditRecord): boolean => record.hasIssues && record.issues.some((issue) => issue.rule === 'crlf');

/** A record's line as ausearch --raw prints it: a CR LF line keeps its CR. */
export const rawLineOf = (record: AuditRecord): string => (endedInCr(record) ? `${record.text}\r` : record.text);

/** Every event with a matching record, as its raw lines, in the order ausearch prints them. */
export async function searchVirt(
  inputs: readonly AuditInput[],
  criteria: SearchCriteria,
  onLine: (line: string) => void,
  /** ausearch's `Error extracting time stamp (…)`: a matching record whose stamp overflows unsigned long. */
  onUnreadableStamp?: (stampText: string) => void,
): Promise<number> {
  const { matched } = await searchVirtEvents(inputs, criteria, (event) => {
    for (const record of event.records) onLine(rawLineOf(record));
  }, onUnreadableStamp);
  return matched;
}

/** Whether ausearch reads the event at all: a record of it is a user message by the type ausearch-lol read. */
const hasUserMessage = (event: AusearchEvent): boolean => event.records.some((record) => isUserMessageType(record.stamp.type));

/** An ausearch event with a user message, its records read for their fields. */
export function userMessageEvent(event: AusearchEvent): AuditEvent | null {
  if (!hasUserMessage(event)) return null;
  const { stamp } = event;
  return { node: stamp.node, time: auditTime(stamp), serial: Number(stamp.serial), records: event.records.map(ausearchAuditRecord) };
}

/**
 * Every event with a matching record, in the order ausearch prints them; the count, and the lines passed
 * over. Lines are read and grouped as ausearch reads them (ausearch-reading): -ts/-te pass over the
 * records outside them as they are read, and a stamp ausearch cannot read is told to `onUnreadableStamp`.
 */
export async function searchVirtEvents(
  inputs: readonly AuditInput[],
  criteria: SearchCriteria,
  onEvent: (event: AuditEvent) => void,
  onUnreadableStamp?: (stampText: string) => void,
  onProgress?: (bytesRead: number) => void,
): Promise<{ matched: number; unread: UnreadLines }> {
  const vmBytes = criteria.vm === undefined ? undefined : Buffer.from(criteria.vm, 'utf8').toString('latin1');
  const guestAsked = criteria.uuid !== undefined || criteria.vm !== undefined;
  const types = criteria.types;
  let matched = 0;
  const unread = await readAusearchEvents(
    inputs,
    (read) => {
      if (!hasUserMessage(read)) return;
      // A uuid= value is matched as written: an event none of whose lines holds the text asked for has no match.
      if (criteria.uuid !== undefined && !read.records.some((record) => record.holds(criteria.uuid!))) return;
      const event = userMessageEvent(read);
      if (event === null) return;
      if (guestAsked && !event.records.some((record) => recordMatches(record, criteria, vmBytes))) return;
      if (types !== undefined && !event.records.some((record) => record.typeNumber !== null && types.has(record.typeNumber))) return;
      if (event.records.some((record) => isUserMessageType(record.typeNumber) && parseUserFails(record, criteria))) return;
      if (ausearchPassesOver(event, criteria.interpreted ?? false)) return;
      matched++;
      onEvent(event);
    },
    {
      ...(criteria.start === undefined ? {} : { start: criteria.start }),
      ...(criteria.end === undefined ? {} : { end: criteria.end }),
      ...(onUnreadableStamp === undefined ? {} : { onUnreadableStamp }),
      ...(onProgress === undefined ? {} : { onProgress }),
    },
  );
  return { matched, unread };
}
