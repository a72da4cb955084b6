// The guests the end-to-end suite and `npm run capture` put through their lives on a private lab host.
// Each exercise is journaled (journal.ts) so the emitter can rebuild libvirt's records from it.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hypervisor } from '@unraid/libvirt';
import { run, withTimeout } from './bounded.js';
import type { HostLab } from './host-lab.js';
import { parseDomainXml } from '../../emitter/index.js';
import type { Journal, SeclabelValue } from './journal.js';
import { LabGuest } from './lab-guest.js';

export const GUEST_PREFIX = 'vacap';
export const UTF8_GUEST_NAME = `${GUEST_PREFIX} guest ü`;
export const uuidOf = (index: number) => `7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d${String(index).padStart(2, '0')}`;

/** The small guest kernel and initramfs (scripts/build-test-guest.sh) that answers the ACPI power button. */
export interface BootableGuest {
  readonly kernel: string;
  readonly initrd: string;
}

export interface ScenarioOptions {
  readonly bootable: BootableGuest;
  readonly say?: (message: string) => void;
}

interface GuestSpec {
  readonly name: string;
  readonly uuid: string;
  readonly disk: string;
  readonly mac: string;
  readonly extraDevices?: string;
  readonly os?: string;
  /** `kvm` (hardware acceleration) or `qemu` (TCG, the default: guests that must respond need it here). */
  readonly virtType?: 'kvm' | 'qemu';
}

const xmlText = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');

function guestXml(spec: GuestSpec): string {
  return `<domain type='${spec.virtType ?? 'qemu'}'>
  <name>${xmlText(spec.name)}</name>
  <uuid>${spec.uuid}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu placement='static' current='1'>2</vcpu>
  ${spec.os ?? "<os><type arch='x86_64' machine='pc'>hvm</type></os>"}
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${xmlText(spec.disk)}'/><target dev='vda' bus='virtio'/></disk>
    <controller type='usb' model='qemu-xhci'/>
    <interface type='user'><mac address='${spec.mac}'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
    ${spec.extraDevices ?? ''}
  </devices>
</domain>`;
}

function devicesGuestXml(directory: string, disk: string): string {
  return `<domain type='qemu'>
  <name>${GUEST_PREFIX}-devices</name>
  <uuid>${uuidOf(5)}</uuid>
  <maxMemory slots='2' unit='MiB'>512</maxMemory>
  <memory unit='MiB'>128</memory>
  <vcpu placement='static'>1</vcpu>
  <iothreads>2</iothreads>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/><apic/></features>
  <cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <filesystem type='mount' accessmode='mapped'><source dir='${directory}/share'/><target dir='share'/></filesystem>
    <controller type='usb' model='qemu-xhci'/>
    <channel type='unix'><source mode='bind' path='${directory}/agent.sock'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <parallel type='file'><source path='${directory}/parallel.log'/></parallel>
    <shmem name='${GUEST_PREFIX}-shm0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
    <memballoon model='none'/>
  </devices>
</domain>`;
}

export async function runScenario(lab: HostLab, options: ScenarioOptions): Promise<Journal> {
  const say = options.say ?? (() => {});
  const directory = lab.directory;
  const host = (path: string) => lab.hostPath(path);
  const images = lab.imagesDirectory();
  const image = (name: string, size = '32M') => {
    const path = join(images, name);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', host(path), size]);
    return path;
  };
  const deviceFile = (name: string, xml: string) => {
    const path = host(join(directory, `${name}.xml`));
    writeFileSync(path, `${xml}\n`);
    return path;
  };
  const readConsole = (file: string) => (existsSync(host(file)) ? readFileSync(host(file), 'latin1') : '');

  const hypervisor = new Hypervisor({ uri: lab.uri });
  await withTimeout(hypervisor.connectOpen(), 30_000, 'connect to the lab libvirtd');
  const journal: Journal = { format: lab.auditd.format, ...lab.journalHeader(), guests: [], skipped: [] };
  const define = async (role: string, exercises: string, xml: string) => {
    const guest = await LabGuest.define(lab, hypervisor, role, exercises, xml);
    journal.guests.push(guest.journal);
    return guest;
  };

  /**
   * A guest with hardware acceleration (type='kvm'): started, saved, restored and destroyed. Where KVM
   * fails, the guest leaves the journal (its records stay in the log, noted in `skipped`) and the other
   * guests run under TCG.
   */
  const probeKvm = async (): Promise<'kvm' | 'qemu'> => {
    if (!existsSync('/dev/kvm')) {
      journal.skipped.push('KVM guest: /dev/kvm does not exist; guests run under TCG');
      return 'qemu';
    }
    say("guest kvm: type='kvm' (hardware acceleration): start, save, restore, destroy");
    const kvm = await define('kvm', "type='kvm' (hardware acceleration): start, save, restore, destroy",
      guestXml({ name: `${GUEST_PREFIX}-kvm`, uuid: uuidOf(10), disk: image('kvm.qcow2'), mac: '52:54:00:ac:00:0a', virtType: 'kvm' }));
    try {
      await kvm.start();
      const saved = join(directory, 'kvm.save');
      await kvm.save(saved);
      await kvm.restore(saved);
      await kvm.destroy();
      return 'kvm';
    } catch (error) {
      journal.guests.splice(journal.guests.indexOf(kvm.journal), 1);
      journal.skipped.push(`KVM guest: ${(error as Error).message}; guests run under TCG`);
      try {
        lab.virsh(['destroy', kvm.name], 30_000);
      } catch {
        // it did not start
      }
      return 'qemu';
    }
  };

  try {
    say('guest basic: disk, user NIC, virtio-rng, serial pty + file; USB disk attached and detached; vCPU hot-add; destroy');
    const basic = await define('basic', 'disk, user NIC, virtio-rng, serial to pty and to file, console; a USB disk attached then detached; live vCPU change; destroy',
      guestXml({ name: `${GUEST_PREFIX}-basic`, uuid: uuidOf(1), disk: image('basic.qcow2'), mac: '52:54:00:ac:00:01',
        extraDevices: `<serial type='file'><source path='${directory}/serial1.log'/><target port='1'/></serial>` }));
    await basic.start();
    const hotDiskXml = `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${image('hot plug.qcow2', '16M')}'/><target dev='sdb' bus='usb'/></disk>`;
    const hotDisk = deviceFile('hot-disk', hotDiskXml);
    await basic.attach(hotDisk, hotDiskXml);
    await basic.detach(hotDisk, hotDiskXml);
    try {
      await basic.update('vcpu', () => lab.virsh(['setvcpus', basic.name, '2', '--live']));
    } catch (error) {
      journal.skipped.push(`live vCPU change: ${(error as Error).message}`);
    }
    await basic.destroy();

    say('guest utf8: a name with a space and UTF-8; save, restore, managed save, start from it, destroy');
    const utf8 = await define('utf8', 'a name with a space and UTF-8 (hex-encoded vm=); save, restore, managed save and the start from it; destroy',
      guestXml({ name: UTF8_GUEST_NAME, uuid: uuidOf(2), disk: image('guest disk ü.qcow2'), mac: '52:54:00:ac:00:02' }));
    await utf8.start();
    const saveFile = join(directory, 'utf8.save');
    await utf8.save(saveFile);
    await utf8.restore(saveFile);
    await utf8.managedSave();
    await utf8.start();
    await utf8.destroy();

    say('guest broken: a start that fails (its disk image does not exist)');
    const broken = await define('broken', 'a failing start: the disk image does not exist',
      guestXml({ name: `${GUEST_PREFIX}-broken`, uuid: uuidOf(3), disk: join(images, 'missing.qcow2'), mac: '52:54:00:ac:00:03' }));
    await broken.failStart(labelsLibvirtGenerates(basic), 'before-cgroup');

    const accel = await probeKvm();

    say(`guest running: started (${accel}) and still running when auditd stops`);
    const running = await define('running', `started (type='${accel}'), still running when the capture ends`,
      guestXml({ name: `${GUEST_PREFIX}-running`, uuid: uuidOf(4), disk: image('running.qcow2'), mac: '52:54:00:ac:00:04', virtType: accel }));
    await running.start();
    running.markRunningAtEnd();

    say('guest devices: ACPI, 9p filesystem, iothreads, ivshmem, unix channel, parallel port; NIC, RNG and memory hot-plugged');
    mkdirSync(host(join(directory, 'share')), { recursive: true });
    chmodSync(host(join(directory, 'share')), 0o755);
    const devices = await define('devices', '9p filesystem, iothreads, ivshmem, unix channel, parallel port to file; NIC, RNG and a memory DIMM hot-plugged; destroy',
      devicesGuestXml(directory, image('devices.qcow2')));
    await devices.start();
    const nicXml = "<interface type='user'><mac address='52:54:00:ac:10:01'/><model type='virtio'/></interface>";
    await devices.attach(deviceFile('nic', nicXml), nicXml);
    const rngXml = "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>";
    await devices.attach(deviceFile('rng', rngXml), rngXml);
    const dimm = deviceFile('dimm', "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>");
    await devices.update('mem', () => lab.virsh(['attach-device', devices.name, dimm, '--live']));
    await devices.destroy();

    if (existsSync('/dev/net/tun')) {
      say('guest tap: a libvirt-managed tap NIC (resrc=net reason=open for /dev/net/tun)');
      const tap = await define('tap', 'a libvirt-managed tap NIC: net open records for /dev/net/tun; destroy',
        guestXml({ name: `${GUEST_PREFIX}-tap`, uuid: uuidOf(6), disk: image('tap.qcow2'), mac: '52:54:00:ac:00:06',
          extraDevices: "<interface type='ethernet'><mac address='52:54:00:ac:20:01'/><target dev='vacaptap0' managed='yes'/><model type='virtio'/></interface>" }));
      await tap.start();
      await tap.destroy();
    } else {
      journal.skipped.push('tap NIC guest: /dev/net/tun does not exist on this host');
    }

    say('guest shutdown: boots a kernel under TCG, serial console to a file, ACPI shutdown carried out by the guest');
    const bootDirectory = join(directory, 'boot');
    mkdirSync(host(bootDirectory), { recursive: true });
    chmodSync(host(bootDirectory), 0o755);
    const kernel = join(bootDirectory, 'vmlinuz');
    const initrd = join(bootDirectory, 'initrd.gz');
    copyFileSync(options.bootable.kernel, host(kernel));
    copyFileSync(options.bootable.initrd, host(initrd));
    const consoleLog = join(directory, 'shutdown-console.log');
    const shutdown = await define('shutdown', 'boots a Linux kernel under TCG; serial console to a file; ACPI shutdown done by the guest',
      guestXml({ name: `${GUEST_PREFIX}-shutdown`, uuid: uuidOf(9), disk: image('shutdown.qcow2'), mac: '52:54:00:ac:00:09',
        os: `<os><type arch='x86_64' machine='pc'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS1 quiet</cmdline></os><features><acpi/></features>`,
        extraDevices: `<serial type='file'><source path='${consoleLog}'/><target port='1'/></serial>` }));
    await shutdown.start();
    await shutdown.waitForConsole(consoleLog, 'virt-audit test guest: ready', 120_000, readConsole);
    await shutdown.shutdown();

    say('guest reused: the same name defined again with a new UUID after the first was undefined');
    const reusedName = `${GUEST_PREFIX}-reused`;
    const first = await define('reused-first', `the first definition of a name that is later reused (type='${accel}'); start, destroy, undefine`,
      guestXml({ name: reusedName, uuid: uuidOf(7), disk: image('reused-1.qcow2'), mac: '52:54:00:ac:00:07', virtType: accel }));
    await first.start();
    await first.destroy();
    lab.virsh(['undefine', reusedName]);
    const second = await define('reused-second', `the same name defined again with a new UUID (type='${accel}'); start, destroy`,
      guestXml({ name: reusedName, uuid: uuidOf(8), disk: image('reused-2.qcow2'), mac: '52:54:00:ac:00:08', virtType: accel }));
    await second.start();
    await second.destroy();
  } finally {
    await withTimeout(hypervisor.connectClose(), 30_000, 'close the lab connection').catch(() => {});
  }
  return journal;
}

/**
 * The labels libvirt generates at a start: a failed start still writes them, although the inactive
 * definition has none. Read back from a guest that started under the same qemu.conf.
 */
function labelsLibvirtGenerates(started: LabGuest): SeclabelValue[] {
  const step = started.journal.steps.find((candidate) => candidate.kind === 'start');
  if (!step || step.kind !== 'start') throw new Error(`${started.name} has not started`);
  return parseDomainXml(step.liveXml).seclabels.map((label) => ({ ...label }));
}
