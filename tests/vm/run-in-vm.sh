#!/usr/bin/env bash
# Runs one program inside a throw-away VM: Debian's packaged kernel under qemu, an initramfs made on the fly
# (busybox, the program, its shared libraries, the --file extras), and the cgroup layout asked for.
# See tests/vm/README.md. Nothing on the host's cgroups or mounts is touched; the VM has its own kernel.
#
# Usage: tests/vm/run-in-vm.sh [options] [--] PROGRAM [ARGS...]
#   --layout v2|v1|hybrid  cgroup layout in the guest (default v2); see guest-init.sh
#   --file PATH            also copy PATH (file or directory) into the guest at the same path; ELF files bring
#                          their shared libraries (ldd). Repeatable. PROGRAM itself is copied the same way.
#   --append ARGS          extra kernel command line (e.g. cgroup_disable=memory)
#   --module 'NAME ARGS'   load kernel module NAME (with its dependencies) before the program; repeatable;
#                          default: 'brd rd_nr=1 rd_size=65536' (a 64 MiB /dev/ram0 for io.max), if present
#   --no-modules           load no kernel module
#   --swap MIB             give the guest a zram swap device of MIB (default: no swap, like the host)
#   --timeout SECONDS      a guest still running then is killed and the run fails (default 600)
#   --gtest-each           PROGRAM is a GoogleTest binary: run each of its tests (after any --gtest_filter among
#                          ARGS) in its own process, as ctest does on the host, printing one "vm-test:" line each
#   --logs DIR             keep the guest's output (DIR/output.log) and kernel log (DIR/kernel.log)
#   --mem MIB, --smp N     guest memory and vCPUs (default 1024 and 2)
# PROGRAM with a '/' is a host file copied into the guest at the same absolute path (tests find their helper
# binaries by compile-time absolute paths); without one it is a command of the guest (a busybox applet).
# Environment: REINS_VM_KERNEL (default: newest /boot/vmlinuz-*), REINS_VM_ACCEL (tcg|kvm; default kvm only
# if the CPU has vmx/svm and /dev/kvm is writable), REINS_VM_CACHE (default tests/vm/cache: the extracted vmlinux).
#
# Exit status: PROGRAM's own (128+N if killed by signal N); 250 if the guest never reported one (boot failure,
# kernel panic, timeout); 251 for a usage or setup error; 253 if PROGRAM succeeded but left a process or a
# cgroup behind in its service cgroup (listed as "vm-init: LEAK:" lines).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "run-in-vm: $*" >&2; exit 251; }

layout=v2 append="" timeout_s=600 logs="" mem=1024 smp=2 files=() modules=() default_modules=1 gtest_each=0 swap_mib=0
while [ $# -gt 0 ]; do
  case "$1" in
    --layout) layout=$2; shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --append) append="$append $2"; shift 2 ;;
    --module) modules+=("$2"); default_modules=0; shift 2 ;;
    --no-modules) default_modules=0; shift ;;
    --swap) swap_mib=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --gtest-each) gtest_each=1; shift ;;
    --logs) logs=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --) shift; break ;;
    -*) die "unknown option '$1' (see the header of $0)" ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || die "no PROGRAM given (usage: run-in-vm.sh [--layout v2|v1|hybrid] [options] -- PROGRAM [ARGS...])"
case "$layout" in v2 | v1 | hybrid) ;; *) die "unknown layout '$layout' (valid: v2, v1, hybrid)" ;; esac
[ "$default_modules" = 1 ] && modules=("brd rd_nr=1 rd_size=65536")

kernel=${REINS_VM_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
[ -r "$kernel" ] || die "no kernel image (install linux-image-amd64: scripts/setup-debian.sh --vm)"
kver=${kernel##*/vmlinuz-}
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/setup-debian.sh --vm)"
busybox=$(command -v busybox) || die "busybox missing (scripts/setup-debian.sh --vm)"
cache=${REINS_VM_CACHE:-$here/cache}
mkdir -p "$cache"

work=$(mktemp -d /tmp/reins-vm.XXXXXX)
qemu_pid=""
cleanup() { [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
stage=$work/root

# The uncompressed vmlinux boots through its PVH entry point: no real-mode setup and no xz decompression
# inside the guest, which under TCG saves about 3 s per boot. Falls back to the bzImage if there is no note.
pvh_kernel() {
  local out
  out=$cache/vmlinux-$kver-$(stat -c %Y "$kernel")
  if [ ! -s "$out" ]; then
    local off tmp
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -1 | cut -d: -f1) || true
    [ -n "$off" ] || return 1
    tmp=$(mktemp "$out.XXXXXX")  # concurrent runs each write their own, then rename atomically
    tail -c +$((off + 1)) "$kernel" | xz -dcq >"$tmp" 2>/dev/null || true  # trailing data is expected
    mv "$tmp" "$out"
  fi
  readelf -n "$out" 2>/dev/null | grep -qE 'Xen.*(0x00000012|PHYS32_ENTRY)' || return 1
  echo "$out"
}

# Copies a host file into the stage at the same path; an ELF file also brings what ldd lists.
add_path() {
  local src=$1
  [ -e "$src" ] || die "'$src' does not exist"
  if [ -d "$src" ]; then
    mkdir -p "$stage$(dirname "$src")" && cp -a "$src" "$stage$(dirname "$src")/"
    return
  fi
  [ -e "$stage$src" ] && return
  mkdir -p "$stage$(dirname "$src")" && cp -L "$src" "$stage$src"
  [ "$(head -c4 "$src" | tr -d '\0')" = $'\x7fELF' ] || return 0
  local libs
  libs=$(ldd "$src" 2>/dev/null) || return 0  # static
  if grep -q 'not found' <<<"$libs"; then die "libraries of $src not found: $(grep 'not found' <<<"$libs")"; fi
  for lib in $(sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\s*\(\/[^ ]*\) (.*/\1/p' <<<"$libs"); do
    add_path "$lib"
  done
}

# Writes the insmod lines for a module and its dependencies (deepest first), copying the .ko files.
add_module() {
  local name=$1 args=$2 moddir=/lib/modules/$kver line
  line=$(grep -E "(^|/)$name\.ko(\.xz|\.zst)?:" "$moddir/modules.dep" 2>/dev/null) || {
    echo "say 'NOTE: kernel $kver has no module $name'" >>"$stage/vm/modules.sh"
    return
  }
  local deps ko i
  read -ra deps <<<"${line#*:}"
  for ((i = ${#deps[@]} - 1; i >= -1; i--)); do
    if [ "$i" -ge 0 ]; then ko=${deps[$i]}; else ko=${line%%:*}; fi
    local base=${ko##*/} ko_args=""
    base=${base%.xz} base=${base%.zst}
    [ -e "$stage/vm/modules/$base" ] && continue
    case "$ko" in
      *.xz) xz -dc "$moddir/$ko" >"$stage/vm/modules/$base" ;;
      *.zst) zstd -qdc "$moddir/$ko" >"$stage/vm/modules/$base" ;;
      *) cp "$moddir/$ko" "$stage/vm/modules/$base" ;;
    esac
    [ "$i" -lt 0 ] && ko_args=$args
    echo "insmod /vm/modules/$base $ko_args || say 'WARNING: insmod $base failed'" >>"$stage/vm/modules.sh"
  done
}

quote() { local a out=""; for a in "$@"; do out+=" '${a//\'/\'\\\'\'}'"; done; echo "$out"; }

# --- the initramfs ---
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,vm/modules}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do [ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"; done
cp "$here/guest-init.sh" "$stage/init" && chmod 755 "$stage/init"
echo reins-vm >"$stage/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"
program=$1; shift
if [[ "$program" == */* ]]; then
  program=$(cd "$(dirname "$program")" && pwd)/$(basename "$program")
  add_path "$program"
fi
for f in ${files[@]+"${files[@]}"}; do add_path "$(realpath -s "$f")"; done
: >"$stage/vm/modules.sh"
[ "$swap_mib" != 0 ] && modules+=("zram num_devices=1")
for m in ${modules[@]+"${modules[@]}"}; do add_module "${m%% *}" "$([[ "$m" == *' '* ]] && echo "${m#* }")"; done
marker=REINS-VM-DONE-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
printf 'LAYOUT=%s\nMARKER=%s\nGTEST_EACH=%s\nSWAP_MIB=%s\n' "$layout" "$marker" "$gtest_each" "$swap_mib" \
  >"$stage/vm/config"
echo "set --$(quote "$program" "$@")" >"$stage/vm/command"
# Uncompressed: the guest unpacks it faster than it would gunzip it under emulation.
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$work/initrd.cpio"

# --- the boot ---
accel=${REINS_VM_ACCEL:-}
if [ -z "$accel" ]; then
  accel=tcg
  [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && accel=kvm
fi
cpu=max; [ "$accel" = kvm ] && cpu=host
boot_image=$(pvh_kernel) || boot_image=$kernel
out=$work/output.log kern=$work/kernel.log
: >"$out"
start=$(date +%s.%N)
timeout -k 5 "$timeout_s" qemu-system-x86_64 -nodefaults -no-reboot -display none -monitor none -M pc \
  -accel "$accel" -cpu "$cpu" -m "$mem" -smp "$smp" -kernel "$boot_image" -initrd "$work/initrd.cpio" \
  -append "console=ttyS0 panic=-1 quiet$append" \
  -serial "file:$kern" -serial "file:$out" 2>"$work/qemu.err" &
qemu_pid=$!
tail -n +1 -f --pid="$qemu_pid" "$out" | tr -d '\r' | grep --line-buffered -v "^$marker" || true
qemu_rc=0; wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
wall=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")
if [ -n "$logs" ]; then mkdir -p "$logs" && tr -d '\r' <"$out" >"$logs/output.log" && cp "$kern" "$logs/kernel.log"; fi

read -r status leaks < <(tr -d '\r' <"$out" | sed -n "s/^$marker exit=\([0-9]*\) leaks=\([0-9]*\).*/\1 \2/p") || true
show_kernel_log() { echo "---- guest kernel log (ttyS0) ----"; tr -d '\r' <"$kern"; echo "---- end of kernel log ----"; }
if [ -z "${status:-}" ]; then
  if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
    echo "run-in-vm: TIMEOUT: the guest was still running after ${timeout_s} s and was killed"
  else
    echo "run-in-vm: the guest stopped without reporting an exit status (qemu status $qemu_rc)"
  fi
  cat "$work/qemu.err"
  show_kernel_log
  echo "run-in-vm: FAILED ($layout, ${wall} s)"
  exit 250
fi
[ "$status" = 0 ] || show_kernel_log
if [ "$status" = 0 ] && [ "${leaks:-0}" != 0 ]; then
  echo "run-in-vm: FAILED: the program passed but left $leaks process(es)/cgroup(s) behind ($layout, ${wall} s)"
  exit 253
fi
echo "run-in-vm: exit status $status ($layout, kernel $kver, $accel, ${wall} s)"
exit "$status"
