// The library as a user meets it: each entry point exports exactly the names docs/api.md lists (values and
// types), TypeDoc documents exactly those entry points, and a fresh strict TypeScript project with the
// packed tarball installed lists the sessions per guest of a log through the public API in under ten lines.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Session } from '../verifier/sessions.js';
import { declaredExports } from './support/declared-exports.js';
import { EXAMPLES, RAW_CAPTURE } from './support/examples.js';

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
      'SessionCsvWriter', 'SessionJsonWriter', 'SessionNdjsonWriter', 'SessionTextWriter', 'UNMATCHED_KEPT', 'readSessions',
    ],
    types: [
      'GuestAnomaly', 'GuestAvc', 'ProofId', 'ReadSessionsOptions', 'Session', 'SessionCsvOptions', 'SessionEnd',
      'SessionReading', 'SessionSink', 'SessionTextOptions', 'SessionTotals', 'SessionWriter', 'Unmatched',
      'UnmatchedAnomaly', 'UnmatchedAvc', 'UnmatchedCounts',
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

/** The package as `npm pack` makes it (what `npm install virt-audit` unpacks), without running its scripts. */
function packed(into: string): string {
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', into], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  return join(into, name);
}

/** The per-guest listing the consumer prints, made from what the built `auvirt --format json` prints. */
function auvirtListing(log: string): string {
  const json = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'dist/cli/auvirt.js'), '--file', log, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 })) as { sessions: Session[] };
  const byGuest = new Map<string, string[]>();
  for (const session of json.sessions) byGuest.set(session.name, [...(byGuest.get(session.name) ?? []), `${session.start?.reason ?? '?'}-${session.end?.how ?? 'running'}`]);
  return [...byGuest].map(([name, sessions]) => `${name}: ${sessions.join(', ')}\n`).join('');
}

describe('the public API in a fresh strict TypeScript project', () => {
  it('the packed tarball installed: sessions per guest in under ten lines, type-checked, as auvirt --format json lists them', () => {
    expect(CONSUMER.trim().split('\n').length).toBeLessThan(10);
    const project = mkdtempSync(join(tmpdir(), 'virt-audit-consumer-'));
    const tarball = packed(project);
    // npm install of the tarball, offline: the package's own files unpacked from it, its dependencies linked
    // from the project's (the tarball holds no dependency; CI's npm cache may not either).
    const installed = join(project, 'node_modules', 'virt-audit');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies)) {
      mkdirSync(dirname(join(project, 'node_modules', dependency)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dependency), join(project, 'node_modules', dependency));
    }
    expect(existsSync(join(installed, 'test')), 'tests are not shipped').toBe(false);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext',
        types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: false, outDir: 'out',
      },
      include: ['list.ts'],
    }));
    writeFileSync(join(project, 'list.ts'), CONSUMER);
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
    for (const log of [RAW_CAPTURE, join(EXAMPLES, 'matrix/libvirt-9.0/matrix.log'), join(EXAMPLES, 'migration/libvirt-9.0-to-11.3/migration.log')]) {
      const printed = execFileSync(process.execPath, [join(project, 'out/list.js'), log], { encoding: 'utf8' });
      expect(printed, log).toBe(auvirtListing(log));
    }
    const raw = execFileSync(process.execPath, [join(project, 'out/list.js'), RAW_CAPTURE], { encoding: 'utf8' });
    expect(raw).toContain('vacap-running: booted-running');
    expect(raw).toContain('vacap-broken: booted-failed-start');
  }, 180_000);
});
