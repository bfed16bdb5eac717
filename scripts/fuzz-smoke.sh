#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz preset: clang, ASan+UBSan) and runs each for a bounded number of inputs,
# seeded from tests/fuzz/corpus/<name>/ and from the captured files in tests/fixtures that it parses (read,
# never written). A crash, leak, timeout or sanitizer report fails the run. Usage: fuzz-smoke.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-${FUZZ_RUNS:-20000}}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 >/dev/null
p=tests/fixtures/proc c=tests/fixtures/cgroup
declare -A fixtures=(
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
)
status=0
for bin in build/fuzz/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin") target=${name#fuzz_}
  args=(-runs="$runs" -max_len=8192 -rss_limit_mb=2048 -timeout=20)
  [ -n "${fixtures[$target]:-}" ] && args+=(-seed_inputs="${fixtures[$target]}")
  work=$(mktemp -d)
  dirs=("$work")
  [ -d "tests/fuzz/corpus/$target" ] && dirs+=("tests/fuzz/corpus/$target")
  if "$bin" "${args[@]}" "${dirs[@]}" >"$work.log" 2>&1; then
    echo "fuzz: $name ok ($runs runs)"
  else
    echo "fuzz: $name FAILED:"; tail -40 "$work.log"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
