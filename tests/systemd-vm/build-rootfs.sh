#!/usr/bin/env bash
# Builds (once) the Debian 12 root file system of the systemd lane: systemd as PID 1, D-Bus for the system and
# the user managers, PAM logins, systemd-nspawn, and the kernel and initrd to boot it with. Everything comes
# from Debian's packages through mmdebstrap; nothing on the host is touched but the output directory.
# The result is cached: tests/vm/cache/systemd-rootfs.tar (plus vmlinuz and initrd.img beside it), rebuilt
# only when this script changes (its hash is stored with the cache).
#
# Usage: tests/systemd-vm/build-rootfs.sh [CACHE_DIR]     (default tests/vm/cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-$here/../vm/cache}
mkdir -p "$cache"
stamp=$(sha256sum "$0" | cut -c1-16)
if [ -f "$cache/systemd-rootfs.stamp" ] && [ "$(cat "$cache/systemd-rootfs.stamp")" = "$stamp" ] &&
   [ -f "$cache/systemd-rootfs.tar" ] && [ -f "$cache/systemd-vmlinuz" ] && [ -f "$cache/systemd-initrd.img" ]; then
  exit 0
fi
rm -f "$cache/systemd-rootfs.stamp"
packages=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,login,passwd,procps,util-linux,python3
packages+=,linux-image-amd64,initramfs-tools,systemd-container,udev,kmod
tmp=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# mmdebstrap's own tar output keeps ownership and device nodes without a chroot on disk.
mmdebstrap --quiet --variant=minbase --include="$packages" bookworm "$tmp/rootfs.tar"
# The kernel and initrd the guest boots with are its own.
mkdir "$tmp/boot"
tar -C "$tmp/boot" -xf "$tmp/rootfs.tar" --wildcards './boot/vmlinuz-*' './boot/initrd.img-*'
mv "$tmp"/boot/boot/vmlinuz-* "$cache/systemd-vmlinuz"
mv "$tmp"/boot/boot/initrd.img-* "$cache/systemd-initrd.img"
mv "$tmp/rootfs.tar" "$cache/systemd-rootfs.tar"
echo "$stamp" >"$cache/systemd-rootfs.stamp"
