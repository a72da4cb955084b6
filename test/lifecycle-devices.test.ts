// Device kinds this host cannot start for real (host PCI/USB devices, TPMs, smartcards, evdev): checked
// against the format strings of libvirt 9.0's domain_audit.c.
import { describe, expect, it } from 'vitest';
import { auditHotplug, auditStart, parseDeviceXml, parseDomainXml } from '../emitter/index.js';
import { buildPayload } from '../emitter/payload.js';

const UUID = 'c7a5fdbd-cdaf-9455-926a-d65c16db1809';
const head = (resrc: string, reason = 'start') => `virt=kvm resrc=${resrc} reason=${reason} vm="demo" uuid=${UUID}`;
const domainXml = (devices: string, extra = '') =>
  `<domain type='kvm'><name>demo</name><uuid>${UUID}</uuid><memory unit='GiB'>2</memory><vcpu current='2'>4</vcpu>${extra}<os><type arch='x86_64'>hvm</type></os><devices>${devices}</devices></domain>`;
const startPayloads = (devices: string, extra = '') =>
  auditStart(parseDomainXml(domainXml(devices, extra)), { vmPid: 4242, cgroup: null, tpmEmulatorSockets: ['/run/libvirt/qemu/swtpm/1-demo-swtpm.sock'] })
    .filter((record) => record.type === 'VIRT_RESOURCE' && !['mem', 'vcpu'].includes(String(record.resrc)))
    .map((record) => buildPayload(record));

describe('auditStart for devices not in the real capture', () => {
  it('hostdevs in subsystem mode: pci, usb, scsi, scsi_host, mdev (iSCSI skipped)', () => {
    expect(startPayloads(`
      <hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>
      <hostdev mode='subsystem' type='usb'><source><address bus='1' device='5'/></source></hostdev>
      <hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>
      <hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='iqn.2014-08.com.example:storage/1'/></hostdev>
      <hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5001405df3e54061'/></hostdev>
      <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source></hostdev>`)).toEqual([
      `${head('dev')} bus=pci device="0000:01:00.0"`,
      `${head('dev')} bus=usb device="001.005"`,
      `${head('dev')} bus=scsi device="scsi_host0:0:0:0"`,
      `${head('dev')} bus=scsi_host device="naa.5001405df3e54061"`,
      `${head('dev')} bus=mdev device="53764d0e-85a0-42b4-af5c-2046b460b1dc"`,
    ]);
  });

  it('redirdevs are always device="USB redirdev", hex-encoded for its space', () => {
    expect(startPayloads(`<redirdev bus='usb' type='spicevmc'/>`)).toEqual([`${head('dev')} bus=usb device=555342207265646972646576`]);
  });

  it('smartcards: host, host-certificates (three certificates and the NSS database), passthrough over spicevmc (skipped)', () => {
    expect(startPayloads(`
      <smartcard mode='host'/>
      <smartcard mode='host-certificates'><certificate>cert1</certificate><certificate>cert2</certificate><certificate>cert3</certificate><database>/etc/pki/nssdb</database></smartcard>
      <smartcard mode='passthrough' type='spicevmc'/>`)).toEqual([
      `${head('smartcard')} old-smartcard="?" new-smartcard="nss-smartcard-device"`,
      `${head('smartcard')} old-smartcard="?" new-smartcard="cert1"`,
      `${head('smartcard')} old-smartcard="?" new-smartcard="cert2"`,
      `${head('smartcard')} old-smartcard="?" new-smartcard="cert3"`,
      `${head('smartcard')} old-smartcard="?" new-smartcard="/etc/pki/nssdb"`,
    ]);
  });

  it('TPMs: passthrough, emulator (socket chosen at run time), external', () => {
    expect(startPayloads(`
      <tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>
      <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
      <tpm model='tpm-crb'><backend type='external'><source type='unix' mode='connect' path='/run/swtpm-sock'/></backend></tpm>`)).toEqual([
      `${head('tpm')} device="/dev/tpm0"`,
      `${head('tpm-emulator')} device="/run/libvirt/qemu/swtpm/1-demo-swtpm.sock"`,
      `${head('tpm-external')} device="/run/swtpm-sock"`,
    ]);
  });

  it('shmem with a server is ivshmem-socket; evdev inputs; mouse and tablet produce nothing', () => {
    expect(startPayloads(`
      <shmem name='shmem1'><model type='ivshmem-doorbell'/><server path='/var/lib/libvirt/shmem-shmem1-sock'/></shmem>
      <input type='passthrough' bus='virtio'><source evdev='/dev/input/event3'/></input>
      <input type='evdev'><source dev='/dev/input/event4'/></input>
      <input type='tablet' bus='usb'/>`)).toEqual([
      `${head('ivshmem-socket')} path=/var/lib/libvirt/shmem-shmem1-sock`,
      `${head('evdev')} path=/dev/input/event3`,
      `${head('evdev')} path=/dev/input/event4`,
    ]);
  });

  it('skips what has no host path: network disks, tcp chardevs, builtin RNGs, a console duplicating serial 0', () => {
    expect(startPayloads(`
      <disk type='network' device='disk'><source protocol='rbd' name='pool/image'/><target dev='vda'/></disk>
      <serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/><target port='0'/></serial>
      <console type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/><target type='serial' port='0'/></console>
      <console type='pty'><source path='/dev/pts/7'/><target type='virtio' port='1'/></console>
      <rng model='virtio'><backend model='builtin'/></rng>`)).toEqual([`${head('chardev')} old-chardev="?" new-chardev="/dev/pts/7"`]);
  });

  it('NICs: a tap opens /dev/net/tun (and vhost-net for virtio where it exists), macvtap by name, user NICs nothing', () => {
    const domain = parseDomainXml(domainXml(`
      <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><model type='virtio'/></interface>
      <interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/><model type='virtio'/><driver name='qemu'/></interface>
      <interface type='direct'><mac address='52:54:00:00:00:03'/><source dev='eth0' mode='bridge'/><target dev='macvtap0'/></interface>
      <interface type='user'><mac address='52:54:00:00:00:04'/></interface>`));
    const stat = (path: string) =>
      (path === '/dev/net/tun' ? { major: 10, minor: 200, kind: 'char' as const } : path === '/dev/vhost-net' ? { major: 10, minor: 238, kind: 'char' as const } : 'missing' as const);
    const opens = auditStart(domain, { vmPid: 1, cgroup: null, stat }).filter((record) => record.reason === 'open').map((record) => buildPayload(record));
    expect(opens).toEqual([
      `${head('net', 'open')} net=52:54:00:00:00:01 path="/dev/net/tun" rdev=0A:C8`,
      `${head('net', 'open')} net=52:54:00:00:00:01 path="/dev/vhost-net" rdev=0A:EE`,
      `${head('net', 'open')} net=52:54:00:00:00:02 path="/dev/net/tun" rdev=0A:C8`,
      `${head('net', 'open')} net=52:54:00:00:00:03 path="macvtap0" rdev=?`,
    ]);
  });

  it('vcpu counts the online vCPUs; memory is total KiB; iothreads only when there are some', () => {
    const records = auditStart(parseDomainXml(domainXml('')), { vmPid: 1, cgroup: null }).map((record) => buildPayload(record));
    expect(records).toEqual([
      `${head('mem')} old-mem=0 new-mem=2097152`,
      `${head('vcpu')} old-vcpu=0 new-vcpu=2`,
      `virt=kvm op=start reason=booted vm="demo" uuid=${UUID} vm-pid=1`,
    ]);
  });

  it('LXC capabilities hostdevs on hot-plug: disk= and chardev=', () => {
    const container = parseDomainXml(`<domain type='lxc'><name>ct1</name><uuid>${UUID}</uuid><memory unit='MiB'>512</memory><os><type>exe</type></os><devices/></domain>`);
    const block = parseDeviceXml(`<hostdev mode='capabilities' type='storage'><source><block>/dev/sdb</block></source></hostdev>`).domain;
    const misc = parseDeviceXml(`<hostdev mode='capabilities' type='misc'><source><char>/dev/ttyUSB0</char></source></hostdev>`).domain;
    expect([...auditHotplug(container, block, 'attach'), ...auditHotplug(container, misc, 'detach', { success: false })].map((record) => [buildPayload(record), record.res])).toEqual([
      [`virt=lxc resrc=hostdev reason=attach vm="ct1" uuid=${UUID} disk="/dev/sdb"`, 'success'],
      [`virt=lxc resrc=hostdev reason=detach vm="ct1" uuid=${UUID} chardev="/dev/ttyUSB0"`, 'failed'],
    ]);
  });
});
