import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { START_REASONS, STOP_REASONS, type StartReason, type StopReason } from '../src/index.js';
import { auditHotplug, auditResourceUpdate, auditStart, auditStop, parseDeviceXml, parseDomainXml, type EmitInput } from '../emitter/index.js';
import { UsageError } from './usage.js';

// Bytes: the XML reader refuses what is not UTF-8 instead of replacing it.
const readXml = (path: string): Buffer => {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
};

const integer = (name: string) => (value: string): number => {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} must be an integer, got ${value}`);
  return Number(value);
};

const print = (records: readonly EmitInput[]): void => {
  for (const record of records) process.stdout.write(`${JSON.stringify(record)}\n`);
};

/** `virt-audit lifecycle …`: the records libvirt 9.0 emits for a guest event, as NDJSON for `virt-audit emit`. */
export function lifecycleCommand(): Command {
  const lifecycle = new Command('lifecycle')
    .exitOverride()
    .description('print, as NDJSON for virt-audit emit, the records libvirt 9.0 writes for a guest event');

  lifecycle
    .command('start')
    .exitOverride()
    .description('a start: labels, cgroup ACLs, every device, mem, vcpu, iothread, VIRT_CONTROL')
    .requiredOption('--domain <file>', 'domain XML (live XML carries the run-time pty paths); - for stdin')
    .requiredOption('--vm-pid <pid>', 'the QEMU pid (0 for a failed start)', integer('--vm-pid'))
    .addOption(new Option('--reason <reason>', 'start reason').choices([...START_REASONS]).default('booted'))
    .option('--failed', 'the start failed (res=failed on VIRT_CONTROL)')
    .option('--cgroup <path>', "the guest's devices cgroup path; without it no cgroup records")
    .action((flags: { domain: string; vmPid: number; reason: StartReason; failed?: boolean; cgroup?: string }) => {
      const domain = parseDomainXml(readXml(flags.domain));
      print(auditStart(domain, { vmPid: flags.vmPid, reason: flags.reason, success: !flags.failed, cgroup: flags.cgroup === undefined ? null : { path: flags.cgroup } }));
    });

  lifecycle
    .command('stop')
    .exitOverride()
    .description('a stop: VIRT_CONTROL op=stop')
    .requiredOption('--domain <file>', 'domain XML; - for stdin')
    .addOption(new Option('--reason <reason>', 'stop reason').choices([...STOP_REASONS]).default('destroyed'))
    .action((flags: { domain: string; reason: StopReason }) => print(auditStop(parseDomainXml(readXml(flags.domain)), flags.reason)));

  for (const action of ['attach', 'detach'] as const) {
    lifecycle
      .command(action)
      .exitOverride()
      .description(`a device ${action}ed to a running guest`)
      .requiredOption('--domain <file>', 'domain XML')
      .requiredOption('--device <file>', 'the device XML (as for virsh attach-device)')
      .option('--failed', `the ${action} failed`)
      .option('--cgroup <path>', "the guest's devices cgroup path")
      .action((flags: { domain: string; device: string; failed?: boolean; cgroup?: string }) => {
        const domain = parseDomainXml(readXml(flags.domain));
        const device = parseDeviceXml(readXml(flags.device)).domain;
        print(auditHotplug(domain, device, action, { success: !flags.failed, cgroup: flags.cgroup === undefined ? null : { path: flags.cgroup } }));
      });
  }

  lifecycle
    .command('update')
    .exitOverride()
    .description('a live change of memory (KiB), vCPUs or IOThreads')
    .requiredOption('--domain <file>', 'domain XML')
    .addOption(new Option('--resource <kind>', 'what changed').choices(['mem', 'vcpu', 'iothread']).makeOptionMandatory())
    .requiredOption('--old <n>', 'value before', integer('--old'))
    .requiredOption('--new <n>', 'value after', integer('--new'))
    .option('--failed', 'the change failed')
    .action((flags: { domain: string; resource: 'mem' | 'vcpu' | 'iothread'; old: number; new: number; failed?: boolean }) =>
      print(auditResourceUpdate(parseDomainXml(readXml(flags.domain)), flags.resource, flags.old, flags.new, !flags.failed)));

  return lifecycle;
}
