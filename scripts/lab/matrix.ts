// The capture matrix: guests that between them reach every audit call site of libvirt's QEMU driver this
// host allows — disks of every kind (block, file, network, cdrom, readonly, backing chains), change of
// media, every chardev backend, console/serial pairs, evdev, smartcards, redirdevs, hostdevs, TPM,
// shmem, 9p, NUMA/DIMM, vCPU and IOThread changes, failures at each stage of a start and of a hot-plug,
// save/restore, snapshots, a crash. Each guest is journaled (journal.ts) for the comparison with the
// lifecycle builder (test/e2e/lifecycle-matrix.test.ts, test/capture-matrix.test.ts). Guests run under
// TCG (<domain type='qemu'>); those that must answer (ACPI unplug, shutdown) boot the small test guest.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hypervisor } from '@unraid/libvirt';
import { parseDomainXml } from '../../emitter/index.js';
import { run, sleep, waitFor, withTimeout } from './bounded.js';
import type { HostLab } from './host-lab.js';
import type { Journal, SeclabelValue } from './journal.js';
import { LabGuest } from './lab-guest.js';
import type { BootableGuest } from './scenario.js';

export const MATRIX_PREFIX = 'vamx';
export const matrixUuid = (index: number) => `5f0e8d2a-7c3b-4e19-a6d4-00000000${String(index).padStart(4, '0')}`;

export interface MatrixOptions {
  readonly bootable: BootableGuest;
  readonly say?: (message: string) => void;
  /** Only the guests whose role matches (all when absent). */
  readonly only?: RegExp;
}

interface GuestShape {
  readonly name: string;
  readonly uuid: string;
  readonly devices: string;
  readonly vcpu?: string;
  readonly memory?: string;
  readonly os?: string;
  readonly cpu?: string;
  readonly extra?: string;
}

const xmlText = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');

function domainXml(shape: GuestShape): string {
  return `<domain type='qemu'>
  <name>${xmlText(shape.name)}</name>
  <uuid>${shape.uuid}</uuid>
  ${shape.memory ?? "<memory unit='MiB'>96</memory>"}
  ${shape.vcpu ?? "<vcpu placement='static'>1</vcpu>"}
  ${shape.extra ?? ''}
  ${shape.os ?? "<os><type arch='x86_64' machine='pc'>hvm</type></os>"}
  <features><acpi/></features>
  ${shape.cpu ?? ''}
  <devices>
    <controller type='usb' model='qemu-xhci'/>
    <memballoon model='none'/>
    ${shape.devices}
  </devices>
</domain>`;
}

const fileDisk = (path: string, dev: string, bus = 'virtio', format = 'qcow2', extra = '') =>
  `<disk type='file' device='disk'><driver name='qemu' type='${format}'/><source file='${xmlText(path)}'/><target dev='${dev}' bus='${bus}'/>${extra}</disk>`;
const blockDisk = (path: string, dev: string, device = 'disk', bus = 'virtio', extra = '') =>
  `<disk type='block' device='${device}'><driver name='qemu' type='raw'/><source dev='${path}'/><target dev='${dev}' bus='${bus}'/>${extra}</disk>`;

/** Resources the matrix sets up on the host (loop devices, an NBD server), released by pid and name. */
class MatrixHost {
  private readonly loops: string[] = [];
  private readonly servers: ChildProcess[] = [];
  constructor(private readonly lab: HostLab) {}

  /** A loop block device over a new raw file (`size` MiB). */
  loop(file: string, sizeMiB = 8): string {
    const hostFile = this.lab.hostPath(file);
    run('truncate', ['-s', `${sizeMiB}M`, hostFile]);
    const device = run('losetup', ['--find', '--show', hostFile]).trim();
    this.loops.push(device);
    return device;
  }

  private readonly bridges: string[] = [];

  /** A Linux bridge with no uplink, for bridge NICs; deleted on release. */
  bridge(name: string): string {
    run('ip', ['link', 'add', name, 'type', 'bridge']);
    this.bridges.push(name);
    run('ip', ['link', 'set', name, 'up']);
    return name;
  }

  /** qemu-nbd serving an image on a unix socket (the lab's own process, stopped by pid). */
  async nbd(image: string, socket: string): Promise<void> {
    const server = spawn('qemu-nbd', ['--persistent', '--shared=4', '-f', 'qcow2', '-k', this.lab.hostPath(socket), this.lab.hostPath(image)], { stdio: 'ignore' });
    this.servers.push(server);
    await waitFor(`qemu-nbd to listen on ${socket}`, 15_000, () => existsSync(this.lab.hostPath(socket)));
    chmodSync(this.lab.hostPath(socket), 0o777);
  }

  async release(): Promise<void> {
    for (const server of this.servers) {
      if (server.pid !== undefined && server.exitCode === null) {
        server.kill('SIGTERM');
        for (let waited = 0; server.exitCode === null && waited < 5_000; waited += 100) await sleep(100);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
    }
    for (const bridge of this.bridges) {
      try {
        run('ip', ['link', 'delete', bridge, 'type', 'bridge']);
      } catch {
        // already gone
      }
    }
    for (const device of this.loops.reverse()) {
      try {
        run('losetup', ['--detach', device]);
      } catch {
        // already detached
      }
    }
  }
}

/** virsh says what failed on its first line and why on the next: both, on one line. */
function oneLine(error: unknown): string {
  return (error as Error).message.split('\n').map((line) => line.trim()).filter(Boolean).join(' / ');
}

export async function runMatrix(lab: HostLab, options: MatrixOptions): Promise<Journal> {
  const say = options.say ?? (() => {});
  const directory = lab.directory;
  const host = (path: string) => lab.hostPath(path);
  const images = lab.imagesDirectory();
  const qcow2 = (name: string, size = '16M', backing?: { path: string; format: string }) => {
    const path = join(images, name);
    // -u: the backing path is libvirt's (inside a chroot), not necessarily reachable from here.
    run('qemu-img', ['create', '-q', '-f', 'qcow2', ...(backing ? ['-u', '-F', backing.format, '-b', backing.path] : []), host(path), size]);
    return path;
  };
  const raw = (name: string, sizeMiB = 4) => {
    const path = join(images, name);
    run('truncate', ['-s', `${sizeMiB}M`, host(path)]);
    return path;
  };
  let deviceFiles = 0;
  const deviceFile = (xml: string) => {
    const path = host(join(directory, `device-${deviceFiles++}.xml`));
    writeFileSync(path, `${xml}\n`);
    return path;
  };
  const fifo = (name: string) => {
    const path = join(directory, name);
    for (const suffix of ['.in', '.out']) run('mkfifo', ['-m', '0666', host(`${path}${suffix}`)]);
    return path;
  };
  const hostMachine = new MatrixHost(lab);
  const hypervisor = new Hypervisor({ uri: lab.uri });
  await withTimeout(hypervisor.connectOpen(), 30_000, 'connect to the lab libvirtd');
  const journal: Journal = { format: lab.auditd.format, ...lab.journalHeader(), guests: [], skipped: [] };
  let index = 0;
  let generatedLabels: SeclabelValue[] | null = null;
  /** The labels libvirt generates at a start (a failed start writes them too): read from the first guest that started. */
  const labels = (): SeclabelValue[] => {
    if (generatedLabels) return generatedLabels;
    for (const guest of journal.guests) {
      const step = guest.steps.find((candidate) => candidate.kind === 'start');
      if (step?.kind === 'start') return (generatedLabels = parseDomainXml(step.liveXml).seclabels.map((label) => ({ ...label })));
    }
    throw new Error('no guest has started yet');
  };

  type Case = (guest: LabGuest) => Promise<void>;
  const guests: { role: string; exercises: string; shape: Omit<GuestShape, 'name' | 'uuid'>; run: Case }[] = [];
  const add = (role: string, exercises: string, shape: Omit<GuestShape, 'name' | 'uuid'>, steps: Case) => guests.push({ role, exercises, shape, run: steps });
  /** A start whose failure is journaled too (libvirt audits it), then an error that ends the guest's case. */
  const boot = async (guest: LabGuest) => {
    const failure = await guest.startOrFail(generatedLabels ?? [], 'qemu-refused-device');
    if (failure !== null) throw new Error(`the start failed: ${failure.split('\n')[0]}`);
    generatedLabels ??= labels();
  };
  const startDestroy: Case = async (guest) => {
    await boot(guest);
    await guest.destroy();
  };

  // The test guest's kernel, for guests that must answer ACPI events.
  const bootFiles = join(directory, 'boot');
  mkdirSync(host(bootFiles), { recursive: true });
  chmodSync(host(bootFiles), 0o755);
  copyFileSync(options.bootable.kernel, host(join(bootFiles, 'vmlinuz')));
  copyFileSync(options.bootable.initrd, host(join(bootFiles, 'initrd.gz')));
  const bootedOs = (consoleLog: string) => ({
    os: `<os><type arch='x86_64' machine='pc'>hvm</type><kernel>${bootFiles}/vmlinuz</kernel><initrd>${bootFiles}/initrd.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>`,
    serial: `<serial type='file'><source path='${consoleLog}'/><target port='0'/></serial>`,
  });
  const readConsole = (file: string) => (existsSync(host(file)) ? readFileSync(host(file), 'latin1') : '');

  try {
    // ── Disks ──────────────────────────────────────────────────────────────────────────────────────
    const blockRw = hostMachine.loop(join(images, 'block-rw.raw'));
    const blockRo = hostMachine.loop(join(images, 'block-ro.raw'));
    const blockCd = hostMachine.loop(join(images, 'block-cd.raw'));
    const blockBase = hostMachine.loop(join(images, 'block-base.raw'));
    const blockHot = hostMachine.loop(join(images, 'block-hot.raw'));
    const blockMedia = hostMachine.loop(join(images, 'block-media.raw'));
    add('block-disks', 'block-device disks: read-write, <readonly/>, a block cdrom; start, destroy', {
      devices: blockDisk(blockRw, 'vda') + blockDisk(blockRo, 'vdb', 'disk', 'virtio', '<readonly/>') + blockDisk(blockCd, 'hdc', 'cdrom', 'ide', '<readonly/>'),
    }, startDestroy);

    const base = join(images, 'chain-base.raw');
    run('truncate', ['-s', '16M', host(base)]);
    const mid = qcow2('chain-mid.qcow2', '16M', { path: base, format: 'raw' });
    const top = qcow2('chain-top.qcow2', '16M', { path: mid, format: 'qcow2' });
    const overBlock = qcow2('over-block.qcow2', '8M', { path: blockBase, format: 'raw' });
    add('backing-chains', 'backing chains: qcow2 → qcow2 → raw file, and a qcow2 over a block device; start, destroy', {
      devices: fileDisk(top, 'vda') + fileDisk(overBlock, 'vdb'),
    }, startDestroy);

    const nbdImage = qcow2('nbd-export.qcow2');
    const nbdSocket = join(directory, 'nbd.sock');
    await hostMachine.nbd(nbdImage, nbdSocket);
    add('network-disk', 'a network disk (NBD over a unix socket) and a readonly file disk; start, destroy', {
      devices: `<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='nbd'><host transport='unix' socket='${nbdSocket}'/></source><target dev='vda' bus='virtio'/></disk>`
        + fileDisk(qcow2('readonly.qcow2'), 'vdb', 'virtio', 'qcow2', '<readonly/>'),
    }, startDestroy);

    const isoA = raw('media-a.iso');
    const isoB = raw('media-b.iso');
    const cdrom = (source: string | null, type = 'file') =>
      `<disk type='${type}' device='cdrom'><driver name='qemu' type='raw'/>${source === null ? '' : type === 'block' ? `<source dev='${source}'/>` : `<source file='${source}'/>`}<target dev='hdc' bus='ide'/><readonly/></disk>`;
    // SeaBIOS probes the drive while it looks for something to boot and may hold the tray shut meanwhile
    // (libvirt then fails the change): the guest boots the test kernel, which has no ATA driver, and the
    // media changes come only once it is up, when nothing in the guest touches the drive any more.
    const mediaConsole = join(directory, 'media-console.log');
    const mediaOs = bootedOs(mediaConsole);
    add('media-change', 'change of media in an IDE cdrom of a guest booted into the test kernel: empty → file A → file B → block device → ejected; destroy', {
      os: mediaOs.os,
      devices: fileDisk(qcow2('media-root.qcow2'), 'vda') + cdrom(null) + mediaOs.serial,
    }, async (guest) => {
      await boot(guest);
      await guest.waitForConsole(mediaConsole, 'virt-audit test guest: ready', 180_000, readConsole);
      await guest.changeMedia(deviceFile(cdrom(isoA)), cdrom(isoA), null);
      await guest.changeMedia(deviceFile(cdrom(isoB)), cdrom(isoB), isoA);
      await guest.changeMedia(deviceFile(cdrom(blockMedia, 'block')), cdrom(blockMedia, 'block'), isoB);
      await guest.changeMedia(deviceFile(cdrom(null, 'block')), cdrom(null, 'block'), blockMedia);
      await guest.destroy();
    });

    add('disk-hotplug', 'USB disks hot-plugged and unplugged: a file disk, a block disk, a readonly block disk; a failing attach (an image that is no qcow2); destroy', {
      devices: fileDisk(qcow2('hot-root.qcow2'), 'vda'),
    }, async (guest) => {
      await boot(guest);
      const usbFile = fileDisk(qcow2('hot file.qcow2'), 'sda', 'usb');
      await guest.attach(deviceFile(usbFile), usbFile);
      await guest.detach(deviceFile(usbFile), usbFile, "dev='sda'");
      const usbBlock = blockDisk(blockHot, 'sdb', 'disk', 'usb');
      await guest.attach(deviceFile(usbBlock), usbBlock);
      await guest.detach(deviceFile(usbBlock), usbBlock, "dev='sdb'");
      const usbBlockRo = blockDisk(blockHot, 'sdc', 'disk', 'usb', '<readonly/>');
      await guest.attach(deviceFile(usbBlockRo), usbBlockRo);
      await guest.detach(deviceFile(usbBlockRo), usbBlockRo, "dev='sdc'");
      const notQcow2 = join(images, 'not-qcow2.img');
      writeFileSync(host(notQcow2), 'this is not a qcow2 image\n'.repeat(64));
      const broken = fileDisk(notQcow2, 'sdd', 'usb');
      await guest.hotplug('attach', deviceFile(broken), broken, true);
      const brokenBlock = `<disk type='block' device='disk'><driver name='qemu' type='qcow2'/><source dev='${blockHot}'/><target dev='sde' bus='usb'/></disk>`;
      await guest.hotplug('attach', deviceFile(brokenBlock), brokenBlock, true);
      await guest.destroy();
    });

    // ── Character devices ──────────────────────────────────────────────────────────────────────────
    const pipe = fifo('serial-pipe');
    add('chardevs-serial', 'serial ports of every local backend: null, pty, file, pipe; a virtio console to pty; start, destroy', {
      devices: fileDisk(qcow2('chr1.qcow2'), 'vda')
        + "<serial type='null'><target port='0'/></serial>"
        + "<serial type='pty'><target port='1'/></serial>"
        + `<serial type='file'><source path='${directory}/serial2.log' append='on'/><target port='2'/></serial>`
        + `<serial type='pipe'><source path='${pipe}'/><target port='3'/></serial>`
        + "<console type='pty'><target type='virtio' port='0'/></console>",
    }, startDestroy);
    add('chardevs-socket', 'virtio channels and ports over sockets: unix bind, tcp server, udp; a parallel port to a file; start, destroy', {
      devices: fileDisk(qcow2('chr2.qcow2'), 'vda')
        + `<channel type='unix'><source mode='bind' path='${directory}/chan0.sock'/><target type='virtio' name='org.example.unix'/></channel>`
        + "<channel type='tcp'><source mode='bind' host='127.0.0.1' service='47101'/><protocol type='raw'/><target type='virtio' name='org.example.tcp'/></channel>"
        + "<channel type='udp'><source mode='bind' host='127.0.0.1' service='47102'/><source mode='connect' host='127.0.0.1' service='47103'/><target type='virtio' name='org.example.udp'/></channel>"
        + `<parallel type='file'><source path='${directory}/parallel.log'/><target port='0'/></parallel>`,
    }, startDestroy);
    add('chardevs-virtual', 'chardevs without a host path: vc and qemu-vdagent; start, destroy', {
      devices: fileDisk(qcow2('chr3.qcow2'), 'vda')
        + "<serial type='vc'><target port='0'/></serial>"
        + "<channel type='qemu-vdagent'><source><clipboard copypaste='no'/></source><target type='virtio' name='com.redhat.spice.0'/></channel>",
    }, startDestroy);
    add('chardevs-spice', 'SPICE graphics with spicevmc and spiceport channels and a spicevmc redirdev (where this QEMU has SPICE); start, destroy', {
      devices: fileDisk(qcow2('chr-spice.qcow2'), 'vda')
        + "<graphics type='spice' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>"
        + "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
        + "<channel type='spiceport'><source channel='org.example.port'/><target type='virtio' name='org.example.spiceport'/></channel>"
        + "<redirdev bus='usb' type='spicevmc'/>",
    }, startDestroy);
    add('console-dev', "serial 0 of type='dev' (/dev/ttyS0) and the console that duplicates it: one ACL; start, destroy", {
      devices: fileDisk(qcow2('con-dev.qcow2'), 'vda')
        + "<serial type='dev'><source path='/dev/ttyS0'/><target port='0'/></serial>"
        + "<console type='dev'><source path='/dev/ttyS0'/><target type='serial' port='0'/></console>",
    }, startDestroy);
    add('chardev-hotplug', "a USB serial of type='dev' and a virtio channel hot-plugged and unplugged; destroy", {
      devices: fileDisk(qcow2('chr-hot.qcow2'), 'vda') + "<controller type='virtio-serial' index='0'/>",
    }, async (guest) => {
      await boot(guest);
      const usbSerial = "<serial type='dev'><source path='/dev/ttyS0'/><target type='usb-serial' port='0'><model name='usb-serial'/></target></serial>";
      await guest.attach(deviceFile(usbSerial), usbSerial);
      await guest.detach(deviceFile(usbSerial), usbSerial, "<source path='/dev/ttyS0'/>");
      const channel = `<channel type='unix'><source mode='bind' path='${directory}/hot-chan.sock'/><target type='virtio' name='org.example.hot'/></channel>`;
      await guest.attach(deviceFile(channel), channel);
      await guest.detach(deviceFile(channel), channel, 'hot-chan.sock');
      await guest.destroy();
    });

    // ── Input, smartcards, redirdevs, RNG ──────────────────────────────────────────────────────────
    // No evdev exists on this host: a device node with evdev's numbers (13:64) is allowed in the cgroup
    // like a real one, then QEMU cannot open it — a start that fails after the cgroup was set up.
    const evdev = join(directory, 'event-fake');
    run('mknod', ['-m', '0660', host(evdev), 'c', '13', '64']);
    add('input-evdev', 'evdev and virtio input passthrough of a node no driver answers, with RNGs (random, builtin): the ACL order; QEMU refuses the device after cgroup setup', {
      devices: fileDisk(qcow2('evdev.qcow2'), 'vda')
        + `<input type='evdev'><source dev='${evdev}'/></input>`
        + `<input type='passthrough' bus='virtio'><source evdev='${evdev}'/></input>`
        + "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>"
        + "<rng model='virtio'><backend model='builtin'/></rng>",
    }, async (guest) => {
      if ((await guest.startOrFail(labels(), 'qemu-refused-device')) === null) await guest.destroy();
    });
    add('rng-backends', 'RNGs: /dev/urandom, /dev/random, builtin, egd over tcp; an RNG hot-plugged; destroy', {
      devices: fileDisk(qcow2('rng.qcow2'), 'vda')
        + "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
        + "<rng model='virtio'><backend model='builtin'/></rng>"
        + "<rng model='virtio'><backend model='egd' type='tcp'><source mode='bind' host='127.0.0.1' service='47104'/><protocol type='raw'/></backend></rng>",
    }, async (guest) => {
      await boot(guest);
      const rng = "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>";
      await guest.attach(deviceFile(rng), rng);
      await guest.destroy();
    });
    add('smartcard-host', 'a smartcard in host mode (emulated from the host NSS database): start or the failure QEMU gives', {
      devices: fileDisk(qcow2('sc-host.qcow2'), 'vda') + "<smartcard mode='host'/>",
    }, async (guest) => {
      if ((await guest.startOrFail(labels(), 'qemu-refused-device')) === null) await guest.destroy();
    });
    add('smartcard-passthrough', 'smartcard passthrough over a unix socket and a tcp server; redirdevs over tcp; a redirdev hot-plugged and unplugged; destroy', {
      devices: fileDisk(qcow2('sc-pass.qcow2'), 'vda')
        + `<smartcard mode='passthrough' type='unix'><source mode='bind' path='${directory}/smartcard.sock'/></smartcard>`
        + "<redirdev bus='usb' type='tcp'><source mode='bind' host='127.0.0.1' service='47105'/></redirdev>",
    }, async (guest) => {
      await boot(guest);
      const redirdev = "<redirdev bus='usb' type='tcp'><source mode='bind' host='127.0.0.1' service='47106'/></redirdev>";
      await guest.attach(deviceFile(redirdev), redirdev);
      await guest.detach(deviceFile(redirdev), redirdev, "service='47106'");
      await guest.destroy();
    });

    // ── Hostdevs (this host has no USB, no SCSI generic devices and no IOMMU: each fails) ─────────────
    add('hostdev-usb', 'a USB hostdev by vendor/product the host does not have: the start fails before cgroup setup; the same hostdev attached to a running guest fails', {
      devices: fileDisk(qcow2('hd-usb.qcow2'), 'vda')
        + "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1d6b'/><product id='0x0104'/></source></hostdev>",
    }, async (guest) => {
      await guest.failStart(labels(), 'before-cgroup');
    });
    add('hostdev-pci-scsi', 'an unmanaged PCI hostdev at an address the host does not have, and a SCSI hostdev on a missing adapter: the start fails before cgroup setup', {
      devices: fileDisk(qcow2('hd-pci.qcow2'), 'vda')
        + "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x7e' slot='0x1f' function='0x7'/></source></hostdev>"
        + "<controller type='scsi' model='virtio-scsi'/>"
        + "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host97'/><address bus='0' target='0' unit='0'/></source></hostdev>",
    }, async (guest) => {
      await guest.failStart(labels(), 'before-cgroup');
    });
    add('hostdev-hotplug', 'a USB hostdev attached to a running guest: the host lacks it, the attach fails; destroy', {
      devices: fileDisk(qcow2('hd-hot.qcow2'), 'vda'),
    }, async (guest) => {
      await boot(guest);
      const usb = "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1d6b'/><product id='0x0104'/></source></hostdev>";
      await guest.hotplug('attach', deviceFile(usb), usb, true);
      await guest.destroy();
    });

    // ── TPM, shmem, 9p ─────────────────────────────────────────────────────────────────────────────
    add('tpm-emulator', 'an emulated TPM 2.0 (swtpm): start or the failure this host gives (no swtpm), destroy', {
      devices: fileDisk(qcow2('tpm.qcow2'), 'vda') + "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>",
    }, async (guest) => {
      if ((await guest.startOrFail(labels(), 'before-cgroup')) === null) await guest.destroy();
    });
    add('tpm-passthrough', 'a TPM passthrough of /dev/tpm0, which this host lacks: the start fails', {
      devices: fileDisk(qcow2('tpm-pass.qcow2'), 'vda') + "<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>",
    }, async (guest) => {
      if ((await guest.startOrFail(labels(), 'before-cgroup')) === null) await guest.destroy();
    });
    mkdirSync(host(join(directory, 'share')), { recursive: true });
    chmodSync(host(join(directory, 'share')), 0o755);
    add('shmem-9p', 'ivshmem-plain and a 9p filesystem (mapped, readonly); an ivshmem hot-plugged; destroy', {
      devices: fileDisk(qcow2('shmem.qcow2'), 'vda')
        + `<shmem name='${MATRIX_PREFIX}-shm0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>`
        + `<filesystem type='mount' accessmode='mapped'><source dir='${directory}/share'/><target dir='share'/><readonly/></filesystem>`,
    }, async (guest) => {
      await boot(guest);
      const shmem = `<shmem name='${MATRIX_PREFIX}-shm1'><model type='ivshmem-plain'/><size unit='M'>2</size></shmem>`;
      await guest.attach(deviceFile(shmem), shmem);
      await guest.destroy();
    });

    // ── Memory, vCPUs, IOThreads ───────────────────────────────────────────────────────────────────
    add('numa-dimm', 'two NUMA cells, DIMMs hot-plugged into each, then one too large for maxMemory (refused); destroy', {
      memory: "<maxMemory slots='4' unit='MiB'>1024</maxMemory><memory unit='MiB'>128</memory>",
      vcpu: "<vcpu placement='static'>2</vcpu>",
      cpu: "<cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'/><cell id='1' cpus='1' memory='64' unit='MiB'/></numa></cpu>",
      devices: fileDisk(qcow2('numa.qcow2'), 'vda'),
    }, async (guest) => {
      await boot(guest);
      for (const node of [0, 1]) {
        const dimm = `<memory model='dimm'><target><size unit='MiB'>128</size><node>${node}</node></target></memory>`;
        const file = deviceFile(dimm);
        await guest.update('mem', () => lab.virsh(['attach-device', guest.name, file, '--live']));
      }
      const tooLarge = "<memory model='dimm'><target><size unit='MiB'>2048</size><node>0</node></target></memory>";
      try {
        lab.virsh(['attach-device', guest.name, deviceFile(tooLarge), '--live']);
        guest.note('a DIMM larger than maxMemory was accepted');
      } catch (error) {
        journal.skipped.push(`numa-dimm: a DIMM beyond maxMemory is refused before any audit: ${(error as Error).message.split('\n')[0]}`);
      }
      await guest.destroy();
    });
    add('vcpu-iothreads', 'vCPUs 1 → 3 (one record each) and IOThreads added and deleted on a guest without an OS; destroy', {
      vcpu: "<vcpu placement='static' current='1'>4</vcpu>",
      extra: '<iothreads>1</iothreads>',
      devices: fileDisk(qcow2('vcpu.qcow2'), 'vda'),
    }, async (guest) => {
      await boot(guest);
      await guest.update('vcpu', () => lab.virsh(['setvcpus', guest.name, '3', '--live']));
      await guest.update('iothread', () => lab.virsh(['iothreadadd', guest.name, '2', '--live']));
      await guest.update('iothread', () => lab.virsh(['iothreadadd', guest.name, '5', '--live']));
      await guest.update('iothread', () => lab.virsh(['iothreaddel', guest.name, '2', '--live']));
      await guest.destroy();
    });

    // ── A booted guest: PCI unplug and vCPU removal the guest acknowledges, a shutdown it carries out ─
    const consoleLog = join(directory, 'booted-console.log');
    const booted = bootedOs(consoleLog);
    add('booted-hotplug', 'boots the test kernel: virtio disk and user NIC hot-plugged and unplugged (ACPI, acknowledged), vCPUs 1 → 2 → 1, then the guest shuts down', {
      vcpu: "<vcpu placement='static' current='1'>2</vcpu>",
      os: booted.os,
      devices: fileDisk(qcow2('booted.qcow2'), 'vda') + booted.serial,
    }, async (guest) => {
      await boot(guest);
      await guest.waitForConsole(consoleLog, 'virt-audit test guest: ready', 180_000, readConsole);
      const disk = fileDisk(qcow2('booted-hot.qcow2'), 'vdb');
      await guest.attach(deviceFile(disk), disk);
      await guest.detach(deviceFile(disk), disk, "dev='vdb'");
      const nic = "<interface type='user'><mac address='52:54:00:6d:00:01'/><model type='virtio'/></interface>";
      await guest.attach(deviceFile(nic), nic);
      await guest.detach(deviceFile(nic), nic, '52:54:00:6d:00:01');
      await guest.update('vcpu', () => lab.virsh(['setvcpus', guest.name, '2', '--live']));
      try {
        await guest.update('vcpu', () => lab.virsh(['setvcpus', guest.name, '1', '--live'], 90_000));
      } catch (error) {
        guest.note(`vCPU removal refused: ${(error as Error).message.split('\n')[0]}`);
      }
      await guest.shutdown();
    });
    add('unacked-detach', 'a virtio disk detached from a guest without an OS: the unplug is never acknowledged (libvirt audits nothing); destroy', {
      devices: fileDisk(qcow2('unacked.qcow2'), 'vda') + fileDisk(qcow2('unacked-2.qcow2'), 'vdb'),
    }, async (guest) => {
      await boot(guest);
      const disk = fileDisk(join(images, 'unacked-2.qcow2'), 'vdb');
      await guest.detach(deviceFile(disk), disk, "dev='vdb'");
      await guest.destroy();
    });

    // ── Networks ───────────────────────────────────────────────────────────────────────────────────
    add('net-tap', 'a managed tap NIC (ethernet) and a user NIC; a tap NIC hot-plugged to the running guest; destroy', {
      devices: fileDisk(qcow2('net.qcow2'), 'vda')
        + "<interface type='ethernet'><mac address='52:54:00:6d:01:01'/><target dev='vamxtap0' managed='yes'/><model type='virtio'/></interface>"
        + "<interface type='user'><mac address='52:54:00:6d:01:02'/><model type='e1000'/></interface>",
    }, async (guest) => {
      await boot(guest);
      const nic = "<interface type='ethernet'><mac address='52:54:00:6d:01:03'/><target dev='vamxtap1' managed='yes'/><model type='virtio'/></interface>";
      await guest.attach(deviceFile(nic), nic);
      await guest.destroy();
    });

    const bridgeNic = (bridge: string) => `<interface type='bridge'><mac address='52:54:00:6d:02:01'/><source bridge='${bridge}'/><target dev='vamxbr0tap' managed='yes'/><model type='virtio'/></interface>`;
    const bridges = [hostMachine.bridge('vamxbr0'), hostMachine.bridge('vamxbr1')];
    add('net-bridge-change', 'a bridge NIC (a tap libvirt adds to a Linux bridge) moved live to another bridge (update-device); destroy', {
      devices: fileDisk(qcow2('bridge.qcow2'), 'vda') + bridgeNic(bridges[0]!),
    }, async (guest) => {
      await boot(guest);
      const moved = bridgeNic(bridges[1]!);
      await guest.updateInterface(deviceFile(moved), moved);
      await guest.destroy();
    });

    // ── Failures at each stage of a start ─────────────────────────────────────────────────────────
    add('fail-missing-image', 'a start that fails before cgroup setup: its disk image does not exist', {
      devices: fileDisk(join(images, 'missing.qcow2'), 'vda'),
    }, async (guest) => {
      await guest.failStart(labels(), 'before-cgroup');
    });
    const corrupt = join(images, 'corrupt.qcow2');
    writeFileSync(host(corrupt), 'QFI\xfbnot really a qcow2 image'.padEnd(4096, '\0'), 'latin1');
    add('fail-qemu-refuses', 'a start that fails after cgroup setup: QEMU refuses a disk whose image is no valid qcow2 (with a serial dev and a block disk, whose ACLs were written)', {
      devices: fileDisk(qcow2('refuse-ok.qcow2'), 'vda') + blockDisk(blockRo, 'vdb', 'disk', 'virtio', '<readonly/>') + fileDisk(corrupt, 'vdc')
        + "<serial type='dev'><source path='/dev/ttyS0'/><target port='0'/></serial>",
    }, async (guest) => {
      await guest.failStart(labels(), 'qemu-refused-device');
    });

    // ── Save, restore, snapshots, a crash ─────────────────────────────────────────────────────────
    add('save-restore', 'save to a file and restore, managed save and the start from it; destroy', {
      devices: fileDisk(qcow2('save.qcow2'), 'vda') + "<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>",
    }, async (guest) => {
      await boot(guest);
      const file = join(directory, 'matrix.save');
      await guest.save(file);
      await guest.restore(file);
      await guest.managedSave();
      await guest.start();
      await guest.destroy();
    });
    add('snapshot', 'an internal snapshot of the running guest, then a revert to it while running (stop and start from-snapshot); destroy', {
      devices: fileDisk(qcow2('snap.qcow2'), 'vda'),
    }, async (guest) => {
      await boot(guest);
      guest.snapshot('s1');
      await guest.revertRunning('s1');
      await guest.destroy();
    });
    add('crash', 'QEMU killed (SIGKILL) under libvirt: stop reason=failed', {
      devices: fileDisk(qcow2('crash.qcow2'), 'vda'),
    }, async (guest) => {
      await boot(guest);
      await guest.crash();
    });

    // ── Floppy, a refused detach, a DIMM the guest lets go (added last: earlier guests keep their UUIDs) ─
    const floppyImage = (name: string) => {
      const path = join(images, name);
      run('truncate', ['-s', '1440K', host(path)]);
      return path;
    };
    const floppy = (source: string, dev = 'fda') =>
      `<disk type='file' device='floppy'><driver name='qemu' type='raw'/><source file='${source}'/><target dev='${dev}' bus='fdc'/></disk>`;
    const floppyA = floppyImage('floppy-a.img');
    const floppyB = floppyImage('floppy-b.img');
    add('floppy', 'a floppy drive cold-plugged on i440fx (fdc) and its media changed; a second floppy hot-plugged and the first one detached: both refused before any audit; destroy', {
      devices: fileDisk(qcow2('floppy-root.qcow2'), 'vda') + floppy(floppyA),
    }, async (guest) => {
      await boot(guest);
      await guest.changeMedia(deviceFile(floppy(floppyB)), floppy(floppyB), floppyA);
      const second = floppy(floppyImage('floppy-c.img'), 'fdb');
      await guest.hotplug('attach', deviceFile(second), second, true);
      await guest.hotplug('detach', deviceFile(floppy(floppyB)), floppy(floppyB), true);
      await guest.destroy();
    });
    // q35's pcie-root takes integrated endpoints but cannot hot-unplug them: libvirt (which checks only a
    // controller's hotplug='off') sends device_del and QEMU refuses it ("Bus 'pcie.0' does not support hotplugging").
    add('failed-detach', 'a q35 guest with a virtio disk on pcie-root (an integrated endpoint): its detach reaches QEMU, which refuses it; disk detach res=failed and nothing else; destroy', {
      os: "<os><type arch='x86_64' machine='q35'>hvm</type></os>",
      devices: fileDisk(qcow2('refused-detach.qcow2'), 'vda')
        + fileDisk(qcow2('refused-detach-2.qcow2'), 'vdb', 'virtio', 'qcow2', "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>"),
    }, async (guest) => {
      await boot(guest);
      const disk = fileDisk(join(images, 'refused-detach-2.qcow2'), 'vdb');
      await guest.hotplug('detach', deviceFile(disk), disk, true);
      await guest.destroy();
    });
    const dimmConsole = join(directory, 'dimm-console.log');
    const dimmBoot = bootedOs(dimmConsole);
    add('booted-dimm', 'boots the test kernel with one NUMA cell and maxMemory: a DIMM hot-plugged, then unplugged (ACPI eject; the guest leaves hot-added memory offline, so it can let it go); the guest shuts down', {
      memory: "<maxMemory slots='2' unit='MiB'>1024</maxMemory><memory unit='MiB'>128</memory>",
      cpu: "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>",
      os: dimmBoot.os,
      devices: fileDisk(qcow2('dimm.qcow2'), 'vda') + dimmBoot.serial,
    }, async (guest) => {
      await boot(guest);
      await guest.waitForConsole(dimmConsole, 'virt-audit test guest: ready', 180_000, readConsole);
      const dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>";
      await guest.update('mem', () => lab.virsh(['attach-device', guest.name, deviceFile(dimm), '--live']));
      await guest.detach(deviceFile(dimm), dimm, "<memory model='dimm'", 60_000);
      const detach = guest.journal.steps.at(-1);
      if (detach?.kind === 'detach' && detach.acknowledged === false) guest.note('the guest did not release the DIMM within 60 s');
      await guest.shutdown();
    });

    // libvirt checks nothing about a type='dev' chardev's node before qemuSetupChardevCgroupCB allows it:
    // a node missing on the host is the failed allow (rdev=?) that ends the start.
    add('fail-missing-dev', "a start that fails in the cgroup setup: a serial of type='dev' whose node does not exist; the allow is written rdev=? res=failed and nothing after it", {
      devices: fileDisk(qcow2('missing-dev.qcow2'), 'vda') + `<serial type='dev'><source path='/dev/${MATRIX_PREFIX}-no-such-tty'/><target port='0'/></serial>`,
    }, async (guest) => {
      await guest.failStart(labels(), 'after-cgroup');
    });

    // qemuBuildCommandLine opens the NICs (qemuBuildNetCommandLine → qemuBuildInterfaceConnect) before it
    // builds the TPMs (qemuBuildTPMsCommandLine → qemuBuildTPMOpenBackendFDs opens the passthrough node):
    // a node missing on the host fails the start there, after the tap's net open, before any cgroup.
    add('fail-command-line', "a start that fails while libvirt builds QEMU's command line: a managed tap NIC is opened, then the TPM passthrough node (missing) cannot be", {
      devices: fileDisk(qcow2('command-line.qcow2'), 'vda')
        + "<interface type='ethernet'><mac address='52:54:00:6d:03:01'/><target dev='vamxtap9' managed='yes'/><model type='virtio'/></interface>"
        + `<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/${MATRIX_PREFIX}-no-such-tpm'/></backend></tpm>`,
    }, async (guest) => {
      await guest.failStart(labels(), 'command-line', /Could not open TPM device/);
    });

    for (const entry of guests) {
      index++;
      if (options.only && !options.only.test(entry.role)) continue;
      say(`guest ${entry.role}: ${entry.exercises}`);
      let guest: LabGuest;
      try {
        guest = await LabGuest.define(lab, hypervisor, entry.role, entry.exercises,
          domainXml({ ...entry.shape, name: `${MATRIX_PREFIX}-${entry.role}`, uuid: matrixUuid(index) }));
      } catch (error) {
        // Refused at define time (nothing audited): this libvirt or host does not have what it needs.
        const message = oneLine(error);
        journal.skipped.push(`${entry.role}: libvirt refuses the definition: ${message}`);
        say(`guest ${entry.role}: not defined: ${message}`);
        continue;
      }
      journal.guests.push(guest.journal);
      try {
        await entry.run(guest);
      } catch (error) {
        const message = oneLine(error);
        guest.note(`stopped early: ${message}`);
        journal.skipped.push(`${entry.role}: ${message}`);
        say(`guest ${entry.role}: stopped early: ${message}`);
        try {
          const liveXml = await guest.liveXml();
          if (/ id='\d+'/.test(liveXml.slice(0, 200))) await guest.destroy();
        } catch {
          // not running
        }
      }
    }
  } finally {
    await withTimeout(hypervisor.connectClose(), 30_000, 'close the lab connection').catch(() => {});
    // Guests hold the loop devices and the NBD socket: the lab removes them before these go.
    for (const name of lab.virsh(['list', '--name']).split('\n').map((line) => line.trim()).filter(Boolean)) {
      try {
        lab.virsh(['destroy', name], 30_000);
      } catch {
        // gone meanwhile
      }
    }
    await hostMachine.release();
  }
  return journal;
}
