// verify's checking half: a VIRT_* record against libvirt's formats (field order, wire forms, libaudit's
// tail) and against the JSON Schema of the layout it matches.
import type { VirtRecordJson } from '../src/libvirt/json-form.js';
import { toJsonForm } from '../src/libvirt/json-form.js';
import { classifyEmitter } from '../src/libvirt/emitter-kind.js';
import { splitLibauditTail } from '../src/libvirt/libaudit-tail.js';
import type { Profile } from '../src/libvirt/layouts.js';
import { matchLayouts } from '../src/libvirt/match-layout.js';
import { SchemaValidator } from '../src/libvirt/schema-validator.js';
import type { AuditRecord } from '../src/model/audit-record.js';
import type { LibvirtRecord } from '../src/model/virt-records.js';
import { isLibvirtRecordType } from '../src/tables/record-types.js';
import type { Diagnostic } from './verify-diagnostics.js';
import { diagnosticOf, VIRT_RECORD_ERRORS } from './verify-lines.js';
import { checkEnrichment, checkHeader, checkLayout, checkLibauditTail, checkSpacing, type RuleViolation } from './wire-form.js';

/** Where a check's outcome goes: its counts, the errors of an invalid record, the notice of another writer's. */
export interface CheckFindings {
  readonly summary: { virtRecords: number; valid: number; invalid: number; foreign: number };
  problem(diagnostic: Diagnostic): void;
  warn(diagnostic: Diagnostic): void;
}

export interface CheckOptions {
  readonly profile?: Profile;
  readonly validator?: SchemaValidator;
  /** Receives the JSON form of every VIRT record checked, in order. */
  readonly onVirtRecord?: ((record: LibvirtRecord, diagnostics: readonly Diagnostic[]) => void) | undefined;
}

/** Checks VIRT_* records against libvirt's formats and the JSON Schemas, into `findings`. */
export class VirtRecordChecker {
  private readonly profile: Profile;
  private readonly validator: SchemaValidator;

  constructor(private readonly findings: CheckFindings, private readonly options: CheckOptions) {
    this.profile = options.profile ?? 'libvirt';
    this.validator = options.validator ?? new SchemaValidator();
  }

  check(record: AuditRecord): void {
    const { findings, profile, validator } = this;
    const summary = findings.summary;
    summary.virtRecords++;
    const emitter = classifyEmitter(record);
    if (emitter.kind === 'foreign') {
      summary.foreign++;
      findings.warn(diagnosticOf(record, { rule: 'foreign-emitter', message: `${emitter.why}; not checked against libvirt's formats` }, 'notice'));
      return;
    }
    const found: RuleViolation[] = [];
    const payload = record.payload;
    let json: VirtRecordJson;
    if (payload === null) {
      found.push({ rule: 'no-payload', message: "libvirt records carry their fields in msg='…'; none found" });
      json = toJsonForm(record);
    } else {
      const wireIntact = record.form !== 'interpreted';
      found.push(...record.issues.filter((issue) => VIRT_RECORD_ERRORS.has(issue.rule)));
      found.push(...checkHeader(record));
      if (wireIntact) found.push(...checkSpacing(record), ...checkLibauditTail(payload), ...checkEnrichment(record));
      const { body } = splitLibauditTail(payload);
      const matches = isLibvirtRecordType(record.type) ? matchLayouts(record.type, body, profile) : [];
      if (matches.length === 0) {
        const resrc = body.find((field) => field.name === 'resrc');
        found.push({
          rule: 'unknown-layout',
          message: resrc
            ? `resrc=${resrc.raw} is not a resource kind libvirt (${profile} profile) audits`
            : `no ${record.type} layout of the ${profile} profile fits "${body.map((field) => field.name).join(' ')}"`,
        });
        json = toJsonForm(record);
      } else {
        // Among several exact matches (a legacy form sharing a current one's names), the first one the
        // record fully satisfies wins; failing all, the first explains what is wrong.
        const checked = matches.map((match) => {
          const layoutViolations = checkLayout(body, match);
          const candidateJson = toJsonForm(record, match.layout);
          const schemaViolations = validator.validate(candidateJson, match.layout, profile);
          // When the field set differs, the field-order violation already names what is missing or extra.
          const relevantSchema = match.exact ? schemaViolations : schemaViolations.filter((violation) => !/^(missing|unexpected) field /.test(violation.message));
          const wireViolations = wireIntact ? layoutViolations : layoutViolations.filter((violation) => violation.rule === 'field-order');
          return { json: candidateJson, violations: [...wireViolations, ...relevantSchema] };
        });
        const chosen = checked.find((candidate) => candidate.violations.length === 0) ?? checked[0]!;
        json = chosen.json;
        found.push(...chosen.violations);
      }
    }
    const diagnostics = found.map((violation) => diagnosticOf(record, violation, 'error'));
    if (diagnostics.length === 0) summary.valid++;
    else {
      summary.invalid++;
      for (const diagnostic of diagnostics) findings.problem(diagnostic);
    }
    // The JSON form of a record with no diagnostic fits its layout's schema, which its type is generated from.
    this.options.onVirtRecord?.(json as LibvirtRecord, diagnostics);
  }
}
