// The checks JSON Schema cannot make, because the JSON form has lost them: header and payload field
// order, quoted-vs-hex-vs-bare wire forms, spacing, and the tail libaudit appends. Documented in
// schemas/README.md ("Wire-form rules").
import { decodeField, type AuditField, type AuditRecord } from '../src/index.js';
import { valueNeedsEncoding } from '../src/encoding/audit-encoding.js';
import type { FieldSpec } from '../src/libvirt/layouts.js';
import { splitLibauditTail } from '../src/libvirt/libaudit-tail.js';
import type { LayoutMatch } from '../src/libvirt/match-layout.js';
import type { RuleViolation } from '../src/libvirt/schema-validator.js';
import { EXCERPT_CHARS, excerpt } from '../src/reader/parse-line.js';

export type { RuleViolation } from '../src/libvirt/schema-validator.js';

const HEADER_NAMES = ['pid', 'uid', 'auid', 'ses'];

/** A field as found, for a message: its value cut to an excerpt (a value may be 64 KiB long). */
function show(field: AuditField): string {
  const name = field.name.length > 40 ? `${field.name.slice(0, 40)}…` : field.name;
  return `${name}=${field.raw.length > EXCERPT_CHARS ? `${field.raw.slice(0, EXCERPT_CHARS)}… (${field.raw.length} bytes)` : field.raw}`;
}

export function checkHeader(record: AuditRecord): RuleViolation[] {
  const names = record.header.map((field) => field.name);
  const expected = names.length === 5 ? [...HEADER_NAMES, 'subj'] : HEADER_NAMES;
  if (names.length === expected.length && names.every((name, index) => name === expected[index])) return [];
  return [
    {
      rule: 'header-fields',
      message: `the kernel writes "pid uid auid ses [subj]" before msg='…'; found "${names.join(' ')}"`,
    },
  ];
}

/**
 * The interpreted fields auditd's format_enrich writes after 0x1D: for each raw field auparse types as a
 * user or group id, syscall, arch or socket address, its name upper-cased with its interpretation. Of a
 * libvirt record's fields only the kernel's uid= and auid= are such (typetab: UID), and their
 * interpretations go through audit_encode_nv_string: `UID="root" AUID="unset"`, quoted or hex.
 */
export function checkEnrichment(record: AuditRecord): RuleViolation[] {
  const enrichment = record.enrichment;
  if (enrichment.length === 0) return [];
  const expected = record.header.filter((field) => field.name === 'uid' || field.name === 'auid').map((field) => field.name.toUpperCase());
  const names = enrichment.map((field) => field.name);
  const violations: RuleViolation[] = [];
  if (names.length !== expected.length || names.some((name, index) => name !== expected[index])) {
    violations.push({ rule: 'enrichment-fields', message: `auditd interprets "${expected.join(' ')}" of this record after 0x1D; found "${shortList(names)}"` });
  }
  for (const field of enrichment) {
    if (field.wire === 'bare') violations.push({ rule: 'enrichment-fields', message: `${field.name} is written "quoted" or as libaudit hex (audit_encode_nv_string); found ${show(field)}` });
  }
  return violations;
}

/** Names for a message: the first few, and how many more. */
function shortList(names: readonly string[], most = 12): string {
  const shown = names.slice(0, most).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name)).join(' ');
  return names.length > most ? `${shown} … (${names.length - most} more)` : shown;
}

export function checkSpacing(record: AuditRecord): RuleViolation[] {
  const text = record.payloadText;
  if (text === null) return [];
  if (text.startsWith(' ') || text.endsWith(' ') || text.includes('  ')) {
    return [{ rule: 'spacing', message: `libvirt and libaudit separate fields by exactly one space; found ${excerpt(text)}` }];
  }
  return [];
}

export function checkLibauditTail(payload: readonly AuditField[]): RuleViolation[] {
  const { tail } = splitLibauditTail(payload);
  if (tail === null) {
    return [{ rule: 'libaudit-tail', message: `payload must end with "exe hostname addr terminal res" (added by libaudit); found "${shortList(payload.slice(-5).map((field) => field.name))}"` }];
  }
  const violations: RuleViolation[] = [];
  const [exe, hostname, addr, terminal, res] = tail as [AuditField, AuditField, AuditField, AuditField, AuditField];
  if (exe.wire === 'bare' && exe.value !== null) {
    violations.push({ rule: 'libaudit-tail', message: `exe is written quoted or as libaudit hex; found ${show(exe)}` });
  }
  for (const field of [hostname, addr, terminal]) {
    if (field.wire !== 'bare') violations.push({ rule: 'libaudit-tail', message: `${field.name} is never quoted by libaudit; found ${show(field)}` });
  }
  if (res.raw !== 'success' && res.raw !== 'failed') {
    violations.push({ rule: 'libaudit-tail', message: `res is success or failed; found ${show(res)}` });
  }
  return violations;
}

function checkEncodedWire(field: AuditField, spec: FieldSpec): RuleViolation | null {
  if (field.wire === 'bare') {
    if (field.raw === '?' && spec.nullable) {
      return { rule: 'field-encoding', message: `${spec.name} goes through virAuditEncode, so absence is written "?" quoted; found ${show(field)}` };
    }
    return { rule: 'field-encoding', message: `${spec.name} is written "quoted" or as libaudit hex; found ${show(field)}` };
  }
  // The raw text has one char per byte, so it is judged as the bytes would be.
  if (field.wire === 'quoted' && field.value !== null && valueNeedsEncoding(field.raw.slice(1, -1))) {
    return { rule: 'field-encoding', message: `${spec.name} holds bytes libaudit hex-encodes (space, '"', control or ≥0x7F), yet is quoted; found ${show(field)}` };
  }
  return null;
}

function checkBareWire(field: AuditField, spec: FieldSpec): RuleViolation | null {
  if (field.wire === 'bare') return null;
  // A bare field that happens to look like libaudit hex is still bare on the wire.
  if (field.wire === 'hex' && decodeField(spec.name, field.raw, false).wire === 'bare') return null;
  return { rule: 'field-encoding', message: `libvirt prints ${spec.name} bare (%s), never quoted; found ${show(field)}` };
}

function checkLegacyQuotedWire(field: AuditField, spec: FieldSpec): RuleViolation | null {
  if (field.wire === 'bare') return null;
  return { rule: 'field-encoding', message: `historical ${spec.name} is bare or '…'-quoted; found ${show(field)}` };
}

/** Field order and each field's wire form against the layout the record matched. */
export function checkLayout(body: readonly AuditField[], match: LayoutMatch): RuleViolation[] {
  const { layout } = match;
  const violations: RuleViolation[] = [];
  if (!match.exact) {
    const expected = layout.fields.map((spec) => spec.name);
    const found = body.map((field) => field.name);
    const missing = expected.filter((name) => !found.includes(name));
    const unexpected = found.filter((name) => !expected.includes(name));
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
    if (unexpected.length > 0) parts.push(`unexpected ${shortList(unexpected).replaceAll(' ', ', ')}`);
    if (parts.length === 0) parts.push('fields out of order');
    violations.push({
      rule: 'field-order',
      message: `${layout.id} is "${layout.fields.map((spec) => spec.name).join(' ')}" (${parts.join('; ')}); found "${shortList(found)}"`,
    });
  }
  for (const spec of layout.fields) {
    const field = body.find((candidate) => candidate.name === spec.name);
    if (!field) continue;
    if (field.value === null && !spec.nullable) {
      violations.push({ rule: 'absent-value', message: `${spec.name} is never absent in ${layout.id}; found ${show(field)}` });
      continue;
    }
    const violation =
      spec.wire === 'encoded'
        ? checkEncodedWire(field, spec)
        : spec.wire === 'bare'
          ? checkBareWire(field, spec)
          : checkLegacyQuotedWire(field, spec);
    if (violation) violations.push(violation);
  }
  return violations;
}
