#!/usr/bin/env bash
# A Debian 13 (trixie) chroot with a newer libvirt for the capture lab: libvirt 11.3 from trixie, 12.9
# from trixie-backports. Its libvirtd runs chrooted and writes into the host's (private) auditd through
# the same kernel; its records say exe="/usr/sbin/libvirtd" like the host's, so the lab tells the two
# apart by pid=.
#
#   bash scripts/libvirt-chroot.sh build 11.3|12.9     build (idempotent) and print the chroot's path
#   bash scripts/libvirt-chroot.sh path 11.3|12.9      print the path (exit 1 when it is not built)
#   bash scripts/libvirt-chroot.sh mount 11.3|12.9     bind /dev, /dev/pts, /dev/shm, /proc, rbind /sys, tmpfs /run
#   bash scripts/libvirt-chroot.sh umount 11.3|12.9    undo every mount under the chroot, innermost first
#
# The cache directory is $VIRT_AUDIT_CHROOT_CACHE (default /var/cache/virt-audit). Needs root,
# debootstrap and Debian's archive. libvirt is installed with apt-get inside the chroot, not with
# debootstrap's --include (its dependency resolution breaks on systemd).
set -euo pipefail
CACHE=${VIRT_AUDIT_CHROOT_CACHE:-/var/cache/virt-audit}
MIRROR=${VIRT_AUDIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
action=${1:?usage: libvirt-chroot.sh build|path|mount|umount 11.3|12.9}
version=${2:?usage: libvirt-chroot.sh build|path|mount|umount 11.3|12.9}
case "$version" in
  11.3) suite=trixie; target=trixie ;;
  12.9) suite=trixie; target=trixie-backports ;;
  *) echo "libvirt-chroot: no chroot recipe for libvirt $version (11.3 or 12.9)" >&2; exit 2 ;;
esac
DIR=$CACHE/trixie-$version
STAMP=$DIR/.virt-audit-ready
# What libvirtd needs besides itself: QEMU, qemu-img for images, swtpm for emulated TPMs, the ACL tools
# libvirt's DAC driver calls, and the user/group QEMU runs as (created with the host's ids below).
PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils swtpm swtpm-tools dnsmasq-base iproute2 procps)

mounted() { awk -v dir="$1" '$5 == dir || index($5, dir "/") == 1 { print $5 }' /proc/self/mountinfo; }

do_umount() {
  # Innermost first; rbind'ed /sys brings its submounts, lazily detached with it.
  local point
  while read -r point; do
    [ -n "$point" ] || continue
    umount "$point" 2>/dev/null || umount -l "$point"
  done < <(mounted "$DIR" | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-)
}

do_mount() {
  [ -f "$STAMP" ] || { echo "libvirt-chroot: $DIR is not built (run: $0 build $version)" >&2; exit 1; }
  mountpoint -q "$DIR/dev" || mount --bind /dev "$DIR/dev"
  mountpoint -q "$DIR/dev/pts" || mount --bind /dev/pts "$DIR/dev/pts"
  # ivshmem and shared memory backends live in /dev/shm, a mount of its own on the host.
  mountpoint -q "$DIR/dev/shm" || mount --bind /dev/shm "$DIR/dev/shm"
  mountpoint -q "$DIR/proc" || mount -t proc proc "$DIR/proc"
  mountpoint -q "$DIR/sys" || { mount --rbind /sys "$DIR/sys"; mount --make-rslave "$DIR/sys"; }
  mountpoint -q "$DIR/run" || mount -t tmpfs -o mode=0755 tmpfs "$DIR/run"
}

in_chroot() { chroot "$DIR" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

do_build() {
  [ -f "$STAMP" ] && { echo "$DIR"; return; }
  mkdir -p "$CACHE"
  if [ ! -x "$DIR/usr/bin/apt-get" ]; then
    rm -rf "$DIR.tmp"
    debootstrap --variant=minbase "$suite" "$DIR.tmp" "$MIRROR" >&2
    mv "$DIR.tmp" "$DIR"
  fi
  trap do_umount EXIT
  do_mount_build
  printf 'deb %s %s main\n' "$MIRROR" "$suite" >"$DIR/etc/apt/sources.list"
  [ "$target" = trixie-backports ] && printf 'deb %s trixie-backports main\n' "$MIRROR" >>"$DIR/etc/apt/sources.list"
  # No daemon is started by a package's maintainer scripts.
  printf '#!/bin/sh\nexit 101\n' >"$DIR/usr/sbin/policy-rc.d"
  chmod 0755 "$DIR/usr/sbin/policy-rc.d"
  # QEMU runs as libvirt-qemu:kvm with the host's ids, so the DAC labels read as on the host.
  local kvm_gid qemu_uid qemu_gid
  kvm_gid=$(getent group kvm | cut -d: -f3); qemu_uid=$(id -u libvirt-qemu); qemu_gid=$(getent group libvirt-qemu | cut -d: -f3)
  in_chroot sh -c "getent group kvm >/dev/null || groupadd -g $kvm_gid kvm
    getent group libvirt-qemu >/dev/null || groupadd -g $qemu_gid libvirt-qemu
    id libvirt-qemu >/dev/null 2>&1 || useradd -r -u $qemu_uid -g kvm -G libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
    getent group libvirt >/dev/null || groupadd -r libvirt" >&2
  in_chroot apt-get update -q >&2
  in_chroot apt-get install -y -q --no-install-recommends -t "$target" "${PACKAGES[@]}" >&2
  # The chroot's root is no mount point: QEMU processes get no private /dev namespace.
  printf '\n# virt-audit capture lab\nnamespaces = [ ]\n' >>"$DIR/etc/libvirt/qemu.conf"
  in_chroot apt-get clean
  in_chroot /usr/sbin/libvirtd --version >&2
  do_umount
  trap - EXIT
  touch "$STAMP"
  echo "$DIR"
}

# For apt-get: /dev, /proc and /sys, no tmpfs on /run (packages write there while installing).
do_mount_build() {
  mountpoint -q "$DIR/dev" || mount --bind /dev "$DIR/dev"
  mountpoint -q "$DIR/dev/pts" || mount --bind /dev/pts "$DIR/dev/pts"
  mountpoint -q "$DIR/proc" || mount -t proc proc "$DIR/proc"
  mountpoint -q "$DIR/sys" || { mount --rbind /sys "$DIR/sys"; mount --make-rslave "$DIR/sys"; }
}

case "$action" in
  build) do_build ;;
  path) [ -f "$STAMP" ] || exit 1; echo "$DIR" ;;
  mount) do_mount ;;
  umount) do_umount ;;
  *) echo "libvirt-chroot: unknown action $action" >&2; exit 2 ;;
esac
