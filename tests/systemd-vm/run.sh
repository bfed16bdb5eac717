#!/usr/bin/env bash
# The systemd lane: reins on a real systemd-booted Debian 12 (systemd 252 as PID 1, pure cgroup v2, kernel 6.1)
# under qemu, checked through what users do there: real PAM logins on two serial consoles (root, and an
# ordinary user with her user@1000.service), a service without Delegate=, scopes with bash beside reins, the
# user's own manager, unshare and systemd-nspawn. The guest's scripts are tests/systemd-vm/guest/*.sh.
#
# Usage: tests/systemd-vm/run.sh [--bench]   (scripts/test.sh runs it; needs root, qemu and mmdebstrap)
#   --bench  also time the systemd path against systemd-run --scope, as root and as the user (guest/bench.py);
#            the table rows are printed and kept in build/release/systemd-vm/results/bench-*.md
# Prints each check's PASS/FAIL line and ends with "vm-systemd: N passed, N failed, N skipped (T s)"; exit
# status 0 only if every check passed. The rootfs is built once from Debian's packages and cached in
# tests/vm/cache (build-rootfs.sh); the image, the consoles' logs and the results are in
# build/release/systemd-vm. Environment: REINS_SYSTEMD_VM_TIMEOUT (seconds, default 1500).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
bench=0
for a in "$@"; do
  case "$a" in
    --bench) bench=1 ;;
    *) echo "systemd-vm: unknown argument '$a' (valid: --bench)" >&2; exit 2 ;;
  esac
done
root=$(pwd)
start=$(date +%s)
work=$root/build/release/systemd-vm
say() { echo "systemd-vm: $*"; }
finish() {  # PASSED FAILED SKIPPED
  echo "vm-systemd: $1 passed, $2 failed, $3 skipped ($(($(date +%s) - start)) s)"
  [ "$2" = 0 ] && [ "$1" -gt 0 ]
  exit $?
}

bash scripts/setup-debian.sh --vm >/dev/null || { say "scripts/setup-debian.sh --vm failed"; finish 0 1 0; }
tests/systemd-vm/build-rootfs.sh || { say "building the Debian rootfs failed"; finish 0 1 0; }
cache=tests/vm/cache
# What users install: the release build's static reins, its systemd helper, and the library check.
cmake --preset release >/dev/null &&
  cmake --build --preset release -j2 --target reins-cli reins-systemd-scope reins-systemd-job-check >/dev/null ||
  { say "building the release preset failed"; finish 0 1 0; }
bin=build/release

rm -rf "$work"
mkdir -p "$work/root" "$work/results"
tar -C "$work/root" -xf "$cache/systemd-rootfs.tar" || { say "unpacking the rootfs failed"; finish 0 1 0; }
R=$work/root
# Accounts: root and alice (uid 1000), both without a password, for the autologins.
chroot "$R" useradd -m -u 1000 -s /bin/bash alice
chroot "$R" passwd -qd root >/dev/null
chroot "$R" passwd -qd alice >/dev/null
echo "/dev/vda / ext4 rw 0 1" >"$R/etc/fstab"
echo reins-guest >"$R/etc/hostname"
# Autologin on both serial consoles: a real login through PAM (pam_systemd), as on any terminal.
for tty_user in ttyS0:root ttyS1:alice; do
  tty=${tty_user%%:*} user=${tty_user##*:}
  mkdir -p "$R/etc/systemd/system/serial-getty@$tty.service.d" "$R/etc/systemd/system/getty.target.wants"
  cat >"$R/etc/systemd/system/serial-getty@$tty.service.d/autologin.conf" <<UNIT
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin $user --noclear --keep-baud 115200,57600,38400,9600 %I \$TERM
UNIT
  ln -sf /lib/systemd/system/serial-getty@.service "$R/etc/systemd/system/getty.target.wants/serial-getty@$tty.service"
done
# Each login starts its part once per boot.
echo '[ "$(tty)" = /dev/ttyS0 ] && [ ! -e /results/.root-started ] && touch /results/.root-started && /opt/reins/root-session.sh' \
  >>"$R/root/.profile"
echo '[ "$(tty)" = /dev/ttyS1 ] && [ ! -e /results/.user-started ] && touch /results/.user-started && /opt/reins/user-session.sh' \
  >>"$R/home/alice/.profile"
# A plain service (no Delegate=), started by root's part.
cat >"$R/etc/systemd/system/reins-check.service" <<'UNIT'
[Unit]
Description=reins checks from a service without Delegate=
[Service]
Type=oneshot
ExecStart=/opt/reins/checks.sh root-service
UNIT
mkdir -p "$R/opt/reins" "$R/results"
chmod 1777 "$R/results"
cp tests/systemd-vm/guest/*.sh "$R/opt/reins/"
cp "$bin/cli/reins" "$bin/cli/reins-systemd-scope" "$R/opt/reins/"
cp "$bin/tests/reins-systemd-job-check" "$R/opt/reins/job-check"
cp tests/systemd-vm/guest/bench.py "$R/opt/reins/"
if [ "$bench" = 1 ]; then
  touch "$R/opt/reins/bench-on"
  # The dev build's reins (dynamic, sd-bus in-process), for comparison with the static one and its helper.
  cmake --preset dev >/dev/null && cmake --build --preset dev --target reins-cli >/dev/null &&
    cp build/dev/cli/reins "$R/opt/reins/reins-dynamic"
fi
# A container tree for systemd-nspawn: busybox and the static reins.
mkdir -p "$R/srv/ct/bin" "$R/srv/ct/etc" "$R/srv/ct/usr"
cp /bin/busybox "$R/srv/ct/bin/busybox"
ln -s busybox "$R/srv/ct/bin/sh"
cp "$bin/cli/reins" "$R/srv/ct/reins"
echo "ID=busybox" >"$R/srv/ct/etc/os-release"

say "making the disk image"
truncate -s 3G "$work/disk.img"
mkfs.ext4 -q -F -d "$R" "$work/disk.img" || { say "mkfs.ext4 -d failed"; finish 0 1 0; }
rm -rf "$R"

say "booting (systemd as PID 1, TCG; the checks run from the logins)"
timeout "${REINS_SYSTEMD_VM_TIMEOUT:-1500}" qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu max -smp 2 \
  -m 2048 -nographic -monitor none -nic none -no-reboot \
  -kernel "$cache/systemd-vmlinuz" -initrd "$cache/systemd-initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 quiet systemd.show_status=0" \
  -drive "file=$work/disk.img,format=raw,if=virtio" \
  -serial "file:$work/ttyS0.log" -serial "file:$work/ttyS1.log" >"$work/qemu.log" 2>&1
qemu_rc=$?
[ "$qemu_rc" = 0 ] || say "qemu ended with status $qemu_rc (124: the guest did not power off in time); logs in $work"

rm -rf "$work/results"
debugfs -R "rdump /results $work" "$work/disk.img" >/dev/null 2>&1
results=$(cat "$work"/results/*.log 2>/dev/null)
echo "$results"
if [ "$bench" = 1 ]; then
  echo "| who | reins run -m 1G (systemd scope) | systemd-run --scope -p MemoryMax=1G | same, -p Delegate=yes | reins / peer | dynamic reins (in-process sd-bus) |"
  echo "|---|---|---|---|---|---|"
  cat "$work"/results/bench-*.md 2>/dev/null
fi
passed=$(grep -c '^PASS ' <<<"$results")
failed=$(grep -c '^FAIL ' <<<"$results")
skipped=$(grep -c '^SKIP ' <<<"$results")
# Every context must have reported: a part that never ran is a failure, not a smaller total.
for ctx in root-login root-scope-bash root-service namespaces user-login user-scope-bash; do
  [ -s "$work/results/$ctx.log" ] || { echo "FAIL $ctx: no results (see $work/ttyS0.log, ttyS1.log)"; failed=$((failed + 1)); }
done
[ "$qemu_rc" = 0 ] || failed=$((failed + 1))
finish "$passed" "$failed" "$skipped"
