#!/usr/bin/env bash
# Builds the small guest the end-to-end suite boots under TCG: Debian's kernel and a busybox initramfs
# whose init powers the guest off when the ACPI power button is pressed (so `shutdown` is a real guest
# shutdown) and otherwise idles. Nothing is installed: the .debs are downloaded and unpacked.
#
#   bash scripts/build-test-guest.sh OUTDIR     → OUTDIR/vmlinuz, OUTDIR/initrd.gz
#
# Needs: apt-get (Debian's archive), dpkg-deb, cpio, gzip. Re-running with both files present does nothing.
set -euo pipefail
OUT=${1:?usage: build-test-guest.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ] && exit 0

WORK=$(mktemp -d /tmp/virt-audit-guest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
kernel_package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kernel_package" ] || { echo "build-test-guest: no linux-image package found (apt-get update?)" >&2; exit 1; }
chown _apt "$WORK" 2>/dev/null || true
timeout 600 apt-get download -q "$kernel_package" busybox-static >/dev/null
dpkg-deb -x linux-image-*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox

root=$WORK/root
mkdir -p "$root"/{bin,dev,proc,sys,lib}
cp busybox/bin/busybox "$root/bin/busybox"
for module in drivers/input/evdev.ko drivers/acpi/button.ko; do
  cp "$(find kernel/lib/modules -path "*/kernel/$module" | head -1)" "$root/lib/"
done
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
insmod /lib/evdev.ko
insmod /lib/button.ko
# The power button's input devices appear once the ACPI button driver has bound (a fixed-feature one and
# a PNP0C0C one, depending on the machine); wait for them, then power off on the first event of any.
# "ready" is printed only when the listeners run.
listen() {
  while ! dd if="$1" bs=24 count=1 of=/dev/null 2>/dev/null; do sleep 1; done
  echo 'virt-audit test guest: power button, powering off'
  poweroff -f
}
for attempt in $(seq 1 100); do
  found=0
  for device in /sys/class/input/event*; do
    node=/dev/input/$(basename "$device")
    if grep -q 'Power Button' "$device/device/name" 2>/dev/null && [ -c "$node" ]; then
      listen "$node" &
      found=1
    fi
  done
  if [ $found = 1 ]; then
    sleep 1
    echo 'virt-audit test guest: ready'
    while :; do sleep 3600; done
  fi
  sleep 0.1
done
echo 'virt-audit test guest: no power button device'
while :; do sleep 3600; done
INIT
chmod 0755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 >"$OUT/initrd.gz.tmp"
cp kernel/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
chmod 0644 "$OUT/vmlinuz" "$OUT/initrd.gz"
