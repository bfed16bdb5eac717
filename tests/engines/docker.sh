#!/usr/bin/env bash
# The Docker lane: the README's Dockerfile built and run under Debian's docker.io (dockerd 20.10, runc) with
# its DEFAULT seccomp profile (which answers clone3 with ENOSYS) and no added capability. dockerd is started
# by hand with private state (data root, exec root, socket, pid file under one temporary directory), the
# cgroupfs driver with a relative cgroup parent (so containers land below our own cgroups), no iptables and no
# bridge (containers run with --network none). No registry: the image's base is a local busybox-static root
# file system imported as "busybox". Cleanup stops dockerd and removes every container, cgroup and file.
#
# Usage: tests/engines/docker.sh   (scripts/test.sh runs it). Ends with "engine-docker: N passed, ...".
set -uo pipefail
lane=docker
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_lane "needs root to start dockerd"
command -v dockerd >/dev/null && [ -x /usr/bin/docker ] || skip_lane "docker.io is not installed (scripts/setup-debian.sh --engines)"
build_static_reins

state=$(mktemp -d /tmp/reins-docker-lane.XXXXXX)
snapshot >"$state.before"
sock=unix://$state/docker.sock
D() { DOCKER_BUILDKIT=0 /usr/bin/docker -H "$sock" "$@"; }
parent=reins-docker-lane-$$

cleanup() {
  if [ -s "$state/dockerd.pid" ]; then
    D ps -aq 2>/dev/null | xargs -r /usr/bin/docker -H "$sock" rm -f >/dev/null 2>&1
    local pid
    pid=$(cat "$state/dockerd.pid")
    kill -TERM "$pid" 2>/dev/null
    # dockerd stops its containerd and shims; wait for it (it is our child) rather than a fixed time.
    wait "$pid" 2>/dev/null
  fi
  # Mounts dockerd left (overlay layers, its exec root), innermost first.
  awk -v s="$state" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
  remove_cgroups_named "$parent"
  rm -rf "$state"
}
trap 'cleanup; rm -f "$state.before"' EXIT

cat >"$state/daemon.json" <<JSON
{"iptables": false, "ip6tables": false, "bridge": "none", "exec-opts": ["native.cgroupdriver=cgroupfs"],
 "cgroup-parent": "$parent",
 "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 4096, "Hard": 4096}}}
JSON
dockerd --config-file "$state/daemon.json" --data-root "$state/root" --exec-root "$state/exec" -H "$sock" \
  --pidfile "$state/dockerd.pid" >"$state/dockerd.log" 2>&1 &
for _ in $(seq 100); do D version >/dev/null 2>&1 && break; sleep 0.2; done
D version >/dev/null 2>&1 || { fail "dockerd starts" "$(tail -5 "$state/dockerd.log")"; finish; exit; }
check_has "the daemon runs containers under its default seccomp profile" "name=seccomp,profile=default" \
  "$(D info --format '{{json .SecurityOptions}}')"

# The image: the README's Dockerfile, exactly, over the local base.
make_rootfs "$state/rootfs"
rm "$state/rootfs/usr/bin/reins"  # the Dockerfile COPYs it
tar -C "$state/rootfs" -c . | D import - busybox:latest >/dev/null || { fail "import the base image"; finish; exit; }
mkdir "$state/context"
readme_block docker-lane >"$state/context/Dockerfile"
grep -q '^ENTRYPOINT \["/usr/bin/reins", "init"' "$state/context/Dockerfile" ||
  { fail "the README has the Dockerfile (marker <!-- docker-lane -->)" "$(cat "$state/context/Dockerfile")"; finish; exit; }
cp "$reins_static" "$state/context/reins"
D build -q -t reins-lane "$state/context" >"$state/build.log" 2>&1 || { fail "docker build" "$(tail -5 "$state/build.log")"; finish; exit; }
pass "the README's Dockerfile builds"

container_checks D reins-lane "$parent"

cleanup
trap 'rm -f "$state.before"' EXIT
leftovers_check "$state.before"
finish
