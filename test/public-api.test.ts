// The library as a user meets it: each entry point exports exactly the names docs/api.md lists (values and
// types), TypeDoc documents exactly those entry points, and a fresh strict TypeScript project with the
// package installed lists the sessions per guest of a log through the public API in under ten lines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../verifier/sessions.js';
import { declaredExports } from './support/declared-exports.js';
import { RAW_CAPTURE } from './support/examples.js';

const ROOT = join(import.meta.dirname, '..');

/** Every name each entry point exports, values and types apart: a change to the public API must change this list. */
const PUBLIC_API: Readonly<Record<string, { readonly values: readonly string[]; readonly types: readonly string[] }>> = {
  '.': {
    values: [
      'ALL_BUT_INTERPRETED', 'AUDITD_LINES', 'AuditRecord', 'InputError', 'LIBVIRT_RECORD_TYPES', 'START_REASONS',
      'STOP_REASONS', 'VIRT_TYPES', 'decodeField', 'encodeField', 'encodeValue', 'parseLine', 'readAuditEvents',
      'resolveInputs',
    ],
    types: [
      'AuditBytes', 'AuditEvent', 'AuditField', 'AuditInput', 'AuditResult', 'AuditTime', 'ControlInitRecord',
      'ControlLifecycleStartRecord', 'ControlLifecycleStopRecord', 'GroupedEvent', 'GroupingOptions',
      'LibvirtRecord', 'LibvirtRecordType', 'LineContext', 'MachineIdRecord', 'ParsedLine', 'Profile',
      'ReadEventsOptions', 'RecordEnvelope', 'RecordForm', 'RecordIssue', 'RejectReason', 'ResourceCgroupAllRecord',
      'ResourceCgroupMajorRecord', 'ResourceCgroupPathRecord', 'ResourceChardevRecord', 'ResourceDevRecord',
      'ResourceDiskRecord', 'ResourceEvdevRecord', 'ResourceFsRecord', 'ResourceHostdevChardevRecord',
      'ResourceHostdevDiskRecord', 'ResourceIothreadRecord', 'ResourceIvshmemSocketRecord', 'ResourceMemRecord',
      'ResourceNetOpenRecord', 'ResourceNetRecord', 'ResourceRngRecord', 'ResourceShmemRecord',
      'ResourceSmartcardRecord', 'ResourceTpmEmulatorRecord', 'ResourceTpmExternalRecord', 'ResourceTpmRecord',
      'ResourceVcpuRecord', 'StartReason', 'StopReason', 'UnreadLine', 'UnreadLines', 'VirtControlRecord', 'VirtMachineIdRecord',
      'VirtResourceRecord', 'VirtType', 'WireForm',
    ],
  },
  './verifier': {
    values: [
      'FINDINGS_KEPT', 'JsonReport', 'JunitReport', 'TextReport', 'WARNINGS_KEPT_PER_RULE', 'formatDiagnostic',
      'formatSummary', 'isProblem', 'verify',
    ],
    types: [
      'Diagnostic', 'Severity', 'VerifiedRecord', 'VerifyOptions', 'VerifyResult', 'VerifySummary',
    ],
  },
  './sessions': {
    values: [
      'SessionCsvWriter', 'SessionJsonWriter', 'SessionNdjsonWriter', 'SessionTextWriter', 'readSessions',
    ],
    types: [
      'GuestAnomaly', 'GuestAvc', 'ProofId', 'ReadSessionsOptions', 'Session', 'SessionCsvOptions', 'SessionEnd',
      'SessionReading', 'SessionSink', 'SessionTextOptions', 'SessionTotals', 'SessionWriter', 'UnmatchedCounts',
    ],
  },
  './emitter': {
    values: [
      'DeliveryStopped', 'EmitError', 'Emitter', 'FAILED_START_STAGES', 'FieldError', 'LIBVIRT_VERSIONS',
      'LibauditSink', 'LineSink', 'MAX_LINE_BYTES', 'MAX_MESSAGE_BYTES', 'MemorySink', 'NotDelivered', 'SinkFailed',
      'auditBlockCopy', 'auditDiskSnapshot', 'auditFailedStart', 'auditHotplug', 'auditMediaChange',
      'auditNetBridgeChange', 'auditReboot', 'auditResourceUpdate', 'auditStart', 'auditStop', 'hostValuesFrom',
      'isNotDelivered', 'parseDeviceXml', 'parseDomainXml', 'statPath',
    ],
    types: [
      'CgroupRuntime', 'CharDevice', 'ConnectionOptions', 'DeliverOptions', 'Delivery', 'DeviceNumber', 'DeviceState', 'Disk',
      'DiskJobOptions', 'DiskOverlay', 'DomainDefinition', 'DomainDevices', 'EmitErrorKind', 'EmitInput',
      'EmitPolicy', 'EmitResult', 'EmitterOptions', 'FailedStartOptions', 'FailedStartStage', 'Firmware',
      'HostValues', 'Hostdev', 'HotplugAction', 'HotplugOptions', 'Input', 'LibauditSinkOptions', 'LibauditTail',
      'LibvirtRecordInput', 'LibvirtVersion', 'LifecycleOptions', 'LineSinkOptions', 'LossDetail',
      'MediaChangeOptions', 'MemoryDevice', 'NetInterface', 'OutgoingRecord', 'PathState', 'RecordHeader',
      'ResourceUpdateOptions', 'Rng', 'SecurityLabel', 'Shmem', 'Sink', 'Smartcard', 'StartOptions', 'StatPath',
      'StorageSource', 'Tpm',
    ],
  },
  './testing': {
    values: [
      'AuditCapture', 'JOURNAL_FINDING_KINDS', 'TRAIL_RULES', 'TRAIL_RULE_IDS', 'assertConforms', 'assertWritten',
      'auditdLogFile', 'compareWritten', 'conformJournal', 'describeComparison', 'expectedPayload',
      'expectedRecords', 'fieldDifferences', 'formatJournalFinding', 'libvirtVersionOf', 'readJournal',
      'stepRecords', 'trailFindings', 'virtAuditMatchers', 'writtenPayload',
    ],
    types: [
      'AuditCaptureOptions', 'ExpectedRecord', 'ExpectedStepRecord', 'FailedStartStage', 'FieldDifference',
      'GuestJournal', 'HostValues', 'Journal', 'JournalConformOptions', 'JournalConformance', 'JournalFinding',
      'JournalFindingKind', 'JournalStep', 'MatcherResult', 'RecordsOptions', 'SeclabelValue', 'StepWindow',
      'TrailComparison', 'TrailFinding', 'TrailRule', 'TrailRuleId', 'WrittenRecord',
    ],
  },
  './testing/vitest': {
    values: [],
    types: [],
  },
};

type Target = { readonly types: string; readonly default: string };
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Target | string> };
const ENTRY_POINTS = Object.entries(PACKAGE.exports).filter((entry): entry is [string, Target] => typeof entry[1] === 'object');

describe('the package exports', () => {
  it('are the entry points pinned here, each a module of its own', () => {
    expect(ENTRY_POINTS.map(([entry]) => entry).sort()).toEqual(Object.keys(PUBLIC_API).sort());
  });

  it.each(ENTRY_POINTS)('%s exports exactly its pinned values and types', async (entry, target) => {
    const pinned = PUBLIC_API[entry]!;
    const values = Object.keys(await import(join(ROOT, target.default))).sort();
    expect(values, `${entry} values`).toEqual([...pinned.values].sort());
    const declared = [...declaredExports(join(ROOT, target.types))].sort();
    expect(declared.filter((name) => !values.includes(name)), `${entry} types`).toEqual([...pinned.types].sort());
  });

  it('are each listed in docs/api.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    for (const [entry, { values, types }] of Object.entries(PUBLIC_API)) {
      expect(doc, entry).toContain(`\`virt-audit${entry.slice(1)}\``);
      for (const name of [...values, ...types]) expect(doc, `${entry} ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('are the entry points TypeDoc documents (npm run docs:api)', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'tools/typedoc/typedoc.json'), 'utf8')) as { entryPoints: string[] };
    const sources = ENTRY_POINTS.map(([, target]) => target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')).sort();
    expect(config.entryPoints.map((path) => path.replace(/^\.\.\/\.\.\//, '')).sort()).toEqual(sources);
  });
});

const CONSUMER = `import { readSessions } from 'virt-audit/sessions';
const byGuest = new Map<string, string[]>();
for await (const session of readSessions([process.argv[2]!])) {
  byGuest.set(session.name, [...(byGuest.get(session.name) ?? []), \`\${session.start?.reason ?? '?'}-\${session.end?.how ?? 'running'}\`]);
}
for (const [name, sessions] of byGuest) console.log(\`\${name}: \${sessions.join(', ')}\`);
`;

describe('the public API in a fresh strict TypeScript project', () => {
  it('lists the sessions per guest in under ten lines, type-checked', async () => {
    expect(CONSUMER.trim().split('\n').length).toBeLessThan(10);
    const project = mkdtempSync(join(tmpdir(), 'virt-audit-consumer-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'virt-audit'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: false, outDir: 'out', noUncheckedIndexedAccess: true },
      include: ['list.ts'],
    }));
    writeFileSync(join(project, 'list.ts'), CONSUMER);
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
    const printed = execFileSync(process.execPath, [join(project, 'out/list.js'), RAW_CAPTURE], { encoding: 'utf8' });
    const expected = new Map<string, string[]>();
    for await (const session of readSessions([RAW_CAPTURE])) expected.set(session.name, [...(expected.get(session.name) ?? []), `${session.start?.reason ?? '?'}-${session.end?.how ?? 'running'}`]);
    expect(printed).toBe([...expected].map(([name, sessions]) => `${name}: ${sessions.join(', ')}\n`).join(''));
    expect(printed).toContain('vacap-running: booted-running');
    expect(printed).toContain('vacap-broken: booted-failed-start');
  }, 120_000);
});
