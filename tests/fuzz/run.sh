#!/usr/bin/env bash
# Runs every memory-parser fuzz target for RUNS inputs (default 20000), each seeded with the matching
# captured files from tests/fixtures (-seed_inputs: the fixtures are read, never written). Needs the fuzz
# preset built: cmake --preset fuzz && cmake --build --preset fuzz
set -euo pipefail
runs=${1:-20000}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/fuzz/tests/fuzz
p=$root/tests/fixtures/proc c=$root/tests/fixtures/cgroup
declare -A seeds=(
  [statm]=$p/statm,$p/statm_kthread,$p/statm_zombie
  [status]=$p/status,$p/status_kthread,$p/status_zombie
  [smaps_rollup]=$p/smaps_rollup,$p/smaps_rollup_swap_thp
  [meminfo]=$p/meminfo
  [pressure]=$p/pressure_memory,$p/pressure_cpu
  [proc_stat]=$p/stat
  [children]=$p/statm
  [cgroup_limit]=$c/v1/job/memory.limit_in_bytes,$c/v2/parent/child/memory.max
  [cgroup_stat]=$c/v1/job/memory.stat,$c/v2/parent/child/memory.stat
  [cgroup_events]=$c/v1/limited/memory.oom_control,$c/v2/parent/child/memory.events
  [proc_cgroup]=$p/self_cgroup_hybrid
  [mountinfo]=$p/mountinfo_hybrid
)
status=0
for target in "${!seeds[@]}"; do
  if "$bin/fuzz_$target" -runs="$runs" -seed_inputs="${seeds[$target]}" >"/tmp/fuzz_$target.log" 2>&1; then
    echo "fuzz_$target: ok ($runs runs)"
  else
    echo "fuzz_$target: FAILED, see /tmp/fuzz_$target.log"
    status=1
  fi
done
exit $status
