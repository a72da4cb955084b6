import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { START_REASONS, STOP_REASONS, type StartReason, type StopReason } from '../src/index.js';
import {
  FAILED_START_STAGES, LIBVIRT_VERSIONS, auditBlockCopy, auditDiskSnapshot, auditFailedStart, auditHotplug, auditMediaChange, auditNetBridgeChange, auditReboot, auditResourceUpdate, auditStart, auditStop,
  hostValuesFrom, parseDeviceXml, parseDomainXml, type EmitInput, type FailedStartStage, type LibvirtVersion, type LifecycleOptions,
} from '../emitter/index.js';
import { UsageError } from './usage.js';
import { withVersion } from './package-version.js';

// Bytes: the XML reader refuses what is not UTF-8 instead of replacing it.
const readXml = (path: string): Buffer => {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
};

/** Parses a file's XML with `parse`, naming the file in what it refuses. */
function fromFile<T>(path: string, parse: (xml: Buffer) => T): T {
  const xml = readXml(path);
  try {
    return parse(xml);
  } catch (error) {
    throw new UsageError(`${path === '-' ? 'stdin' : path}: ${(error as Error).message}`);
  }
}

const readDomain = (path: string) => fromFile(path, parseDomainXml);
const readDevice = (path: string) => fromFile(path, (xml) => parseDeviceXml(xml).domain);

const integer = (name: string) => (value: string): number => {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} must be an integer, got ${value}`);
  return Number(value);
};

const print = (records: readonly EmitInput[]): void => {
  for (const record of records) process.stdout.write(`${JSON.stringify(record)}\n`);
};

interface CommonFlags {
  readonly libvirt: LibvirtVersion;
  readonly hostValues?: string;
}

/** --libvirt and --host-values, on every subcommand. */
function withCommon(command: Command): Command {
  return command
    .addOption(new Option('--libvirt <version>', "whose rules: the libvirt release that wrote the records").choices([...LIBVIRT_VERSIONS]).default('9.0'))
    .option('--host-values <file>', "JSON of what libvirt read from the guest's host (device numbers, vhost-net, tap, swtpm sockets, labels…); what it lacks is read from this host");
}

function lifecycleOptions(flags: CommonFlags): LifecycleOptions {
  if (flags.hostValues === undefined) return { libvirtVersion: flags.libvirt };
  let json: unknown;
  try {
    json = JSON.parse(readXml(flags.hostValues).toString('utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flags.hostValues}: not JSON: ${(error as Error).message}`);
  }
  return { libvirtVersion: flags.libvirt, hostValues: hostValuesFrom(json, flags.hostValues) };
}

const cgroupOf = (path: string | undefined) => (path === undefined ? null : { path });

function subcommand(parent: Command, name: string, description: string): Command {
  return withCommon(parent.command(name).exitOverride().description(description));
}

/** The start reasons libvirt's QEMU driver writes (`reboot` is not one of them). */
const QEMU_START_REASONS = START_REASONS.filter((reason) => reason !== 'reboot');

/** `virt-audit lifecycle …`: the records libvirt writes for a guest event, as NDJSON for `virt-audit emit`. */
export function lifecycleCommand(): Command {
  const lifecycle = new Command('lifecycle')
    .exitOverride()
    .description('print, as NDJSON for virt-audit emit, the records libvirt (9.0, 11.3 or 12.9) writes for a guest event');

  subcommand(lifecycle, 'start', 'a start: labels, NIC opens, cgroup ACLs, every device, mem, vcpu, iothread, VIRT_CONTROL')
    .requiredOption('--domain <file>', 'domain XML (live XML carries the run-time pty paths and backing chains); - for stdin')
    .requiredOption('--vm-pid <pid>', 'the QEMU pid', integer('--vm-pid'))
    .addOption(new Option('--reason <reason>', 'booted, restored (virsh restore), from-snapshot (revert), migrated (incoming)').choices([...QEMU_START_REASONS]).default('booted'))
    .option('--failed', 'res=failed on VIRT_CONTROL (use failed-start for a start that failed at a known stage)')
    .option('--cgroup <path>', "the guest's devices cgroup path; without it no cgroup records")
    .action((flags: CommonFlags & { domain: string; vmPid: number; reason: StartReason; failed?: boolean; cgroup?: string }) => {
      const domain = readDomain(flags.domain);
      print(auditStart(domain, { ...lifecycleOptions(flags), vmPid: flags.vmPid, reason: flags.reason, success: !flags.failed, cgroup: cgroupOf(flags.cgroup) }));
    });

  subcommand(lifecycle, 'failed-start', 'a start that failed: what libvirt wrote up to the failing stage, the devices, VIRT_CONTROL res=failed')
    .requiredOption('--domain <file>', 'the inactive domain XML (libvirt audits the definition it restores on failure)')
    .addOption(new Option('--stage <stage>', 'how far the start got').choices([...FAILED_START_STAGES]).makeOptionMandatory())
    .option('--live-domain <file>', 'the domain XML as libvirt prepared it (backing chains) for the cgroup records')
    .option('--cgroup <path>', "the failed guest's devices cgroup path (stage after-cgroup), even if the guest is gone")
    .addOption(new Option('--reason <reason>', 'start reason').choices([...QEMU_START_REASONS]).default('booted'))
    .action((flags: CommonFlags & { domain: string; stage: FailedStartStage; liveDomain?: string; cgroup?: string; reason: StartReason }) => {
      const definition = readDomain(flags.domain);
      print(auditFailedStart(definition, {
        ...lifecycleOptions(flags), stage: flags.stage, reason: flags.reason, cgroup: cgroupOf(flags.cgroup),
        ...(flags.liveDomain === undefined ? {} : { liveDomain: readDomain(flags.liveDomain) }),
      }));
    });

  subcommand(lifecycle, 'reboot', 'a guest reboot: nothing, except 12.9 recreating a TDX guest (stop destroyed, then a whole start)')
    .requiredOption('--domain <file>', "the guest's live domain XML")
    .requiredOption('--vm-pid <pid>', 'the new QEMU pid', integer('--vm-pid'))
    .option('--failed', 'the new QEMU did not start')
    .option('--cgroup <path>', "the guest's new devices cgroup path")
    .action((flags: CommonFlags & { domain: string; vmPid: number; failed?: boolean; cgroup?: string }) => {
      print(auditReboot(readDomain(flags.domain), { ...lifecycleOptions(flags), vmPid: flags.vmPid, success: !flags.failed, cgroup: cgroupOf(flags.cgroup) }));
    });

  subcommand(lifecycle, 'stop', 'a stop: VIRT_CONTROL op=stop')
    .requiredOption('--domain <file>', 'domain XML; - for stdin')
    .addOption(new Option('--reason <reason>', 'stop reason').choices([...STOP_REASONS]).default('destroyed'))
    .action((flags: CommonFlags & { domain: string; reason: StopReason }) => {
      lifecycleOptions(flags);
      print(auditStop(readDomain(flags.domain), flags.reason));
    });

  for (const action of ['attach', 'detach'] as const) {
    const command = subcommand(lifecycle, action, `a device ${action}ed ${action === 'attach' ? 'to' : 'from'} a running guest, with its cgroup ${action === 'attach' ? 'allow' : 'deny'}`)
      .requiredOption('--domain <file>', "the guest's live domain XML")
      .requiredOption('--device <file>', 'the device XML (as for virsh attach-device)')
      .option('--failed', `QEMU refused the ${action}`);
    if (action === 'attach') command.option('--failed-before-qemu', 'a step between the cgroup allow and QEMU failed (labels, namespace, address): the allow and the deny, no device record');
    command
      .option('--cgroup <path>', "the guest's devices cgroup path")
      .action((flags: CommonFlags & { domain: string; device: string; failed?: boolean; failedBeforeQemu?: boolean; cgroup?: string }) => {
        if (flags.failed && flags.failedBeforeQemu) throw new UsageError('--failed and --failed-before-qemu exclude each other');
        const domain = readDomain(flags.domain);
        const device = readDevice(flags.device);
        print(auditHotplug(domain, device, action, {
          ...lifecycleOptions(flags), success: !flags.failed, cgroup: cgroupOf(flags.cgroup), ...(flags.failedBeforeQemu ? { failedBeforeQemu: true } : {}),
        }));
      });
  }

  subcommand(lifecycle, 'change-media', 'a cdrom or floppy medium changed or ejected (virsh change-media, update-device)')
    .requiredOption('--domain <file>', "the guest's live domain XML (the old medium)")
    .requiredOption('--device <file>', 'the new <disk> XML (no <source> for an eject)')
    .option('--old-source <path>', 'the old medium, when the live XML does not show it')
    .option('--failed', 'QEMU refused the change')
    .option('--cgroup <path>', "the guest's devices cgroup path")
    .action((flags: CommonFlags & { domain: string; device: string; oldSource?: string; failed?: boolean; cgroup?: string }) => {
      const disk = readDevice(flags.device).devices.disks[0];
      if (disk === undefined) throw new UsageError(`${flags.device}: not a <disk> element`);
      print(auditMediaChange(readDomain(flags.domain), disk, {
        ...lifecycleOptions(flags), success: !flags.failed, cgroup: cgroupOf(flags.cgroup), ...(flags.oldSource === undefined ? {} : { oldSource: flags.oldSource }),
      }));
    });

  subcommand(lifecycle, 'bridge-change', "a NIC moved to another bridge while the guest runs (9.0: a net detach/attach pair; 11.3, 12.9: nothing)")
    .requiredOption('--domain <file>', "the guest's live domain XML")
    .requiredOption('--mac <address>', "the NIC's MAC address")
    .option('--failed', 'the new bridge refused the NIC (it goes back to the old one)')
    .action((flags: CommonFlags & { domain: string; mac: string; failed?: boolean }) => {
      print(auditNetBridgeChange(readDomain(flags.domain), flags.mac, { ...lifecycleOptions(flags), success: !flags.failed }));
    });

  subcommand(lifecycle, 'disk-snapshot', 'an external disk snapshot of a running guest: each overlay allowed, then disk reason=snapshot')
    .requiredOption('--domain <file>', "the guest's live domain XML")
    .requiredOption('--overlay <target=path>', 'a disk and its new overlay image (repeat for each disk)', (value: string, list: string[] = []) => [...list, value])
    .option('--failed', "QEMU's transaction failed")
    .option('--cgroup <path>', "the guest's devices cgroup path")
    .action((flags: CommonFlags & { domain: string; overlay: string[]; failed?: boolean; cgroup?: string }) => {
      const overlays = flags.overlay.map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0 || at === pair.length - 1) throw new UsageError(`--overlay must be target=path, got ${pair}`);
        return { target: pair.slice(0, at), source: { type: 'file', path: pair.slice(at + 1), dataStore: null } };
      });
      print(auditDiskSnapshot(readDomain(flags.domain), overlays, { ...lifecycleOptions(flags), success: !flags.failed, cgroup: cgroupOf(flags.cgroup) }));
    });

  subcommand(lifecycle, 'block-copy', 'a block copy (virsh blockcopy): the destination allowed, then disk reason=mirror')
    .requiredOption('--domain <file>', "the guest's live domain XML")
    .requiredOption('--device <file>', 'the destination <disk> XML (with its backing chain when shallow)')
    .option('--failed', 'QEMU refused the mirror')
    .option('--cgroup <path>', "the guest's devices cgroup path")
    .action((flags: CommonFlags & { domain: string; device: string; failed?: boolean; cgroup?: string }) => {
      const disk = readDevice(flags.device).devices.disks[0];
      if (disk === undefined) throw new UsageError(`${flags.device}: not a <disk> element`);
      print(auditBlockCopy(readDomain(flags.domain), disk, { ...lifecycleOptions(flags), success: !flags.failed, cgroup: cgroupOf(flags.cgroup) }));
    });

  subcommand(lifecycle, 'update', 'a live change of memory (KiB, a module plugged), vCPUs (one record per vCPU) or IOThreads')
    .requiredOption('--domain <file>', 'domain XML')
    .addOption(new Option('--resource <kind>', 'what changed').choices(['mem', 'vcpu', 'iothread']).makeOptionMandatory())
    .requiredOption('--old <n>', 'total before', integer('--old'))
    .requiredOption('--new <n>', 'total after', integer('--new'))
    .option('--vcpus-per-entity <n>', 'vCPUs QEMU plugs at once (1 on x86)', integer('--vcpus-per-entity'), 1)
    .option('--failed', 'the change failed (at its first step)')
    .action((flags: CommonFlags & { domain: string; resource: 'mem' | 'vcpu' | 'iothread'; old: number; new: number; vcpusPerEntity: number; failed?: boolean }) => {
      lifecycleOptions(flags);
      print(auditResourceUpdate(readDomain(flags.domain), flags.resource, flags.old, flags.new, { success: !flags.failed, vcpusPerEntity: flags.vcpusPerEntity }));
    });

  return withVersion(lifecycle);
}
