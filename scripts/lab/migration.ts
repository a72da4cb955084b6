// A live migration between two libvirt versions on this one host: the host's libvirtd (9.0) is the
// source, a chroot's (11.3 or 12.9, scripts/libvirt-chroot.sh) the destination, both writing into one
// private auditd. libvirt refuses a migration to the same host only when the two daemons report the same
// host UUID: the destination gets its own (libvirtd.conf host_uuid). The guest's image is seen at the same
// path by both (the source lab's image directory bind-mounted into the chroot); QEMU 7.2 → 10.0 (11.3's chroot) or 11.1 (12.9's), with the
// machine type pinned to the source's (pc-i440fx-7.2), TCG. Each side is journaled apart: the source's
// guest starts and stops `migrated`, the destination's starts `migrated` and is destroyed.
import { chmodSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hypervisor } from '@unraid/libvirt';
import { run, withTimeout } from './bounded.js';
import type { HostLab } from './host-lab.js';
import type { Journal } from './journal.js';
import { LabGuest } from './lab-guest.js';

export const MIGRATION_UUID = '5f0e8d2a-7c3b-4e19-a6d4-0000000000aa';
/** The destination libvirtd's host UUID (any other than the source's). */
export const DESTINATION_HOST_UUID = '8d1b7c52-3f4e-4a69-9c0d-2e5f6a7b8c9d';
const MIGRATE_URI = 'tcp://127.0.0.1:49152';

export interface MigrationJournals {
  readonly source: Journal;
  readonly destination: Journal;
}

const guestXml = (image: string) => `<domain type='qemu'>
  <name>vamig-migrated</name>
  <uuid>${MIGRATION_UUID}</uuid>
  <memory unit='MiB'>96</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${image}'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>`;

// Each libvirtd numbers its guests from 1 and both make their cgroup directories in the same tree
// (machine/qemu-ID-NAME…): a guest started and destroyed first on the source keeps the two apart.
const placeholderXml = `<domain type='qemu'><name>vamig-placeholder</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><memballoon model='none'/></devices></domain>`;

export async function runMigration(source: HostLab, destination: HostLab, say: (message: string) => void = () => {}): Promise<MigrationJournals> {
  const images = join(source.directory, 'images');
  mkdirSync(images, { recursive: true });
  chmodSync(images, 0o755);
  const image = join(images, 'migrated.qcow2');
  run('qemu-img', ['create', '-q', '-f', 'qcow2', image, '16M']);
  const seenByDestination = destination.hostPath(images);
  mkdirSync(seenByDestination, { recursive: true });
  run('mount', ['--bind', images, seenByDestination]);
  const sourceHypervisor = new Hypervisor({ uri: source.uri });
  const destinationHypervisor = new Hypervisor({ uri: destination.uri });
  await withTimeout(sourceHypervisor.connectOpen(), 30_000, 'connect to the source libvirtd');
  await withTimeout(destinationHypervisor.connectOpen(), 30_000, 'connect to the destination libvirtd');
  const journals: MigrationJournals = {
    source: { format: source.auditd.format, ...source.journalHeader(), guests: [], skipped: [] },
    destination: { format: destination.auditd.format, ...destination.journalHeader(), guests: [], skipped: [] },
  };
  try {
    const placeholder = join(source.directory, 'placeholder.xml');
    writeFileSync(placeholder, placeholderXml);
    source.virsh(['create', placeholder]);
    source.virsh(['destroy', 'vamig-placeholder']);
    const exercises = `a live migration from libvirt ${source.libvirtRelease} (host) to ${destination.libvirtRelease} (chroot, host_uuid ${DESTINATION_HOST_UUID}), TCG, over ${MIGRATE_URI}`;
    say(`migration: ${exercises}`);
    const guest = await LabGuest.define(source, sourceHypervisor, 'migrated', exercises, guestXml(image));
    journals.source.guests.push(guest.journal);
    await guest.start();
    const arrived = await guest.migrate(destination, destinationHypervisor, MIGRATE_URI);
    journals.destination.guests.push(arrived.journal);
    await arrived.destroy();
  } finally {
    await withTimeout(sourceHypervisor.connectClose(), 30_000, 'close the source connection').catch(() => {});
    await withTimeout(destinationHypervisor.connectClose(), 30_000, 'close the destination connection').catch(() => {});
    try {
      run('umount', [seenByDestination]);
      rmdirSync(seenByDestination);
      rmdirSync(destination.hostPath(source.directory));
    } catch {
      // the chroot's umount at the destination's stop takes what is left
    }
  }
  return journals;
}
