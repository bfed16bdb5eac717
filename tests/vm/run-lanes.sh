#!/usr/bin/env bash
# The VM lanes: the test lane binaries that meet the kernel (kernel, cgroup, cli) run on a real kernel in each
# cgroup layout (pure v2, pure v1), after the harness's self-test. The unit lane (parsers on captured files,
# fake cgroup trees: no kernel in it) runs on the host only; --lanes 'unit ...' brings it in. scripts/test.sh calls this when it is
# executable. Installs the VM packages (scripts/setup-debian.sh --vm) and builds the dev preset first.
#
# Usage: tests/vm/run-lanes.sh [--filter GTEST_FILTER] [--layouts 'v2 v1'] [--lanes 'kernel cgroup cli']
#                              [--no-selftest]
# Each test runs in its own process in the guest, as ctest runs it on the host. Prints one line per layout,
# "vm-v2: N passed, N failed, N skipped (T s)", plus "vm-selftest: ..." and a "lane ..." line per binary with
# its wall time. Logs: build/<preset>/vm-logs/<layout>/<lane>/{output,kernel}.log.
# Exit status 0 only if the self-test and every lane passed. Environment: REINS_VM_PRESET (default dev; no
# sanitizer preset: their runtimes are not worth emulating), REINS_VM_TIMEOUT (per binary, default 600 s),
# REINS_VM_ARGS (more run-in-vm.sh options for every lane, e.g. '--swap 256' or '--append loglevel=7').
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
filter="" layouts="v2 v1" lanes="kernel cgroup cli" selftest=1
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) filter=$2; shift 2 ;;
    --layouts) layouts=$2; shift 2 ;;
    --lanes) lanes=$2; shift 2 ;;
    --no-selftest) selftest=0; shift ;;
    *) echo "run-lanes: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
preset=${REINS_VM_PRESET:-dev}
build=build/$preset
status=0
all_start=$(date +%s)

bash scripts/setup-debian.sh --vm || { echo "run-lanes: scripts/setup-debian.sh --vm failed (needs root and apt)" >&2; exit 1; }
cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" -j2 >/dev/null \
  || { echo "run-lanes: building the $preset preset failed" >&2; exit 1; }

if [ "$selftest" = 1 ]; then
  t=$(date +%s)
  tests/vm/selftest.sh || status=1
  echo "vm-selftest took $(($(date +%s) - t)) s"
fi

# What the tests find by compile-time absolute paths, and the tools some of them drive (a test whose tool is
# missing skips and says so).
extras=(--file "$build/cli/reins" --file "$build/tests/reins-testproc")
[ -d tests/fixtures ] && extras+=(--file "$(pwd)/tests/fixtures")
for tool in /usr/bin/time /usr/bin/prlimit; do [ -x "$tool" ] && extras+=(--file "$tool"); done

# The guest prints one "vm-test: NAME ... ok|SKIPPED|FAILED" line per test (run-in-vm.sh --gtest-each).
count() { grep -c "^vm-test: [^ ]* \.\.\. $2" "$1"; }  # LOG ok|SKIPPED|FAILED

summary=()
for layout in $layouts; do
  p=0 f=0 s=0 layout_start=$(date +%s)
  for lane in $lanes; do
    bin=$build/tests/reins_${lane}_tests
    [ -x "$bin" ] || continue
    logs=$build/vm-logs/$layout/$lane
    echo "== vm-$layout: $lane lane ($bin${filter:+ --gtest_filter=$filter})"
    t=$(date +%s)
    tests/vm/run-in-vm.sh --layout "$layout" --timeout "${REINS_VM_TIMEOUT:-600}" --logs "$logs" "${extras[@]}" \
      ${REINS_VM_ARGS:-} --gtest-each -- "$bin" ${filter:+"--gtest_filter=$filter"}
    rc=$?
    lp=$(count "$logs/output.log" ok) lf=$(count "$logs/output.log" FAILED) ls=$(count "$logs/output.log" SKIPPED)
    if [ "$rc" != 0 ]; then
      status=1
      # A hung test, a lost guest or a binary that cannot list its tests: one more failure than the lines show.
      if [ "$rc" != 1 ] || [ "$lf" = 0 ]; then
        lf=$((lf + 1))
        echo "== vm-$layout: $lane lane ended with status $rc: counted as one more failure"
      fi
    fi
    echo "lane $lane ($layout): pass=$lp fail=$lf skip=$ls, $(($(date +%s) - t)) s"
    p=$((p + lp)) f=$((f + lf)) s=$((s + ls))
  done
  summary+=("vm-$layout: $p passed, $f failed, $s skipped ($(($(date +%s) - layout_start)) s)")
done

echo "== VM lanes summary (kernel $(ls /boot/vmlinuz-* | sort -V | tail -1 | sed 's|.*/vmlinuz-||'), total $(($(date +%s) - all_start)) s)"
printf '%s\n' "${summary[@]}"
exit $status
