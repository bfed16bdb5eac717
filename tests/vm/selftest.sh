#!/usr/bin/env bash
# The VM harness's own test: it must be able to pass AND to fail. Each case boots a VM and expects an exact
# exit status from run-in-vm.sh (and, where given, an output line):
#   - the memory-limit check (checks/memory_limit_check.cpp, a GoogleTest program run the way the lanes run
#     theirs, --gtest-each) passes on pure v2 and pure v1;
#   - NEGATIVE CONTROL: booted with cgroup_disable=memory, the same check FAILS in both layouts, and the lane
#     reports it as a failed test;
#   - a program's exit status comes back unchanged; a cgroup or process left behind fails the run (253);
#     a hung guest is killed at the timeout (250).
# Ends with "vm-selftest: N passed, N failed"; exit status 0 only if every case gave the expected status.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check=$here/../../build/${REINS_VM_PRESET:-dev}/tests/reins-vm-check
[ -x "$check" ] || { echo "vm-selftest: $check is not built (cmake --build --preset ${REINS_VM_PRESET:-dev})" >&2; exit 1; }
check=$(cd "$(dirname "$check")" && pwd)/reins-vm-check
passed=0 failed=0

# expect STATUS[:OUTPUT-PATTERN] DESCRIPTION run-in-vm.sh-ARGS...
expect() {
  local want=${1%%:*} pattern="" what=$2
  [[ "$1" == *:* ]] && pattern=${1#*:}
  shift 2
  echo "== vm-selftest: $what (expects status $want${pattern:+ and output matching '$pattern'})"
  local start got=0 log
  start=$(date +%s) log=$(mktemp)
  "$here/run-in-vm.sh" "$@" 2>&1 | tee "$log" | sed 's/^/   | /'
  got=${PIPESTATUS[0]}
  [ -z "$pattern" ] || grep -qE "$pattern" "$log" || got="$got (output not matching)"
  rm -f "$log"
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1))
    echo "== ok: status $got as expected ($(($(date +%s) - start)) s)"
  else
    failed=$((failed + 1))
    echo "== FAILED: status $got, expected $want: $what"
  fi
}

check_ok="MemoryLimitKillsAHog \.\.\. ok" check_failed="MemoryLimitKillsAHog \.\.\. FAILED"
expect "0:$check_ok" "v2: a 32M memory.max kills a 100M hog" --layout v2 --gtest-each -- "$check"
expect "0:$check_ok" "v1: a 32M memory.limit_in_bytes kills a 100M hog" --layout v1 --gtest-each -- "$check"
expect "1:$check_failed" "v2 negative control: with cgroup_disable=memory the same check FAILS" \
  --layout v2 --append cgroup_disable=memory --gtest-each -- "$check"
expect "1:$check_failed" "v1 negative control: with cgroup_disable=memory the same check FAILS" \
  --layout v1 --append cgroup_disable=memory --gtest-each -- "$check"
expect 7 "the program's exit status comes back" --no-modules -- sh -c 'exit 7'
expect "253:left 2 process" "a cgroup and a process left behind fail a passing program" --no-modules -- \
  sh -c 'mkdir /sys/fs/cgroup/system.slice/reins-tests.service/left-behind; sleep 1000 &'
expect 250 "a hung guest is killed at the timeout" --no-modules --timeout 10 -- sleep 1000

echo "vm-selftest: $passed passed, $failed failed"
[ "$failed" = 0 ]
