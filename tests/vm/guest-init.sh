#!/bin/sh
# /init of the test VM (busybox sh as PID 1). run-in-vm.sh puts it in the initramfs together with
# /vm/config (LAYOUT, MARKER, GTEST_EACH, SWAP_MIB), /vm/modules.sh (the insmod lines) and /vm/command
# (sets "$@" to the program and its arguments).
#
# It mounts the cgroup layout asked for, places the program in a cgroup the way systemd places a service
# (/system.slice/reins-tests.service, delegated; the program is its only process), runs it with its output on
# /dev/ttyS1 (the host's "output" channel; the kernel log stays on ttyS0), then checks that the program left
# no process and no cgroup behind, prints "<MARKER> exit=<status> leaks=<n>" and powers off.
# With GTEST_EACH=1 the program is a GoogleTest binary and each test runs in its own process, as ctest runs
# them on the host; the runner itself stays outside the service cgroup.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin TERM=dumb HOME=/tmp
out=/dev/ttyS1
say() { echo "vm-init: $*" >"$out"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
chmod 1777 /tmp  # the initramfs root is already a writable tmpfs; a mount here would hide files copied to /tmp
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
stty -F "$out" -onlcr 2>/dev/null  # plain "\n" on the host side
. /vm/config
export REINS_VM_LAYOUT="$LAYOUT"  # lets the harness's own check know it is in the VM; tests should not need it

service=system.slice/reins-tests.service
procs_files=""  # the cgroup.procs files the program is written into (one per hierarchy)

# Enables each controller it can in a v2 cgroup's subtree_control; a missing one is reported, not fatal, so
# that the test (or the self-test's negative control) is what fails.
enable_v2_controllers() {
  for c in cpuset cpu io memory pids; do
    echo "+$c" >"$1/cgroup.subtree_control" 2>/dev/null || say "WARNING: cannot enable $c in $1"
  done
}

# Pure v2 as systemd sets it up: controllers enabled at the root and in system.slice, the service a leaf
# whose own subtree_control is empty (so the "no internal processes" rule applies to it). In the hybrid
# layout ($2 = no-controllers) every controller is bound to v1, so none can be enabled here.
setup_v2_at() {
  local root=$1
  mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 "$root" || { say "ERROR: cannot mount cgroup2"; return; }
  mkdir -p "$root/$service"
  if [ "${2:-}" != no-controllers ]; then
    enable_v2_controllers "$root"
    enable_v2_controllers "$root/system.slice"
  fi
  procs_files="$procs_files $root/$service/cgroup.procs"
}

# Pure v1 as systemd's legacy mode sets it up: one hierarchy per enabled controller at
# /sys/fs/cgroup/<controllers>, cpu+cpuacct and net_cls+net_prio co-mounted with symlinks for the single
# names, a name=systemd hierarchy, and the service placed in system.slice where systemd places it (not in
# cpuset and freezer, which systemd leaves at the root).
setup_v1() {
  mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
  local name enabled hierarchies="" h
  while read -r name _ _ enabled; do
    case "$name" in \#*) continue ;; esac
    if [ "$enabled" != 1 ]; then say "WARNING: controller $name is disabled (kernel command line?)"; continue; fi
    case "$name" in
      cpu | cpuacct) h=cpu,cpuacct ;;
      net_cls | net_prio) h=net_cls,net_prio ;;
      *) h=$name ;;
    esac
    case " $hierarchies " in *" $h "*) ;; *) hierarchies="$hierarchies $h" ;; esac
  done </proc/cgroups
  hierarchies="$hierarchies none,name=systemd"
  for h in $hierarchies; do
    local dir=/sys/fs/cgroup/${h#none,name=}
    mkdir -p "$dir"
    mount -t cgroup -o "$h" cgroup "$dir" || { say "WARNING: cannot mount v1 hierarchy $h"; continue; }
    case "$h" in
      none,name=*) ;;
      *,*) for single in $(echo "$h" | tr , ' '); do [ -e "/sys/fs/cgroup/$single" ] || ln -s "$h" "/sys/fs/cgroup/$single"; done ;;
    esac
    case "$h" in
      cpuset | freezer | perf_event | hugetlb | rdma | misc | net_cls,net_prio) ;;
      *) mkdir -p "$dir/$service" && procs_files="$procs_files $dir/$service/cgroup.procs" ;;
    esac
  done
}

case "$LAYOUT" in
  v2) setup_v2_at /sys/fs/cgroup ;;
  v1) setup_v1 ;;
  hybrid) setup_v1; mkdir -p /sys/fs/cgroup/unified; setup_v2_at /sys/fs/cgroup/unified no-controllers ;;
  *) say "ERROR: unknown layout '$LAYOUT'" ;;
esac
. /vm/modules.sh
if [ "${SWAP_MIB:-0}" != 0 ]; then
  { echo "${SWAP_MIB}M" >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; } \
    || say "WARNING: no ${SWAP_MIB} MiB zram swap"
fi

. /vm/command

now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk "BEGIN{printf \"%.1f\", $(now) - $1}"; }

# Runs "$@" as the only process of the service cgroup(s): a subshell moves itself there, then execs.
run_in_service() {
  (
    for f in $procs_files; do echo 0 >"$f" || say "ERROR: cannot join $f"; done
    cd /tmp && exec "$@"
  ) </dev/null
}

# Leak checks: a process still in, or a cgroup still under, the service cgroup(s). A process killed just
# before the program ended may still be exiting, so a first finding is re-checked once after a second.
find_leaks() {
  local f dir subdirs first=1
  for f in $procs_files; do
    dir=${f%/cgroup.procs}
    subdirs=$(find "$dir" -mindepth 1 -type d 2>/dev/null)
    [ -z "$subdirs" ] || printf 'cgroup %s\n' $subdirs
    # Every process is in one cgroup of each hierarchy, so the first hierarchy shows them all.
    [ "$first" = 1 ] && first=0 && cat "$f" ${subdirs:+$(printf '%s/cgroup.procs ' $subdirs)} 2>/dev/null | sed 's/^/process /'
  done | sort -u
}
# Prints one "LEAK<$1>: ..." line per leak, then removes the leaks so that the next test starts clean.
check_leaks() {
  local leaks kind what
  leaks=$(find_leaks)
  [ -n "$leaks" ] && sleep 1 && leaks=$(find_leaks)
  [ -n "$leaks" ] || return 0
  printf '%s\n' "$leaks" | while read -r kind what; do
    if [ "$kind" = process ]; then
      echo "vm-init: LEAK$1: process $what still running: $(tr '\0' ' ' <"/proc/$what/cmdline" 2>/dev/null)"
      kill -KILL "$what" 2>/dev/null
    else
      echo "vm-init: LEAK$1: cgroup $what still exists"
    fi
  done
  sleep 0.2  # let the killed processes leave their cgroups before the removal below
  for f in $procs_files; do find "${f%/cgroup.procs}" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null; done
}
count_lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }

# Each test of a GoogleTest binary in its own process. Prints "vm-test: <name> ... ok|SKIPPED|FAILED" lines
# (the host counts them); a failed test's output follows its line. A test that leaks fails.
run_gtest_each() {
  local list names t t0 st reason leak_report leaked failed=0
  list=$("$@" --gtest_list_tests </dev/null 2>&1) || { say "--gtest_list_tests failed: $list"; return 1; }
  names=$(printf '%s\n' "$list" | awk '
    /^[^ ]/ { suite = ($1 ~ /\.$/) ? $1 : ""; next }
    /^  [^ ]/ && suite != "" { print suite $1 }')
  [ -n "$names" ] || say "no test matched"
  for t in $names; do
    printf 'vm-test: %s ... ' "$t" >"$out"  # left unfinished while it runs: a hang shows which test
    t0=$(now)
    run_in_service "$@" "--gtest_filter=$t" >/tmp/test.log 2>&1
    st=$?
    leak_report=$(check_leaks " after $t")
    leaked=$(count_lines "$leak_report")
    if [ "$st" = 0 ] && [ "$leaked" = 0 ] && grep -q '^\[  SKIPPED \] 1 test' /tmp/test.log; then
      reason=$(sed -n '/: Skipped$/{n;p;q}' /tmp/test.log)
      echo "SKIPPED: ${reason:-no reason given}" >"$out"
    elif [ "$st" = 0 ] && [ "$leaked" = 0 ]; then
      echo "ok ($(elapsed "$t0") s)" >"$out"
    else
      failed=$((failed + 1))
      echo "FAILED (status $st, $leaked leak(s), $(elapsed "$t0") s); its output:" >"$out"
      cat /tmp/test.log >"$out"
      [ -z "$leak_report" ] || printf '%s\n' "$leak_report" >"$out"
      echo "vm-test: end of $t" >"$out"
    fi
  done
  say "$(count_lines "$names") tests run in separate processes, $failed failed, in $(elapsed "$start") s (guest clock)"
  [ "$failed" = 0 ]
}

start=$(now)
leaks=0
if [ "${GTEST_EACH:-0}" = 1 ]; then
  run_gtest_each "$@"
  rc=$?
else
  run_in_service "$@" >"$out" 2>&1
  rc=$?
  say "program exited with status $rc after $(elapsed "$start") s (guest clock)"
  leak_report=$(check_leaks "")
  leaks=$(count_lines "$leak_report")
  [ "$leaks" = 0 ] || printf '%s\n' "$leak_report" >"$out"
fi

echo "$MARKER exit=$rc leaks=$leaks" >"$out"
sync
poweroff -f
