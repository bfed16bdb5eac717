#!/usr/bin/env bash
# The Podman lane: Debian's podman 4.3 with runc (crun 1.8 refuses this host's hybrid layout), rootful, every
# piece of state private: a containers.conf passed in CONTAINERS_CONF (runc, cgroupfs with a relative cgroup
# parent, ulimits this host's hard limits allow, file events, a tmp dir), storage root and run root under one
# temporary directory. The README's Dockerfile is built with podman build over a local busybox base; then the
# checks every engine gets (tests/engines/lib.sh), and the README's Kubernetes pod run with podman play kube.
#
# Usage: tests/engines/podman.sh   (scripts/test.sh runs it). Ends with "engine-podman: N passed, ...".
set -uo pipefail
lane=podman
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_lane "needs root (rootful podman)"
command -v podman >/dev/null && command -v runc >/dev/null || skip_lane "podman or runc is not installed (scripts/setup-debian.sh --engines)"
if [ "${1:-}" != --inner ]; then
  # podman's cgroupfs manager puts cgroups at absolute paths (a pod's at /libpod_parent): run the lane in a
  # cgroup namespace rooted at our own cgroups, so they land below them (tests/engines/lib.sh).
  build_static_reins
  state=$(mktemp -d /tmp/reins-podman-outer.XXXXXX)
  snapshot >"$state/before"
  REINS_LANE_REINS=$reins_static REINS_LANE_COUNTS=$state/counts run_in_own_cgroup_namespace bash "$0" --inner
  if read -r p f s <"$state/counts"; then
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  else
    fail "the lane ran in its own cgroup namespace" "no counts (exit 97: a hierarchy could not be mounted again)"
  fi
  leftovers_check "$state/before"
  rm -rf "$state"
  finish
  exit
fi
reins_static=$REINS_LANE_REINS
state=$(mktemp -d /tmp/reins-podman-lane.XXXXXX)
parent=/reins-podman-lane-$$
pods_parent_existed=0
[ -n "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name libpod_parent)" ] && pods_parent_existed=1
mkdir -p "$state/tmp"
cat >"$state/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
cgroupns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$state/events.log"
tmp_dir = "$state/tmp"
infra_image = "localhost/reins-pause"
CONF
export CONTAINERS_CONF=$state/containers.conf
P() {
  podman --root "$state/storage" --runroot "$state/run" --storage-driver vfs --cgroup-manager cgroupfs "$@"
}
# podman run's own flags go after "run": the cgroup parent, so every container lands below our cgroups.
Prun() { local sub=$1; shift; P "$sub" --cgroup-parent "$parent" "$@"; }
E() {
  case "$1" in
    run) shift; Prun run "$@" ;;
    *) P "$@" ;;
  esac
}

cleanup() {
  P pod rm -af -t 0 >/dev/null 2>&1
  P rm -af -t 0 >/dev/null 2>&1
  P system reset -f >/dev/null 2>&1  # podman's own state, in our private directories
  awk -v s="$state" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
  remove_cgroups_named "${parent#/}"
  # Where play kube's pods go (below our own cgroups here); left alone if it was there before the lane.
  [ "$pods_parent_existed" = 1 ] || remove_cgroups_named libpod_parent
  rm -rf "$state"
}
trap 'cleanup; echo "$passed $failed $skipped" >"$REINS_LANE_COUNTS"' EXIT

make_rootfs "$state/rootfs"
rm "$state/rootfs/usr/bin/reins"  # the Dockerfile COPYs it
tar -C "$state/rootfs" -c . | P import - localhost/busybox:latest >/dev/null || { fail "import the base image"; finish; exit; }
tar -C "$state/rootfs" -c . | P import --change 'ENTRYPOINT ["/pause"]' - localhost/reins-pause >/dev/null ||
  { fail "import the pods' infra image"; finish; exit; }
mkdir "$state/context"
readme_block docker-lane >"$state/context/Dockerfile"
cp "$reins_static" "$state/context/reins"
P build -q -t localhost/reins-lane "$state/context" >"$state/build.log" 2>&1 ||
  { fail "podman build of the README's Dockerfile" "$(tail -5 "$state/build.log")"; finish; exit; }
pass "the README's Dockerfile builds with podman"

container_checks E localhost/reins-lane "$parent"

# The README's pod: reins init as the container's command, a memory limit, zombies reaped, the exit code kept.
pod() {  # NAME ARGS-JSON: plays the README's pod with the container's args replaced; prints the exit code
  readme_block kube-lane | NAME=$1 ARGS=$2 awk '/name: worker/ {sub(/worker/, ENVIRON["NAME"])}
    /args:/ {sub(/args: .*/, "args: " ENVIRON["ARGS"])} {print}' >"$state/$1.yaml"
  P play kube --network none "$state/$1.yaml" >/dev/null 2>"$state/$1.err" || { cat "$state/$1.err"; return; }
  P wait "$1-$1" 2>/dev/null
}
out=$(pod exits3 '["sh", "-c", "exit 3"]')
check "play kube: the pod's exit code passes through reins init" 3 "$out" "$(cat "$state/exits3.err" 2>/dev/null)"
out=$(pod orphans '["reap-check", "20"]')
check "play kube: 20 orphans reaped, no zombie" 0 "$out" "$(P logs orphans-orphans 2>&1 | tail -3)"
out=$(pod oom '["dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1"]')
check "play kube: the pod's 64Mi limit ends the hog, exit 137" 137 "$out"
logs=$(P logs oom-oom 2>&1)
check_has "play kube: reins init reports the OOM kill" '"killed_by":"oom"' "$logs"
check_has "…with the pod's limit" '"value":67108864' "$logs"

