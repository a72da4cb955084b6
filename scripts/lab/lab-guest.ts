// One guest driven through the node-libvirt binding (@unraid/libvirt), with virsh only for what the
// binding lacks (device attach/detach, media change, live vCPU and IOThread changes, managed save,
// snapshots). Every step it takes is written to its journal with the live XML and the run-time values
// libvirt chose or read from the host.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DomainState, type Domain, type Hypervisor } from '@unraid/libvirt';
import { parseDomainXml } from '../../emitter/index.js';
import type { StartReason, StopReason } from '../../src/index.js';
import { sleep, waitFor, withTimeout } from './bounded.js';
import type { HostLab } from './host-lab.js';
import type { FailedStartStage, GuestJournal, HostValues, JournalStep, SeclabelValue } from './journal.js';
import { guestCgroupPath, hostValues, machineCgroupDirectory } from './runtime-values.js';

const CALL_MS = 120_000;

/** The <domain> of a libvirt status file (<domstatus>…<domain>…</domain>…</domstatus>). */
function domainOfStatus(text: string): string | null {
  const start = text.indexOf('<domain ');
  const end = text.lastIndexOf('</domain>');
  return start >= 0 && end > start ? text.slice(start, end + '</domain>'.length) : null;
}

/**
 * libvirt's errors when the guest kept the tray shut: it did not open it in time (qemuHotplugWaitForTrayEject,
 * 5 s), or closed it again before QEMU removed the medium (blockdev-remove-medium: "Tray of device '…' is not
 * open") or before QEMU inserted the new one (blockdev-insert-medium: "Tray of the device is not open"). Each
 * comes after the cgroup allow and before libvirt's `disk update res=failed`.
 */
const TRAY_HELD = /timed out waiting to open tray|Tray of device '[^']*' is not open|Tray of the device is not open/;

/** The tray libvirt's live XML gives the drive of `deviceXml` (its <target tray=…>), for the journal's notes. */
function trayOf(liveXml: string, deviceXml: string): string {
  const dev = /<target dev='([^']+)'/.exec(deviceXml)?.[1];
  const target = dev ? new RegExp(`<target dev=["']${dev}["'][^>]*>`).exec(liveXml)?.[0] : undefined;
  return `libvirt's view: ${target ?? 'no target'}`;
}

export class LabGuest {
  private constructor(
    private readonly lab: HostLab,
    private readonly hypervisor: Hypervisor,
    private domain: Domain,
    readonly journal: GuestJournal,
  ) {}

  static async define(lab: HostLab, hypervisor: Hypervisor, role: string, exercises: string, xml: string): Promise<LabGuest> {
    const domain = await withTimeout(hypervisor.domainDefineXML(xml), CALL_MS, `define ${role}`);
    const name = await domain.getName();
    const uuid = await domain.getUUIDString();
    return new LabGuest(lab, hypervisor, domain, { role, name, uuid, exercises, steps: [], runningAtEnd: false });
  }

  get name(): string {
    return this.journal.name;
  }

  liveXml(): Promise<string> {
    return withTimeout(this.domain.getXMLDesc(), CALL_MS, `XML of ${this.name}`);
  }

  private async state(): Promise<DomainState> {
    return (await withTimeout(this.domain.getInfo(), CALL_MS, `state of ${this.name}`)).state;
  }

  /** A note on something libvirt refused that the lab expected to work (kept with the guest's journal). */
  note(message: string): void {
    (this.journal.notes ??= []).push(message);
  }

  private push(step: JournalStep): void {
    this.journal.steps.push(step);
  }

  /** The host values libvirt read for a step, from the XMLs involved and QEMU's command line. */
  runtime(xmls: readonly string[], qemuPid?: number, seclabels?: readonly SeclabelValue[]): HostValues {
    const labels = seclabels ?? (xmls[0] ? parseDomainXml(xmls[0]).seclabels.map((label) => ({ ...label })) : undefined);
    return hostValues({ root: this.lab.root, qemuConf: this.lab.qemuConf }, xmls, { ...(qemuPid === undefined ? {} : { qemuPid }), ...(labels ? { seclabels: labels } : {}) });
  }

  private cgroup(): string {
    return guestCgroupPath(this.lab.qemuPid(this.name), this.lab.root);
  }

  private async recordStart(reason: StartReason): Promise<void> {
    const vmPid = this.lab.qemuPid(this.name);
    const liveXml = await this.liveXml();
    this.push({ kind: 'start', reason, liveXml, vmPid, cgroup: guestCgroupPath(vmPid, this.lab.root), runtime: this.runtime([liveXml], vmPid) });
  }

  async start(): Promise<void> {
    const restoring = await this.hasManagedSave();
    await withTimeout(this.domain.create(), CALL_MS, `start ${this.name}`);
    await this.recordStart(restoring ? 'restored' : 'booted');
  }

  /**
   * A start that must fail. Its journal step carries the inactive definition, the labels libvirt
   * generates, and — caught while the start ran — the cgroup directory libvirt made for it and the live
   * XML of its status file, when it got that far.
   */
  async failStart(seclabels: readonly SeclabelValue[], stage: FailedStartStage, refusal?: RegExp): Promise<string> {
    const failure = await this.startOrFail(seclabels, stage, refusal);
    if (failure === null) throw new Error(`${this.name} started although it was expected to fail`);
    return failure;
  }

  /**
   * A start whose outcome the host decides (a device this host may not support): journaled as a start
   * or as a failed start at `stage`. libvirt's refusal, or null when it started. `command-line` is kept
   * only when no cgroup was made and libvirt's message matches `refusal` (the error of the command-line
   * builder the guest is meant to fail in); otherwise the start is journaled `before-cgroup`.
   */
  async startOrFail(seclabels: readonly SeclabelValue[], stage: FailedStartStage, refusal?: RegExp): Promise<string | null> {
    const definitionXml = await this.liveXml();
    const watched = machineCgroupDirectory();
    const before = new Set(watched && existsSync(watched) ? readdirSync(watched) : []);
    const statusFile = this.lab.hostPath(`/run/libvirt/qemu/${this.name}.xml`);
    let cgroup: string | null = null;
    let liveXml: string | null = null;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        try {
          if (cgroup === null && watched) {
            const made = readdirSync(watched).find((entry) => !before.has(entry) && entry.startsWith('qemu-'));
            if (made) cgroup = `${watched}/${made}/`;
          }
          if (existsSync(statusFile)) liveXml = domainOfStatus(readFileSync(statusFile, 'utf8')) ?? liveXml;
        } catch {
          // gone between the listing and the read
        }
        await sleep(2);
      }
    })();
    try {
      await withTimeout(this.domain.create(), CALL_MS, `start ${this.name}`);
    } catch (error) {
      watching = false;
      await watch;
      const runtime = this.runtime([liveXml ?? definitionXml], undefined, seclabels);
      // The stage the start really reached: a cgroup directory was made, or not; before it, the command
      // line when libvirt's own message says so.
      const message = (error as Error).message;
      const reached: FailedStartStage = cgroup === null
        ? (stage === 'command-line' && refusal?.test(message) === true ? 'command-line' : 'before-cgroup')
        : stage === 'before-cgroup' || stage === 'command-line' ? 'after-cgroup' : stage;
      this.push({ kind: 'failed-start', definitionXml, seclabels, stage: reached, cgroup, ...(liveXml ? { liveXml } : {}), runtime });
      return message;
    }
    watching = false;
    await watch;
    await this.recordStart('booted');
    return null;
  }

  private async recordStop(reason: StopReason, stop: () => Promise<unknown>): Promise<void> {
    const liveXml = await this.liveXml();
    await stop();
    await waitFor(`${this.name} to shut off`, 60_000, async () => (await this.state()) === DomainState.SHUTOFF);
    this.push({ kind: 'stop', reason, liveXml });
  }

  destroy(): Promise<void> {
    return this.recordStop('destroyed', () => withTimeout(this.domain.destroy(), CALL_MS, `destroy ${this.name}`));
  }

  /** QEMU killed under libvirt's feet: libvirt sees its monitor close without a shutdown. */
  crash(): Promise<void> {
    return this.recordStop('failed', async () => process.kill(this.lab.qemuPid(this.name), 'SIGKILL'));
  }

  save(file: string): Promise<void> {
    return this.recordStop('saved', () => withTimeout(this.hypervisor.domainSave(this.domain, file), CALL_MS, `save ${this.name}`));
  }

  async restore(file: string): Promise<void> {
    await withTimeout(this.hypervisor.domainRestore(file), CALL_MS, `restore ${this.name}`);
    this.domain = await withTimeout(this.hypervisor.domainLookupByUUIDString(this.journal.uuid), CALL_MS, `lookup ${this.name}`);
    await this.recordStart('restored');
  }

  managedSave(): Promise<void> {
    return this.recordStop('saved', async () => this.lab.virsh(['managedsave', this.name]));
  }

  /** An internal snapshot with the guest's memory (QEMU savevm). */
  snapshot(name: string): void {
    this.lab.virsh(['snapshot-create-as', this.name, name], 120_000);
  }

  /** Reverting a running guest to a running snapshot: libvirt stops QEMU and starts a new one from it. */
  async revertRunning(name: string): Promise<void> {
    const liveXml = await this.liveXml();
    this.lab.virsh(['snapshot-revert', this.name, name, '--running', '--force'], 120_000);
    this.push({ kind: 'stop', reason: 'from-snapshot', liveXml });
    await this.recordStart('from-snapshot');
  }

  private async hasManagedSave(): Promise<boolean> {
    return this.lab.virsh(['dominfo', this.name]).split('\n').some((line) => /^Managed save:\s+yes/.test(line));
  }

  /**
   * A live migration to another lab's libvirtd (virsh migrate --live, not peer to peer: virsh talks to
   * both; `migrateUri` is where the destination QEMU listens). The source journals `stop migrated`; the
   * guest on the destination — another journal — starts with `start migrated`.
   */
  async migrate(destination: HostLab, destinationHypervisor: Hypervisor, migrateUri: string): Promise<LabGuest> {
    const liveXml = await this.liveXml();
    // --unsafe: the image is shared by a bind mount libvirt does not know as shared storage
    // --persistent: the guest stays defined there, so that its destroy leaves it shut off, not gone
    this.lab.virsh(['migrate', '--live', '--unsafe', '--persistent', this.name, destination.uri, migrateUri], 180_000);
    await waitFor(`${this.name} to leave the source`, 60_000, async () => (await this.state()) === DomainState.SHUTOFF);
    this.push({ kind: 'stop', reason: 'migrated', liveXml });
    const domain = await withTimeout(destinationHypervisor.domainLookupByUUIDString(this.journal.uuid), CALL_MS, `lookup ${this.name} on the destination`);
    const { role, name, uuid, exercises } = this.journal;
    const arrived = new LabGuest(destination, destinationHypervisor, domain, { role, name, uuid, exercises, steps: [], runningAtEnd: false });
    await arrived.recordStart('migrated');
    return arrived;
  }

  /** An ACPI power-button shutdown that the guest itself carries out. */
  shutdown(): Promise<void> {
    return this.recordStop('shutdown', () => withTimeout(this.domain.shutdown(), CALL_MS, `shutdown ${this.name}`));
  }

  /**
   * A live attach or detach through virsh. A refusal is journaled with success:false when `expectFailure`
   * (libvirt audits a failed hot-plug too); an unexpected one is noted and rethrown.
   */
  async hotplug(kind: 'attach' | 'detach', deviceFile: string, deviceXml: string, expectFailure = false, marker?: string, settleMs = 0): Promise<boolean> {
    const liveXml = await this.liveXml();
    const qemuPid = this.lab.qemuPid(this.name);
    const cgroup = this.cgroup();
    const runtime = this.runtime([liveXml, deviceXml], qemuPid);
    let success = true;
    try {
      this.lab.virsh([`${kind}-device`, this.name, deviceFile, '--live']);
    } catch (error) {
      if (!expectFailure) {
        this.note(`${kind} refused: ${(error as Error).message}`);
        throw error;
      }
      success = false;
    }
    if (success && expectFailure) throw new Error(`${this.name}: ${kind} of ${deviceXml} succeeded although it was expected to fail`);
    // A detach the guest never acknowledged: virsh returns, the device stays, libvirt audits nothing.
    // A slow guest's acknowledgement arrives after virsh returned (libvirt then removes and audits the
    // device on QEMU's DEVICE_DELETED event): `settleMs` waits for it.
    const released = async () => !(await this.liveXml()).includes(marker!);
    const acknowledged = kind === 'detach' && success && marker !== undefined
      ? await waitFor(`${this.name} to release the device`, settleMs, released).then(() => true, () => false)
      : undefined;
    this.push({ kind, liveXml, deviceXml, cgroup, ...(success ? {} : { success }), ...(acknowledged === false ? { acknowledged } : {}), runtime });
    return success;
  }

  attach(deviceFile: string, deviceXml: string, expectFailure = false): Promise<boolean> {
    return this.hotplug('attach', deviceFile, deviceXml, expectFailure);
  }

  /** `marker`: text of the live XML that names the device, to tell whether the guest let it go. */
  detach(deviceFile: string, deviceXml: string, marker?: string, settleMs = 0): Promise<boolean> {
    return this.hotplug('detach', deviceFile, deviceXml, false, marker, settleMs);
  }

  /**
   * A change of media in a cdrom or floppy (virsh update-device with the new <disk>): `oldSource` is the
   * image it replaces, null for an empty drive.
   */
  async changeMedia(deviceFile: string, deviceXml: string, oldSource: string | null, expectFailure = false): Promise<void> {
    const liveXml = await this.liveXml();
    const runtime = this.runtime([liveXml, deviceXml], this.lab.qemuPid(this.name));
    const step = { kind: 'media-change', liveXml, deviceXml, oldSource, cgroup: this.cgroup(), runtime } as const;
    // The guest's firmware may keep the tray shut while it probes the drive; --force opens it regardless, once
    // libvirt has seen the tray's last move (a second later).
    for (const flags of [[], ['--force'], ['--force']]) {
      try {
        this.lab.virsh(['update-device', this.name, deviceFile, '--live', ...flags]);
        this.push(step);
        return;
      } catch (error) {
        if (!expectFailure && !TRAY_HELD.test((error as Error).message)) throw error;
        // libvirt failed the change after its cgroup allow, audited it res=failed and revoked the allow.
        this.push({ ...step, success: false });
        if (expectFailure) return;
        this.note(`media change refused (${flags.join(' ') || 'no --force'}): ${(error as Error).message.split('\n').slice(1).join(' / ')} — ${trayOf(await this.liveXml(), deviceXml)}`);
        await sleep(1_000);
      }
    }
    throw new Error(`the tray of ${this.name}'s drive stayed shut through three media changes`);
  }

  /** A live change of a NIC's bridge (virsh update-device with the interface's new XML, same MAC). */
  async updateInterface(deviceFile: string, deviceXml: string): Promise<void> {
    const liveXml = await this.liveXml();
    const runtime = this.runtime([liveXml, deviceXml], this.lab.qemuPid(this.name));
    this.lab.virsh(['update-device', this.name, deviceFile, '--live']);
    this.push({ kind: 'interface-update', liveXml, deviceXml, runtime });
  }

  /** A change of a counted resource through `change`, journaled with the totals read back before and after. */
  async update(resource: 'vcpu' | 'mem' | 'iothread', change: () => void): Promise<void> {
    const liveXml = await this.liveXml();
    const count = (xml: string) => {
      const parsed = parseDomainXml(xml);
      if (resource === 'vcpu') return parsed.vcpus;
      if (resource === 'mem') return parsed.memoryKiB;
      return iothreadCount(xml);
    };
    change();
    const oldValue = count(liveXml);
    const after = await this.liveXml();
    const newValue = count(after);
    this.push({ kind: 'update', resource, liveXml, oldValue, newValue, runtime: this.runtime([liveXml], this.lab.qemuPid(this.name)) });
  }

  async waitForConsole(file: string, text: string, ms: number, read: (file: string) => string): Promise<void> {
    await waitFor(`"${text}" on ${this.name}'s console`, ms, () => read(file).includes(text));
  }

  markRunningAtEnd(): void {
    this.journal.runningAtEnd = true;
  }
}

/** The IOThreads of a live XML: <iothreads>N</iothreads>, or the number of <iothread> ids listed. */
export function iothreadCount(xml: string): number {
  const ids = xml.match(/<iothread id=/g)?.length ?? 0;
  return ids > 0 ? ids : Number(/<iothreads>(\d+)<\/iothreads>/.exec(xml)?.[1] ?? 0);
}
