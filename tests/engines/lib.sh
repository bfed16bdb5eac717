# Shared by the engine lanes (docker.sh, podman.sh, slurm.sh): counting checks, the image's root file system,
# and the proof that a lane left no cgroup, mount or process behind. Sourced, not run.
#
# Every lane starts its engine itself with private state under one temporary directory ($state), and its
# cleanup (an EXIT trap) stops the engine and removes that directory; nothing in /etc is touched.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lane_start=$(date +%s)
passed=0 failed=0 skipped=0

say() { echo "$lane: $*"; }
pass() { passed=$((passed + 1)); echo "PASS $lane: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $lane: $1${2:+ — $2}"; }
skip_lane() {  # REASON: the whole lane cannot run here
  echo "SKIP $lane: $1"
  echo "engine-$lane: 0 passed, 0 failed, 1 skipped ($(($(date +%s) - lane_start)) s)"
  exit 0
}
finish() {
  echo "engine-$lane: $passed passed, $failed failed, $skipped skipped ($(($(date +%s) - lane_start)) s)"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
# check NAME EXPECTED ACTUAL [DETAIL]
check() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'${4:+; $4}"; fi
}
# check_has NAME NEEDLE HAYSTACK
check_has() {
  case "$3" in
    *"$2"*) pass "$1" ;;
    *) fail "$1" "no '$2' in: $(printf '%s' "$3" | tail -c 600)" ;;
  esac
}

# The release build's static reins: what a Dockerfile COPYs (it needs nothing from the image).
build_static_reins() {
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target reins-cli >/dev/null) ||
    { fail "build the release reins"; finish; exit 1; }
  reins_static=$root/build/release/cli/reins
  file "$reins_static" | grep -q 'statically linked' || { fail "the release reins is static" "$(file "$reins_static")"; finish; exit 1; }
}

# make_rootfs DIR: busybox-static with its applets, the static reins at /usr/bin/reins, passwd and group.
make_rootfs() {
  local dir=$1 bb
  bb=$(command -v busybox) || { fail "busybox-static is installed"; finish; exit 1; }
  mkdir -p "$dir"/{bin,usr/bin,etc,tmp,proc,sys,dev,var/log,root}
  cp "$bb" "$dir/bin/busybox"
  for applet in $("$bb" --list); do [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"; done
  cp "$reins_static" "$dir/usr/bin/reins"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  # reap-check N: starts N orphans (their parent exits at once, so PID 1 inherits them), waits until they
  # are gone and no zombie is left (10 s at most), prints "sleeping=S zombies=Z"; exit 0 only if both are 0.
  cat >"$dir/bin/reap-check" <<'SH'
#!/bin/sh
n=${1:-20} i=0
while [ $i -lt $n ]; do (sleep 0.2 &); i=$((i + 1)); done
for _ in $(seq 100); do
  z=$(cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == "Z"' | wc -l)
  s=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$')
  [ "$s" = 0 ] && [ "$z" = 0 ] && break
  sleep 0.1
done
echo "sleeping=$s zombies=$z"
[ "$s" = 0 ] && [ "$z" = 0 ]
SH
  # pause: what a pod's infra container runs (an image of its own: podman runs the infra image's entrypoint).
  printf '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 1; done\n' >"$dir/pause"
  chmod +x "$dir/bin/reap-check" "$dir/pause"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  chmod 1777 "$dir/tmp"
}

# The cgroups, mounts and processes outside the lane's private directory, to compare before and after.
snapshot() {
  find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort
  echo "--- mounts"
  awk '{print $5}' /proc/self/mountinfo | grep -v "^$state" | sort
}
leftovers_check() {  # BEFORE-FILE
  local after
  after=$(snapshot)
  if [ "$after" = "$(cat "$1")" ]; then
    pass "nothing left behind: no cgroup, mount or state the lane made"
  else
    fail "nothing left behind" "$(diff <(cat "$1") <(echo "$after") | head -20 | tr '\n' ' ')"
  fi
}

# Depth-first removal of the cgroup directories named NAME that the engine made below our own cgroups.
remove_cgroups_named() {
  local name=$1 d
  for d in $(find /sys/fs/cgroup -mindepth 1 -type d -name "$name" 2>/dev/null); do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

# Whether every cgroup directory named NAME lies below this shell's own cgroup of its hierarchy (where the
# engine was asked to put it: Slurm, systemd and other engines keep seeing every process), and one exists.
placed_below_us() {
  local d rel mnt field own found=0
  for d in $(find /sys/fs/cgroup -mindepth 1 -type d -name "$1" 2>/dev/null); do
    rel=${d#/sys/fs/cgroup/} mnt=${rel%%/*}
    case "$mnt" in unified) field= ;; systemd) field=name=systemd ;; *) field=$mnt ;; esac
    own=$(awk -F: -v f="$field" '$2 == f {print $3}' /proc/self/cgroup)
    case "$d/" in "/sys/fs/cgroup/$mnt${own%/}/"*) found=$((found + 1)) ;; *) echo "$d is not below $own"; return 1 ;; esac
  done
  [ "$found" -gt 0 ] || { echo "no cgroup named $1"; return 1; }
}

# run_in_own_cgroup_namespace COMMAND...: runs COMMAND in a new cgroup namespace and mount namespace where
# every cgroup hierarchy is mounted again, so that its "/" is our own cgroup. For engines that put their
# cgroups at absolute paths (podman's cgroupfs manager, slurmd's cgroup/v1 plugin): there those paths land
# below our own cgroups, where this machine's rules allow them, instead of at the hierarchies' roots.
run_in_own_cgroup_namespace() {
  local remount
  # A hierarchy cannot be mounted again on its own mount point (EBUSY): a fresh tmpfs goes over
  # /sys/fs/cgroup first, then every hierarchy on it, then the tmpfs's symlinks (cpu -> cpu,cpuacct).
  remount="mount -t tmpfs -o mode=755 reins-cgroupns /sys/fs/cgroup || exit 97
$(awk '{ for (i = 7; $i != "-"; i++) {}; fs = $(i + 1); opts = $(i + 3); sub(/^r[wo],?/, "", opts)
      if (fs == "cgroup") printf "mkdir -p %s && mount -t cgroup -o %s reins-cgroupns %s || exit 97\n", $5, opts, $5
      if (fs == "cgroup2") printf "mkdir -p %s && mount -t cgroup2 reins-cgroupns %s || exit 97\n", $5, $5 }' /proc/self/mountinfo)
$(find /sys/fs/cgroup -maxdepth 1 -type l -printf 'ln -s %l %p\n')"
  unshare -C -m --propagation private sh -c "$remount
exec \"\$@\"" sh "$@"
}

# The README's code block that follows the marker line "<!-- NAME -->", without its fences.
readme_block() {
  awk -v m="<!-- $1 -->" '$0 == m {on = 1; next} on && /^```/ {if (in_block) exit; in_block = 1; next} in_block {print}' \
    "$root/README.md"
}

# container_checks ENGINE IMAGE PARENT: what reins guarantees as a container's entrypoint and inside it, the
# same for every engine. ENGINE is a function taking docker's command line (docker and podman both do);
# IMAGE was built from the README's Dockerfile; PARENT is the cgroup parent the engine was given.
container_checks() {
  local E=$1 image=$2 parent=$3 out rc id t0 elapsed_ms
  run() { "$E" run --rm --network none "$@"; }
  # Exit codes pass through reins init as PID 1.
  run "$image" sh -c 'exit 3'; check "exit code 3 passes through" 3 $?
  run "$image" /no/such/command 2>/dev/null; check "a missing command exits 127" 127 $?
  run "$image" /etc/passwd 2>/dev/null; check "a command that cannot be executed exits 126" 126 $?
  run "$image" sh -c 'kill -KILL $$'; check "SIGKILL exits 137" 137 $?
  run "$image" sh -c 'kill -TERM $$'; check "SIGTERM exits 143" 143 $?

  # Orphans: 20 processes whose parent exits at once are reparented to PID 1, which must reap them all.
  out=$(run "$image" reap-check 20)
  check "20 orphans reaped: none left, no zombie" "sleeping=0 zombies=0" "$out"

  # stop: SIGTERM forwarded, the command's own exit code kept.
  id=$("$E" run -d --network none "$image" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done')
  "$E" stop -t 20 "$id" >/dev/null
  check "stop: SIGTERM forwarded, the command's exit code kept" 42 "$("$E" inspect -f '{{.State.ExitCode}}' "$id")"
  "$E" rm "$id" >/dev/null
  # kill -s USR1: forwarded.
  id=$("$E" run -d --network none "$image" sh -c 'trap "echo got-usr1; exit 7" USR1; while :; do sleep 0.1; done')
  for _ in $(seq 50); do "$E" exec "$id" sh -c 'grep -q "^sh$" /proc/[0-9]*/comm' && break; sleep 0.1; done
  if [ -n "${REINS_LANE_COUNTS:-}" ]; then
    skipped=$((skipped + 1))
    echo "SKIP $lane: the container's cgroups are below our own (here by construction: the engine runs in a cgroup namespace rooted at them)"
  elif out=$(placed_below_us "${parent##*/}"); then pass "the container's cgroups are below our own, in every hierarchy"
  else fail "the container's cgroups are below our own" "$out"; fi
  "$E" kill -s USR1 "$id" >/dev/null
  check "kill -s USR1 forwarded" 7 "$("$E" wait "$id")"
  check_has "the command saw USR1" got-usr1 "$("$E" logs "$id" 2>&1)"
  "$E" rm "$id" >/dev/null
  # A command that ignores SIGTERM is killed after stop's grace.
  id=$("$E" run -d --network none "$image" sh -c 'trap "" TERM; while :; do sleep 0.1; done')
  t0=$(date +%s%N)
  "$E" stop -t 2 "$id" >/dev/null
  elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
  check "a TERM-ignoring command is SIGKILLed after the grace" 137 "$("$E" inspect -f '{{.State.ExitCode}}' "$id")"
  [ "$elapsed_ms" -ge 2000 ] && pass "…not before the 2 s grace (${elapsed_ms} ms)" || fail "the grace was kept" "${elapsed_ms} ms"
  "$E" rm "$id" >/dev/null

  # The container's --memory: the OOM kill exits 137 and reins init says what did it.
  out=$(run --memory 64m --memory-swap 64m "$image" dd if=/dev/zero of=/dev/null bs=200M count=1 2>&1); rc=$?
  check "--memory 64m: the hog exits 137" 137 "$rc" "$out"
  check_has "--memory 64m: reins init reports the OOM kill and the limit" "the OOM killer acted in reins' own cgroup" "$out"
  check_has "…naming the container's 64 MiB" "64.0 MiB" "$out"

  # reins run inside the container: rlimits, a timeout, the memory guard.
  out=$(run "$image" reins run --rlimit nofile=64 -- sh -c 'ulimit -n'); check "reins run --rlimit nofile=64" 64 "$out"
  run "$image" reins run --timeout 1s -- sleep 30 2>/dev/null; check "reins run --timeout 1s exits 124" 124 $?
  out=$(run "$image" reins run --max-rss 40M --json - -- dd if=/dev/zero of=/dev/null bs=100M count=100000 2>&1)
  check_has "reins run --max-rss 40M: the guard ends the hog" '"killed_by":"guard"' "$out"
  # Limits of its own need a writable cgroup: refused in one line that says how to get one.
  out=$(run "$image" reins run -m 64M -- true 2>&1); rc=$?
  check "reins run -m in a default container exits 125" 125 "$rc"
  check_has "…saying what it needs" "mounted read-only here" "$out"
  # With the cgroup file system mounted writable, jobs nest below the container's own cgroup.
  out=$(run -v /sys/fs/cgroup:/sys/fs/cgroup:rw "$image" reins run -m 48M --json - -- dd if=/dev/zero of=/dev/null bs=200M count=1 2>&1)
  check_has "-v /sys/fs/cgroup:rw: reins run -m 48M ends the hog by OOM" '"killed_by":"oom"' "$out"
  check_has "…in a job below the container's cgroup" "$parent/" "$(printf '%s' "$out" | grep -o '"job":{"name":"[^"]*","cgroup":"[^"]*"')"
}
