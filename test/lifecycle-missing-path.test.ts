// "A path missing on the guest's host": host values (a host-values file, a journal's runtime) can say
// that stat() failed there ("missing"). libvirt then writes the allow it attempted — qemuCgroupAllowDevicePath
// → virCgroupAllowDevicePath fails (-1) → virDomainAuditCgroupPath with no rdev (virDomainAuditGetRdev's
// stat fails too): `path="…" rdev=? acl=rw res=failed` — and the start stops there. The builder must
// render that record on a host where the path exists: the host values decide, not the rendering host.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditStart, hostValuesFrom, parseDomainXml, type EmitInput } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';
import type { GuestJournal, Journal } from '../scripts/lab/journal.js';
import { capturedPayloads, readJournal, rebuiltPayloads } from './support/journal-replay.js';
import { EXAMPLES } from './support/examples.js';

const UUID = '6a1f0c3e-2b7d-4f58-9e0a-1d2c3b4a5f60';
const CGROUP = '/sys/fs/cgroup/machine.slice/machine-qemu\\x2d9\\x2dmissing.scope/libvirt/';
/** A char device that exists on the host running the tests (and in CI containers). */
const HERE = '/dev/tty';
const here = existsSync(HERE) && statSync(HERE).isCharacterDevice();
const wire = (records: readonly EmitInput[]) => records.map((record) => `${buildPayload(record)!} res=${String(record.res)}`);
const guestXml = (tty: string) => `<domain type='qemu'><name>missing</name><uuid>${UUID}</uuid><memory unit='KiB'>131072</memory><vcpu>1</vcpu>`
  + `<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><serial type='dev'><source path='${tty}'/><target port='0'/></serial></devices></domain>`;
const allowOf = (lines: readonly string[], path: string) => lines.filter((line) => line.includes('resrc=cgroup reason=allow') && line.includes(`path="${path}"`));

describe('a host-values file says a path was missing', () => {
  it('reads "missing" and refuses anything else, naming the file and the field', () => {
    expect(hostValuesFrom({ devices: { [HERE]: 'missing', '/dev/null': null } }, 'host.json').devices).toEqual({ [HERE]: 'missing', '/dev/null': null });
    expect(() => hostValuesFrom({ devices: { [HERE]: 'gone' } }, 'host.json'))
      .toThrow(`host.json: host values: devices["${HERE}"] must be { major, minor, kind }, null (not a device) or "missing" (not there)`);
  });

  it.runIf(here)(`renders, where ${HERE} exists, the failed allow (rdev=?) and the failed start of the host where it did not`, () => {
    const file = hostValuesFrom(JSON.parse(`{ "devices": { "${HERE}": "missing" } }`), 'host.json');
    const lines = wire(auditStart(parseDomainXml(guestXml(HERE)), { libvirtVersion: '9.0', hostValues: file, vmPid: 4711, cgroup: { path: CGROUP } }));
    expect(allowOf(lines, HERE)).toEqual([
      `virt=qemu resrc=cgroup reason=allow vm="missing" uuid=${UUID} cgroup="${CGROUP}" class=path path="${HERE}" rdev=? acl=rw res=failed`,
    ]);
    // nothing is allowed after the failure, and the start is audited as failed
    expect(lines.slice(lines.indexOf(allowOf(lines, HERE)[0]!) + 1).some((line) => line.includes('resrc=cgroup'))).toBe(false);
    expect(lines.at(-1)).toBe(`virt=qemu op=start reason=booted vm="missing" uuid=${UUID} vm-pid=0 res=failed`);
  });

  it.runIf(here)('without the entry, the rendering host stat()s the path: its device number and a start that succeeds', () => {
    const lines = wire(auditStart(parseDomainXml(guestXml(HERE)), { libvirtVersion: '9.0', hostValues: { devices: {} }, vmPid: 4711, cgroup: { path: CGROUP } }));
    const rdev = statSync(HERE).rdev;
    const number = `${((rdev >>> 8) & 0xfff).toString(16).padStart(2, '0')}:${(rdev & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    expect(allowOf(lines, HERE)).toEqual([expect.stringContaining(`path="${HERE}" rdev=${number} acl=rw res=success`)]);
    expect(lines.at(-1)).toBe(`virt=qemu op=start reason=booted vm="missing" uuid=${UUID} vm-pid=4711 res=success`);
  });
});

describe('the real capture: libvirt 9.0 starting a guest whose type=dev serial node is missing (matrix guest fail-missing-dev)', () => {
  const directory = join(EXAMPLES, 'matrix', 'libvirt-9.0');
  const journal: Journal = readJournal(join(directory, 'matrix.journal.json'));
  const logText = readFileSync(join(directory, 'matrix.log'), 'latin1');
  const guest = journal.guests.find((candidate) => candidate.role === 'fail-missing-dev');

  const step = guest?.steps[0];
  /** The serial's node, from the definition libvirt was asked to start. */
  const missingPath = step?.kind === 'failed-start' ? parseDomainXml(step.definitionXml).devices.serials[0]?.path ?? undefined : undefined;

  it('libvirt wrote the failed allow, rdev=?, and the lab journaled the node as missing', () => {
    expect(guest).toBeDefined();
    expect(missingPath).toMatch(/^\/dev\//);
    expect(capturedPayloads(logText, guest!.uuid).filter((payload) => payload.includes(`path="${missingPath}"`)))
      .toEqual([expect.stringMatching(new RegExp(`reason=allow .*path="${missingPath}" rdev=\\? acl=rw res=failed$`))]);
    expect(step?.kind === 'failed-start' ? step.runtime?.devices?.[missingPath!] : undefined).toBe('missing');
  });

  it.runIf(here)(`rendered where the node exists (moved to ${HERE}), the records are libvirt's, path for path`, () => {
    const moved = JSON.parse(JSON.stringify(guest).split(missingPath!).join(HERE)) as GuestJournal;
    const captured = capturedPayloads(logText, guest!.uuid).map((payload) => payload.split(missingPath!).join(HERE));
    expect(rebuiltPayloads(moved, journal)).toEqual(captured);
    // the journal's word decides: the same guest with the entry dropped renders this host's device
    const dropped = JSON.parse(JSON.stringify(moved), (key, value) => (key === HERE && value === 'missing' ? undefined : value)) as GuestJournal;
    expect(rebuiltPayloads(dropped, journal)).not.toEqual(captured);
  });
});
