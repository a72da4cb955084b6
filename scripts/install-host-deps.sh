#!/usr/bin/env bash
# Installs what virt-audit needs on a Debian 12 host: libaudit and the real audit tools (the oracle for
# tests), libvirt and QEMU (real captures and end-to-end tests; swtpm for the emulated-TPM guests; cpio
# builds the test guest's initramfs; zsh checks the completion through bashcompinit), a compiler for the node-libvirt binding (@unraid/libvirt always
# builds from source), podman with runc and debootstrap (the container fault matrix), and Node.js >= 20.19.
# Used by .ci/run, by the README's first command and by vagrant/Vagrantfile. Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || { echo "install-host-deps: run as root (sudo)" >&2; exit 1; }

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  ca-certificates git procps \
  auditd libaudit1 libaudit-dev \
  libvirt-daemon-system libvirt-clients libvirt-dev \
  qemu-system-x86 qemu-utils seabios ipxe-qemu swtpm swtpm-tools cpio gzip \
  g++ make python3 pkg-config \
  podman runc debootstrap zsh >/dev/null

node_ok() {
  command -v node >/dev/null && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'
}

if ! node_ok; then
  # Debian 12 ships Node 18; the npm registry's `node` package carries a Node 20 binary.
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  npm install -g --no-fund --no-audit node@20
  hash -r
fi
node_ok || { echo "install-host-deps: Node.js >= 20.19 is required, found $(node --version 2>/dev/null || echo none)" >&2; exit 1; }
echo "install-host-deps: $(node --version), npm $(npm --version), $(auditctl -v 2>/dev/null || echo auditd), $(libvirtd --version)"
