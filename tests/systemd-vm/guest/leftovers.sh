#!/bin/bash
# leftovers.sh CONTEXT [--user] — after the checks: no reins cgroup and no reins unit is left (systemd removes an
# empty scope a moment after its last process exits, so this waits up to 10 s for that).
ctx=$1
out=/results/$ctx.log
for _ in $(seq 100); do
  units=$(systemctl ${2:-} list-units --all --no-legend 'reins-*' 2>&1)
  cgroups=$(find /sys/fs/cgroup -name 'reins-*' -type d 2>/dev/null)
  [ -z "$units" ] && [ -z "$cgroups" ] && { echo "PASS $ctx/nothing-left" >>"$out"; exit 0; }
  sleep 0.1
done
echo "FAIL $ctx/nothing-left: units: $units cgroups: $cgroups" | tr '\n' ' ' >>"$out"
echo >>"$out"
