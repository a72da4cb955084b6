/**
 * `virt-audit`: audit logs as data. Lines parsed into records, logs read as events (rotated sets in order,
 * stdin), audit field encoding as libaudit does it, and the typed JSON form of the records libvirt writes.
 *
 * @packageDocumentation
 * @module virt-audit
 */
export { parseLine, type LineContext, type ParsedLine, type RejectReason } from './reader/parse-line.js';
export { AuditRecord, type AuditTime, type RecordForm, type RecordIssue } from './model/audit-record.js';
export { decodeField, type AuditField, type WireForm } from './model/audit-field.js';
export { encodeField, encodeValue, type AuditBytes } from './encoding/audit-encoding.js';
export { InputError, resolveInputs, type AuditInput } from './reader/input-set.js';
export { ALL_BUT_INTERPRETED, AUDITD_LINES, readAuditEvents, type ReadEventsOptions } from './reader/read-events.js';
export type { AuditEvent, GroupedEvent, GroupingOptions } from './reader/event-grouper.js';
export type { UnreadLine, UnreadLines } from './reader/unread-lines.js';
export type { Profile } from './libvirt/layouts.js';
export { LIBVIRT_RECORD_TYPES, type LibvirtRecordType } from './tables/record-types.js';
export { START_REASONS, STOP_REASONS, VIRT_TYPES } from './libvirt/value-classes.js';
export type * from './model/virt-records.js';
