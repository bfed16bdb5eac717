#!/usr/bin/env bash
# Builds reins and runs every test lane: plain (dev preset), AddressSanitizer+UndefinedBehaviorSanitizer,
# ThreadSanitizer (the threaded parts), a libFuzzer smoke run of every parser, and the VM lanes when present.
# Ends with one line "tests: N passed, N failed, N skipped" over all lanes. Exit status 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

passed=0 failed=0 skipped=0 status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Wall time per lane, printed together at the end: CI has a time budget, and this is where it goes.
lane_times=() lane_name="" lane_start=$SECONDS
next_lane() {  # NAME: closes the running lane's clock and starts NAME's
  [ -n "$lane_name" ] && lane_times+=("$lane_name $((SECONDS - lane_start)) s")
  lane_name=$1 lane_start=$SECONDS
}
next_lane setup
bash scripts/setup-debian.sh ${REINS_SETUP_FLAGS:-} || { echo "setup failed" >&2; exit 1; }

# Runs ctest for a preset (extra args select tests) and adds its counts to the totals.
run_lane() {
  local preset=$1; shift
  echo "== lane: $preset $*"
  cmake --preset "$preset" >/dev/null || { status=1; failed=$((failed + 1)); return; }
  cmake --build --preset "$preset" -j2 || { status=1; failed=$((failed + 1)); return; }
  ctest --preset "$preset" -j2 --timeout 300 "$@" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  local total fails skips
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  fails=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  skips=$(grep -c '(Skipped)$' "$log")
  total=${total:-0} fails=${fails:-0}
  passed=$((passed + total - fails - skips)) failed=$((failed + fails)) skipped=$((skipped + skips))
}

# Formatting is checked, not argued about: .clang-format is the style, and any diff from it fails.
next_lane clang-format
echo "== lane: clang-format"
if git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror 2>&1 | head -20 | grep .; then
  echo "clang-format: the files above differ from .clang-format (run: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i)"
  failed=$((failed + 1)) status=1
else
  passed=$((passed + 1))
fi
next_lane dev
run_lane dev
# clang-tidy (.clang-tidy: a curated set of bug and waste checks) over the library and the CLI, with the dev
# build's compile commands.
next_lane clang-tidy
echo "== lane: clang-tidy"
if run-clang-tidy -p build/dev -j 2 -quiet -extra-arg=-Wno-unknown-warning-option "$root/(src|cli)/" >"$log" 2>&1 &&
   ! grep -qE '(warning|error): ' "$log"; then
  passed=$((passed + 1))
else
  grep -E '(warning|error): ' "$log" | head -40
  failed=$((failed + 1)) status=1
fi
# The forced-fallback lane: every spawn, job and CLI test again with clone3 refused by a seccomp filter (as
# Docker's default profile does), so the clone(CLONE_PIDFD) + join-before-exec paths run on purpose.
next_lane forced-fallback
echo "== forced fallback: clone3 refused (ENOSYS)"
REINS_TEST_REFUSE=clone3:ENOSYS run_lane dev -L 'kernel|cgroup|cli'
next_lane asan
run_lane asan
# ThreadSanitizer covers the parts that run threads; the rest gains nothing from it.
next_lane tsan
run_lane tsan -R 'Sampler|Guard|Reaper|InitSupervision'

if [ -x scripts/fuzz-smoke.sh ]; then
  next_lane fuzz-smoke
  echo "== lane: fuzz smoke"
  if scripts/fuzz-smoke.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi
next_lane package
echo "== lane: package (.deb, man page, completion, find_package and pkg-config consumers)"
if scripts/package-test.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

# Real engines: Docker (default seccomp profile), Podman (+ play kube), Slurm; each starts its own daemons.
next_lane engines
echo "== lane: engines (Docker, Podman, Slurm)"
tests/engines/run.sh 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
read -r ep ef es < <(awk '/^engine-[a-z]+: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4; s += $6 }
    END {print p + 0, f + 0, s + 0}' "$log")
passed=$((passed + ep)) failed=$((failed + ef)) skipped=$((skipped + es))
if [ "$status" != 0 ] && [ "$ef" = 0 ] && ! grep -q '^engine-' "$log"; then failed=$((failed + 1)); fi

if [ -x tests/vm/run-lanes.sh ]; then
  next_lane vm-kernels
  echo "== lane: VM (pure cgroup v2 and v1 kernels under qemu)"
  tests/vm/run-lanes.sh 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  # A real distribution: systemd-booted Debian 12, checks through real logins, services and scopes.
  next_lane vm-systemd
  echo "== lane: systemd VM (Debian 12 booted with systemd under qemu)"
  tests/systemd-vm/run.sh 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  # The harness self-test's line "vm-selftest: N passed, N failed", each layout's line "vm-v2: N passed,
  # N failed, N skipped (T s)" and the systemd lane's "vm-systemd: ..." join the totals; a run that failed
  # without counting a failure counts as one.
  read -r vp vf vs < <(awk '/^vm-(selftest|v[12]|systemd): [0-9]+ passed, [0-9]+ failed/ {
      p += $2; f += $4; if ($6 ~ /^[0-9]+$/) s += $6 } END {print p + 0, f + 0, s + 0}' "$log")
  passed=$((passed + vp)) failed=$((failed + vf)) skipped=$((skipped + vs))
  if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
fi

cd "$root"
next_lane ""
echo "== wall time per lane (total $SECONDS s): $(IFS=,; echo "${lane_times[*]}" | sed 's/,/, /g')"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
