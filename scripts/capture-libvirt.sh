#!/usr/bin/env bash
# Captures real libvirt audit records: a private auditd (one RAW pass, one ENRICHED pass), virtlogd and
# libvirtd started by hand, real TCG guests, then the real auvirt / ausearch / aureport run on the logs.
# Everything started here is stopped by its pid, also on failure.
#
#   sudo bash scripts/capture-libvirt.sh OUTDIR
#
# Needs: root, a kernel with audit, auditd, libvirt-daemon-system, qemu-system-x86, qemu-utils, and no
# other auditd registered with the kernel (only one can be) and no libvirtd already running.
set -euo pipefail

OUT=${1:?usage: capture-libvirt.sh OUTDIR}
mkdir -p "$OUT/outputs" "$OUT/domains"
rm -f "$OUT"/domains/*.xml
OUT=$(cd "$OUT" && pwd)
CONNECT=qemu:///system
PREFIX=vacap
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8

say() { printf 'capture: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
virsh_() { timeout 60 virsh -q -c "$CONNECT" "$@"; }

[ "$(id -u)" = 0 ] || die "must run as root (auditd and libvirtd are started by hand)"
for tool in auditd auditctl ausearch aureport auvirt libvirtd virtlogd virsh qemu-img qemu-system-x86_64; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install auditd libvirt-daemon-system qemu-system-x86 qemu-utils)"
done
registered=$(auditctl -s | awk '$1 == "pid" { print $2 }')
[ "${registered:-0}" = 0 ] || die "an audit daemon (pid $registered) is already registered with the kernel; only one can be"
! pgrep -x libvirtd >/dev/null || die "a libvirtd is already running; stop it first"
audit_enabled_before=$(auditctl -s | awk '$1 == "enabled" { print $2 }')

# libvirt checks that /dev/kvm is usable by the qemu user; where it is 0600 root (no udev rule) that check
# contradicts its cached QEMU probe and every define re-probes QEMU (~40 s). Give it Debian's usual
# root:kvm 0660 while capturing, and put the original back on exit.
KVM_MODE_BEFORE=""
if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
  KVM_MODE_BEFORE=$(stat -c '%g %a' /dev/kvm)
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi

WORK=$(mktemp -d /tmp/virt-audit-capture.XXXXXX)
chmod 0755 "$WORK"   # qemu runs as libvirt-qemu and must reach the images
declare -a STARTED_PIDS=()

stop_pid() { # pid name: SIGTERM, wait up to 15 s, then SIGKILL
  local pid=$1 name=$2 waited=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 150 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then say "$name ($pid) ignored SIGTERM; killing"; kill -9 "$pid" 2>/dev/null || true; fi
}

remove_guests() {
  local name
  if pgrep -x libvirtd >/dev/null; then
    for name in $(virsh -q -c "$CONNECT" list --all --name 2>/dev/null | grep "^$PREFIX" || true); do
      virsh_ destroy "$name" >/dev/null 2>&1 || true
      virsh_ undefine "$name" --managed-save >/dev/null 2>&1 || true
    done
  fi
}

# Stops what this script started: guests first (with audit off, so no stray record is held in the
# kernel's backlog for the next auditd), then the daemons, newest first, each by its pid.
stop_started() {
  auditctl -e 0 >/dev/null 2>&1 || true
  remove_guests
  local index
  for ((index = ${#STARTED_PIDS[@]} - 1; index >= 0; index--)); do
    stop_pid "${STARTED_PIDS[$index]%%:*}" "${STARTED_PIDS[$index]#*:}"
  done
  STARTED_PIDS=()
}

cleanup() {
  set +e
  stop_started
  auditctl -e "${audit_enabled_before:-0}" >/dev/null 2>&1
  if [ -n "$KVM_MODE_BEFORE" ]; then chgrp "${KVM_MODE_BEFORE% *}" /dev/kvm; chmod "${KVM_MODE_BEFORE#* }" /dev/kvm; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { # seconds description command...
  local limit=$1 what=$2; shift 2
  local tries=$((limit * 10))
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1)); [ $tries -gt 0 ] || die "timed out waiting for $what"
    sleep 0.1
  done
}

auditd_registered() { [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = "$1" ]; }

start_auditd() { # format dir
  local format=$1 dir=$2
  mkdir -p "$dir/etc" "$dir/log"
  cat >"$dir/etc/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $dir/log/audit.log
log_format = $format
flush = INCREMENTAL_ASYNC
freq = 20
max_log_file = 100
num_logs = 2
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
name_format = NONE
end_of_event_timeout = 2
EOF
  chmod 0640 "$dir/etc/auditd.conf"
  auditd -n -c "$dir/etc" -s enable >"$dir/auditd.out" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid:auditd")
  wait_for 10 "auditd to register" auditd_registered "$pid"
  AUDITD_PID=$pid
}

start_libvirt() { # dir
  local dir=$1
  virtlogd -d -p "$dir/virtlogd.pid"
  wait_for 10 "virtlogd pid file" test -s "$dir/virtlogd.pid"
  STARTED_PIDS+=("$(cat "$dir/virtlogd.pid"):virtlogd")
  libvirtd -d -p "$dir/libvirtd.pid"
  wait_for 10 "libvirtd pid file" test -s "$dir/libvirtd.pid"
  STARTED_PIDS+=("$(cat "$dir/libvirtd.pid"):libvirtd")
  wait_for 30 "libvirtd to answer" virsh -c "$CONNECT" version
}

domain_xml() { # name uuid disk-path extra-devices
  cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$3'/><target dev='vda' bus='virtio'/></disk>
    <controller type='usb' model='qemu-xhci'/>
    <interface type='user'><mac address='52:54:00:ac:00:$(printf %02x $((RANDOM % 256)))'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
    $4
  </devices>
</domain>
EOF
}

# The live XML of a guest after a step, with the values libvirt chose at run time (pty paths, MACs,
# labels), for tests that rebuild libvirt's records from the definition.
dump_live() { # guest step
  virsh_ dumpxml "$1" >"$OUT/domains/$PASS.$(printf %02d "$STEP").$2.xml"
  STEP=$((STEP + 1))
}

run_scenario() { # dir
  local dir=$1 images=$1/images
  STEP=1
  mkdir -p "$images" && chmod 0755 "$dir" "$images"
  qemu-img create -q -f qcow2 "$images/basic.qcow2" 32M
  qemu-img create -q -f qcow2 "$images/guest disk ü.qcow2" 32M
  qemu-img create -q -f qcow2 "$images/running.qcow2" 32M
  qemu-img create -q -f qcow2 "$images/hot plug.qcow2" 16M

  say "guest 1: disk, user NIC, virtio-rng, serial pty + file, hot-attached and detached USB disk, vcpu hot-add, destroy"
  domain_xml "$PREFIX-basic" 7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01 "$images/basic.qcow2" \
    "<serial type='file'><source path='$dir/serial1.log'/><target port='1'/></serial>" >"$dir/basic.xml"
  virsh_ define "$dir/basic.xml" >/dev/null
  virsh_ start "$PREFIX-basic" >/dev/null
  dump_live "$PREFIX-basic" basic-started
  cat >"$dir/hot.xml" <<EOF
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$images/hot plug.qcow2'/><target dev='sdb' bus='usb'/></disk>
EOF
  virsh_ attach-device "$PREFIX-basic" "$dir/hot.xml" --live >/dev/null
  dump_live "$PREFIX-basic" basic-disk-attached
  virsh_ detach-device "$PREFIX-basic" "$dir/hot.xml" --live >/dev/null
  virsh_ setvcpus "$PREFIX-basic" 2 --live >/dev/null 2>&1 || say "live vcpu hot-add not supported here; skipped"
  dump_live "$PREFIX-basic" basic-vcpus-set
  virsh_ destroy "$PREFIX-basic" >/dev/null

  say "guest 2: a name with a space and UTF-8 (hex-encoded vm=), save, restore, destroy"
  domain_xml "$PREFIX guest ü" 7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d02 "$images/guest disk ü.qcow2" "" >"$dir/utf8.xml"
  virsh_ define "$dir/utf8.xml" >/dev/null
  virsh_ start "$PREFIX guest ü" >/dev/null
  dump_live "$PREFIX guest ü" utf8-started
  virsh_ save "$PREFIX guest ü" "$dir/utf8.save" >/dev/null
  virsh_ restore "$dir/utf8.save" >/dev/null
  dump_live "$PREFIX guest ü" utf8-restored
  virsh_ destroy "$PREFIX guest ü" >/dev/null

  say "guest 3: a failing start (its disk image does not exist)"
  domain_xml "$PREFIX-broken" 7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d03 "$images/missing.qcow2" "" >"$dir/broken.xml"
  virsh_ define "$dir/broken.xml" >/dev/null
  dump_live "$PREFIX-broken" broken-defined
  if virsh_ start "$PREFIX-broken" >/dev/null 2>&1; then die "$PREFIX-broken started although its disk is missing"; fi

  say "guest 4: started and still running when the capture ends"
  domain_xml "$PREFIX-running" 7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d04 "$images/running.qcow2" "" >"$dir/running.xml"
  virsh_ define "$dir/running.xml" >/dev/null
  virsh_ start "$PREFIX-running" >/dev/null
  dump_live "$PREFIX-running" running-started

  say "guest 5: ACPI, 9p filesystem, iothreads, ivshmem, unix channel, parallel port; hot-plugged NIC, RNG, memory"
  mkdir -p "$dir/share" && chmod 0755 "$dir/share"
  qemu-img create -q -f qcow2 "$images/devices.qcow2" 32M
  cat >"$dir/devices.xml" <<XML
<domain type='qemu'>
  <name>$PREFIX-devices</name>
  <uuid>7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d05</uuid>
  <maxMemory slots='2' unit='MiB'>512</maxMemory>
  <memory unit='MiB'>128</memory>
  <vcpu placement='static'>1</vcpu>
  <iothreads>2</iothreads>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/><apic/></features>
  <cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$images/devices.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <filesystem type='mount' accessmode='mapped'><source dir='$dir/share'/><target dir='share'/></filesystem>
    <controller type='usb' model='qemu-xhci'/>
    <channel type='unix'><source mode='bind' path='$dir/agent.sock'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <parallel type='file'><source path='$dir/parallel.log'/></parallel>
    <shmem name='vacap-shm0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
    <memballoon model='none'/>
  </devices>
</domain>
XML
  virsh_ define "$dir/devices.xml" >/dev/null
  virsh_ start "$PREFIX-devices" >/dev/null
  dump_live "$PREFIX-devices" devices-started
  printf "%s\n" "<interface type='user'><mac address='52:54:00:ac:10:01'/><model type='virtio'/></interface>" >"$dir/nic.xml"
  printf "%s\n" "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>" >"$dir/rng.xml"
  printf "%s\n" "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>" >"$dir/dimm.xml"
  local device
  for device in nic rng dimm; do
    if virsh_ attach-device "$PREFIX-devices" "$dir/$device.xml" --live >/dev/null 2>"$dir/$device.err"; then
      dump_live "$PREFIX-devices" "devices-$device-attached"
    else
      say "hot-plug of $device failed: $(tail -1 "$dir/$device.err")"
    fi
  done
  virsh_ destroy "$PREFIX-devices" >/dev/null

  say "guest 6: a libvirt-managed tap NIC (resrc=net reason=open for /dev/net/tun), if this host allows it"
  qemu-img create -q -f qcow2 "$images/tap.qcow2" 32M
  domain_xml "$PREFIX-tap" 7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d06 "$images/tap.qcow2" \
    "<interface type='ethernet'><mac address='52:54:00:ac:20:01'/><target dev='vacaptap0' managed='yes'/><model type='virtio'/></interface>" \
    >"$dir/tap.xml"
  virsh_ define "$dir/tap.xml" >/dev/null
  if virsh_ start "$PREFIX-tap" >/dev/null 2>"$dir/tap.err"; then
    dump_live "$PREFIX-tap" tap-started
    virsh_ destroy "$PREFIX-tap" >/dev/null
  else
    say "tap NIC guest did not start, skipped: $(tail -1 "$dir/tap.err")"
  fi
  sleep 1
}

capture_pass() { # format output-name
  local format=$1 name=$2 dir
  PASS=$(printf %s "$format" | tr 'A-Z' 'a-z')
  dir=$(mktemp -d "$WORK/$format.XXXX")
  say "pass $format: starting auditd, virtlogd, libvirtd"
  start_auditd "$format" "$dir"
  start_libvirt "$dir"
  run_scenario "$dir"
  say "pass $format: stopping auditd ($AUDITD_PID) with a guest still running"
  sleep 1
  stop_pid "$AUDITD_PID" auditd
  stop_started
  cp "$dir/log/audit.log" "$OUT/$name"
  chmod 0644 "$OUT/$name"
  say "pass $format: $(wc -l <"$OUT/$name") lines, $(grep -c 'type=VIRT_' "$OUT/$name") VIRT records → $OUT/$name"
}

real_tool_outputs() { # log-file
  local log=$1 base stem
  base=$(basename "$log" .log)
  stem="$OUT/outputs/$base"
  auvirt --file "$log" >"$stem.auvirt.txt"
  auvirt --file "$log" --all-events >"$stem.auvirt-all-events.txt"
  auvirt --file "$log" --all-events --proof --show-uuid >"$stem.auvirt-all-events-proof-uuid.txt"
  auvirt --file "$log" --summary >"$stem.auvirt-summary.txt"
  ausearch --input "$log" --raw -m VIRT_CONTROL,VIRT_RESOURCE,VIRT_MACHINE_ID >"$stem.ausearch-virt-raw.txt" || true
  ausearch --input "$log" -i -m VIRT_CONTROL,VIRT_RESOURCE,VIRT_MACHINE_ID >"$stem.ausearch-virt-interpreted.txt" || true
  ausearch --input "$log" --raw -uu 7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01 >"$stem.ausearch-uu-basic.txt" || true
  ausearch --input "$log" --raw -vm "$PREFIX guest ü" >"$stem.ausearch-vm-utf8.txt" || true
  aureport --input "$log" --virt >"$stem.aureport-virt.txt" || true
  aureport --input "$log" --virt --summary >"$stem.aureport-virt-summary.txt" || true
  aureport --input "$log" --virt -i >"$stem.aureport-virt-interpreted.txt" || true
}

capture_pass RAW libvirt-capture.raw.log
capture_pass ENRICHED libvirt-capture.enriched.log
for log in "$OUT/libvirt-capture.raw.log" "$OUT/libvirt-capture.enriched.log"; do real_tool_outputs "$log"; done
{
  echo "# Produced by scripts/capture-libvirt.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "libvirt: $(libvirtd --version)"
  echo "qemu: $(qemu-system-x86_64 --version | head -1)"
  echo "auditd: $(dpkg-query -W -f '${Version}' auditd 2>/dev/null || auditd -v 2>&1 | head -1)"
  echo "kernel: $(uname -r)"
  echo "tools run with TZ=$TZ LANG=$LANG"
} >"$OUT/outputs/CAPTURE-INFO.txt"
say "done: $OUT"
