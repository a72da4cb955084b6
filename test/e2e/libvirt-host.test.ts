// End to end on a real host: a private auditd (RAW, then ENRICHED), virtlogd and libvirtd started by hand,
// real QEMU guests driven through @unraid/libvirt (scripts/lab), then proof that
//   1. the emitter, given each guest's XML and run-time values, renders exactly libvirt's payloads, in order;
//   2. `virt-audit verify` passes on the capture;
//   3. `auvirt --compat` equals the real auvirt's output; default mode shows every session, resource and
//      failure the scenario caused;
//   4. the emitter's own records, sent through FFI into the same auditd, verify and correlate.
// Skipped, with the reason printed, where the lab cannot run (not root, no audit, no libvirt, …).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emitter, LibauditSink, auditHotplug, auditResourceUpdate, auditStart, auditStop, parseDeviceXml, parseDomainXml } from '../../emitter/index.js';
import { verify } from '../../verifier/index.js';
import { bootableGuest } from '../../scripts/lab/capture-pass.js';
import { HostLab, labUnavailable } from '../../scripts/lab/host-lab.js';
import type { Journal } from '../../scripts/lab/journal.js';
import { TOOL_ENV, realTool } from '../../scripts/lab/real-tools.js';
import { UTF8_GUEST_NAME, runScenario, uuidOf } from '../../scripts/lab/scenario.js';
import { capturedPayloads, rebuiltPayloads } from '../support/journal-replay.js';

const AUVIRT = new URL('../../dist/cli/auvirt.js', import.meta.url).pathname;
const unavailable = labUnavailable();
if (unavailable) console.warn(`[skip] end-to-end suite: ${unavailable}`);

const say = (message: string) => process.stderr.write(`e2e: ${message}\n`);

function ourAuvirt(args: readonly string[]): Buffer {
  const result = spawnSync(process.execPath, [AUVIRT, ...args], { env: TOOL_ENV, timeout: 300_000, maxBuffer: 1 << 28 });
  if (result.status !== 0 && result.status !== 1) throw new Error(`auvirt ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

interface JsonSession {
  readonly uuid: string;
  readonly name: string;
  readonly start: { readonly reason: string; readonly success: boolean } | null;
  readonly end: { readonly how: string } | null;
  readonly stops: readonly { readonly reason: string }[];
  readonly resources: readonly { readonly kind: string; readonly reason: string; readonly value: string; readonly endedBy: string | null }[];
}

/** A synthetic guest the emitter announces through libaudit into the lab's auditd. */
const SYNTHETIC_XML = `<domain type='kvm'><name>e2e synthetic "ü"</name><uuid>${randomUUID()}</uuid><memory unit='MiB'>256</memory><vcpu>2</vcpu>
  <os><type>hvm</type></os><seclabel type='dynamic' model='dac'><label>+107:+107</label><imagelabel>+107:+107</imagelabel></seclabel>
  <devices><disk type='file' device='disk'><source file='/var/lib/images/e2e disk.qcow2'/><target dev='vda'/></disk>
  <interface type='user'><mac address='52:54:00:e2:e2:01'/></interface></devices></domain>`;
const SYNTHETIC_HOTPLUG = "<disk type='file' device='disk'><source file='/var/lib/images/hot=\"plug\".img'/><target dev='vdb'/></disk>";

function syntheticLifecycle() {
  const domain = parseDomainXml(SYNTHETIC_XML);
  const hotplug = parseDeviceXml(SYNTHETIC_HOTPLUG).domain;
  return {
    domain,
    records: [
      ...auditStart(domain, { vmPid: process.pid, cgroup: null }),
      ...auditHotplug(domain, hotplug, 'attach'),
      ...auditResourceUpdate(domain, 'mem', domain.memoryKiB, domain.memoryKiB * 2),
      ...auditHotplug(domain, hotplug, 'detach'),
      ...auditStop(domain, 'shutdown'),
    ],
  };
}

describe.skipIf(unavailable !== null).each(['RAW', 'ENRICHED'] as const)('a real libvirt host, auditd %s', (format) => {
  let lab: HostLab | undefined;
  let journal: Journal;
  let log: string;
  let logText: string;
  const synthetic = syntheticLifecycle();
  let syntheticDelivered = 0;

  beforeAll(async () => {
    const bootable = bootableGuest();
    lab = await HostLab.start({ format });
    journal = await runScenario(lab, { bootable, say: (message) => say(`${format}: ${message}`) });
    const emitter = new Emitter({ sink: new LibauditSink({ timeoutMs: 10_000 }), policy: 'required' });
    try {
      const results = await emitter.emitMany(synthetic.records);
      syntheticDelivered = results.filter((result) => result.status === 'delivered').length;
    } finally {
      await emitter.close();
    }
    log = await lab.stopAuditd();
    logText = readFileSync(log, 'latin1');
    for (const skipped of journal.skipped) say(`${format}: the host could not do: ${skipped}`);
  }, 900_000);

  afterAll(async () => {
    await lab?.stop();
  }, 120_000);

  describe('1. the emitter renders exactly what libvirt wrote, guest by guest, in order', () => {
    it('journals every guest the scenario defines', () => {
      expect(journal.guests.map((guest) => guest.role)).toEqual(
        expect.arrayContaining(['basic', 'utf8', 'broken', 'running', 'devices', 'shutdown', 'reused-first', 'reused-second']),
      );
    });

    it('every journaled guest', () => {
      for (const guest of journal.guests) {
        const libvirts = capturedPayloads(logText, guest.uuid, log);
        expect(libvirts.length, `${guest.role}: libvirt wrote records`).toBeGreaterThan(0);
        expect(rebuiltPayloads(guest), `${guest.role} (${guest.exercises})`).toEqual(libvirts);
      }
    });

    it('the scenario really did what it says: shutdown by the guest, managed save, a failed start, a reused name', () => {
      const steps = (role: string) => journal.guests.find((guest) => guest.role === role)!.steps;
      expect(steps('shutdown').map((step) => (step.kind === 'stop' ? `stop ${step.reason}` : step.kind))).toEqual(['start', 'stop shutdown']);
      expect(steps('utf8').map((step) => ('reason' in step ? `${step.kind} ${step.reason}` : step.kind))).toEqual([
        'start booted', 'stop saved', 'start restored', 'stop saved', 'start restored', 'stop destroyed',
      ]);
      expect(steps('broken').map((step) => step.kind)).toEqual(['failed-start']);
      const reused = journal.guests.filter((guest) => guest.role.startsWith('reused-'));
      expect(new Set(reused.map((guest) => guest.name)).size).toBe(1);
      expect(new Set(reused.map((guest) => guest.uuid)).size).toBe(2);
    });
  });

  describe('2. virt-audit verify', () => {
    it('passes on the capture, every VIRT record valid', async () => {
      const result = await verify([{ kind: 'file', path: log }]);
      expect(result.problems).toEqual([]);
      expect(result.summary.virtRecords).toBe(logText.split('\n').filter((line) => line.includes('type=VIRT_')).length);
      expect(result.summary.invalid).toBe(0);
      expect(result.summary.rejected).toBe(0);
    });
  });

  describe('3. auvirt', () => {
    it.each([
      [[]],
      [['--all-events']],
      [['--all-events', '--proof', '--show-uuid']],
      [['--summary']],
      [['--all-events', '--vm', UTF8_GUEST_NAME]],
      [['--all-events', '--uuid', uuidOf(1)]],
      [['--all-events', '--start', 'today']],
    ])('--compat %j is byte-identical to the real auvirt 3.0.9', (args) => {
      const real = realTool('auvirt', ['--file', log, ...args]);
      expect(real.length).toBeGreaterThan(0);
      expect(ourAuvirt(['--compat', '--file', log, ...args]).toString('latin1')).toBe(real.toString('latin1'));
    });

    it('default mode shows every session, resource and failure the scenario caused', () => {
      const sessions = (JSON.parse(ourAuvirt(['--format', 'json', '--file', log]).toString('utf8')) as { sessions: JsonSession[] }).sessions;
      for (const guest of journal.guests) {
        const ofGuest = sessions.filter((session) => session.uuid === guest.uuid);
        const starts = guest.steps.filter((step) => step.kind === 'start' || step.kind === 'failed-start');
        expect(ofGuest.map((session) => session.name), guest.role).toEqual(starts.map(() => guest.name));
        ofGuest.forEach((session, index) => {
          const step = starts[index]!;
          expect(session.start?.success, `${guest.role} session ${index}`).toBe(step.kind === 'start');
          if (step.kind === 'start') expect(session.start?.reason).toBe(step.reason);
        });
        const stops = guest.steps.flatMap((step) => (step.kind === 'stop' ? [step.reason] : []));
        expect(ofGuest.flatMap((session) => session.stops.map((stop) => stop.reason)), guest.role).toEqual(stops);
        const last = ofGuest.at(-1)!;
        // auditd's own DAEMON_END is an audit gap, not the host's end: a guest left running is still running.
        expect(last.end?.how ?? null, guest.role).toBe(guest.runningAtEnd ? null : last.start?.success ? 'stopped' : 'failed-start');
      }
      const basic = sessions.find((session) => session.uuid === uuidOf(1))!;
      // One assignment per disk: the hot-plugged one carries its detach as its end.
      const diskValues = basic.resources.filter((resource) => resource.kind === 'disk').map((resource) => `${resource.reason} ${resource.value} ${resource.endedBy}`);
      expect(diskValues).toEqual([expect.stringMatching(/^start .*\/basic\.qcow2 stop$/), expect.stringMatching(/^attach .*\/hot plug\.qcow2 detach$/)]);
      const devices = sessions.find((session) => session.uuid === uuidOf(5))!;
      expect(new Set(devices.resources.map((resource) => resource.kind))).toEqual(new Set(['cgroup', 'disk', 'fs', 'net', 'chardev', 'shmem', 'mem', 'vcpu', 'iothread']));
    });
  });

  describe('4. the emitter through FFI into the same auditd', () => {
    it('delivered every record of the synthetic guest', () => {
      expect(syntheticDelivered).toBe(synthetic.records.length);
      expect(capturedPayloads(logText, synthetic.domain.uuid, log)).toHaveLength(synthetic.records.length);
    });

    it('its records pass verify', async () => {
      const only = join(lab!.directory, 'synthetic.log');
      writeFileSync(only, logText.split('\n').filter((line) => line.includes(synthetic.domain.uuid)).map((line) => `${line}\n`).join(''), 'latin1');
      const result = await verify([{ kind: 'file', path: only }]);
      expect(result.problems).toEqual([]);
      expect(result.summary.valid).toBe(synthetic.records.length);
    });

    it('they correlate into one session with its disk attached and detached, its memory changed, stopped by shutdown', () => {
      const sessions = (JSON.parse(ourAuvirt(['--format', 'json', '--file', log, '--uuid', synthetic.domain.uuid]).toString('utf8')) as { sessions: JsonSession[] }).sessions;
      expect(sessions).toHaveLength(1);
      const [session] = sessions as [JsonSession];
      expect(session).toMatchObject({ name: synthetic.domain.name, start: { reason: 'booted', success: true }, end: { how: 'stopped' }, stops: [{ reason: 'shutdown' }] });
      // One entry per assignment: the hot-plugged disk carries its detach as its end.
      expect(session.resources.map((resource) => `${resource.kind} ${resource.reason} ${resource.value} ended by ${resource.endedBy}`)).toEqual(expect.arrayContaining([
        'disk start /var/lib/images/e2e disk.qcow2 ended by stop', 'disk attach /var/lib/images/hot="plug".img ended by detach', 'mem update 524288 ended by stop',
      ]));
    });
  });
});
