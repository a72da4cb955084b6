// One guest driven through the node-libvirt binding (@unraid/libvirt), with virsh only for what the
// binding lacks (device attach/detach, live vCPU change, managed save). Every step it takes is written
// to its journal with the live XML and the run-time values libvirt chose.
import { DomainState, type Domain, type Hypervisor } from '@unraid/libvirt';
import { parseDomainXml } from '../../emitter/index.js';
import type { StopReason } from '../../src/index.js';
import { waitFor, withTimeout } from './bounded.js';
import type { HostLab } from './host-lab.js';
import type { GuestJournal, SeclabelValue } from './journal.js';
import { guestCgroupPath } from './runtime-values.js';

const CALL_MS = 120_000;

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

  private liveXml(): Promise<string> {
    return withTimeout(this.domain.getXMLDesc(), CALL_MS, `XML of ${this.name}`);
  }

  private async state(): Promise<DomainState> {
    return (await withTimeout(this.domain.getInfo(), CALL_MS, `state of ${this.name}`)).state;
  }

  private async recordStart(reason: 'booted' | 'restored'): Promise<void> {
    const vmPid = this.lab.qemuPid(this.name);
    this.journal.steps.push({ kind: 'start', reason, liveXml: await this.liveXml(), vmPid, cgroup: guestCgroupPath(vmPid) });
  }

  async start(): Promise<void> {
    const restoring = await this.hasManagedSave();
    await withTimeout(this.domain.create(), CALL_MS, `start ${this.name}`);
    await this.recordStart(restoring ? 'restored' : 'booted');
  }

  /** A start that must fail; its journal step carries the inactive definition and the labels libvirt generates. */
  async failStart(seclabels: readonly SeclabelValue[]): Promise<string> {
    const definitionXml = await this.liveXml();
    try {
      await withTimeout(this.domain.create(), CALL_MS, `start ${this.name}`);
    } catch (error) {
      this.journal.steps.push({ kind: 'failed-start', definitionXml, seclabels });
      return (error as Error).message;
    }
    throw new Error(`${this.name} started although it was expected to fail`);
  }

  private async recordStop(reason: StopReason, stop: () => Promise<unknown>): Promise<void> {
    const liveXml = await this.liveXml();
    await stop();
    await waitFor(`${this.name} to shut off`, 60_000, async () => (await this.state()) === DomainState.SHUTOFF);
    this.journal.steps.push({ kind: 'stop', reason, liveXml });
  }

  destroy(): Promise<void> {
    return this.recordStop('destroyed', () => withTimeout(this.domain.destroy(), CALL_MS, `destroy ${this.name}`));
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

  private async hasManagedSave(): Promise<boolean> {
    return this.lab.virsh(['dominfo', this.name]).split('\n').some((line) => /^Managed save:\s+yes/.test(line));
  }

  /** An ACPI power-button shutdown that the guest itself carries out. */
  shutdown(): Promise<void> {
    return this.recordStop('shutdown', () => withTimeout(this.domain.shutdown(), CALL_MS, `shutdown ${this.name}`));
  }

  async attach(deviceFile: string, deviceXml: string): Promise<void> {
    const liveXml = await this.liveXml();
    this.lab.virsh(['attach-device', this.name, deviceFile, '--live']);
    this.journal.steps.push({ kind: 'attach', liveXml, deviceXml, cgroup: guestCgroupPath(this.lab.qemuPid(this.name)) });
  }

  async detach(deviceFile: string, deviceXml: string): Promise<void> {
    const liveXml = await this.liveXml();
    this.lab.virsh(['detach-device', this.name, deviceFile, '--live']);
    this.journal.steps.push({ kind: 'detach', liveXml, deviceXml, cgroup: guestCgroupPath(this.lab.qemuPid(this.name)) });
  }

  /** A change of a counted resource through `change`, journaled with the values read back before and after. */
  async update(resource: 'vcpu' | 'mem', change: () => void): Promise<void> {
    const liveXml = await this.liveXml();
    const count = (xml: string) => (resource === 'vcpu' ? parseDomainXml(xml).vcpus : parseDomainXml(xml).memoryKiB);
    change();
    const oldValue = count(liveXml);
    const newValue = count(await this.liveXml());
    this.journal.steps.push({ kind: 'update', resource, liveXml, oldValue, newValue });
  }

  async waitForConsole(file: string, text: string, ms: number, read: (file: string) => string): Promise<void> {
    await waitFor(`"${text}" on ${this.name}'s console`, ms, () => read(file).includes(text));
  }

  markRunningAtEnd(): void {
    this.journal.runningAtEnd = true;
  }
}
