#!/bin/bash
# checks.sh CONTEXT — what a user of CONTEXT (a login shell, a service, a scope with bash beside reins...)
# asks of `reins run` on a systemd host, each check appending "PASS CONTEXT/NAME" or "FAIL CONTEXT/NAME: why"
# to /results/CONTEXT.log. Runs in the guest of tests/systemd-vm/run.sh.
ctx=$1
out=/results/$ctx.log
R=/opt/reins/reins
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass() { echo "PASS $ctx/$1" >>"$out"; }
fail() { echo "FAIL $ctx/$1: $2" | tr '\n' ' ' >>"$out"; echo >>"$out"; }
# field FILE EXPR: a Python expression over the JSON report's fields.
field() { python3 -c 'import json, sys; print(eval(sys.argv[2], {}, json.load(open(sys.argv[1]))))' "$1" "$2" 2>/dev/null || echo n/a; }
why() { echo "rc=$1 $(head -c 600 "$2")"; }

echo "context $ctx: uid $(id -u), cgroup $(grep "^0::" /proc/self/cgroup | cut -d: -f3-)" >>"$out"

# A 300 MB hog under a 100 MiB limit: the OOM killer ends it (137), and the report says so.
$R run --json "$T/mem.json" -m 100M -- dd if=/dev/zero of=/dev/null bs=300M count=1 2>"$T/mem.err"
rc=$?
peak=$(field "$T/mem.json" 'job["peak_memory_bytes"] // 1048576')
if [ "$rc" = 137 ] && [ "$(field "$T/mem.json" killed_by)" = oom ] && [ "$peak" -ge 80 ] && [ "$peak" -le 110 ]; then
  pass memory-limit
  echo "  job cgroup $(field "$T/mem.json" 'job["cgroup"]'), unit $(field "$T/mem.json" 'job["unit"]')" >>"$out"
else
  fail memory-limit "$(why $rc "$T/mem.err") killed_by=$(field "$T/mem.json" killed_by) peak=${peak}MiB"
fi

# A fork loop under --pids 20: forks fail, the report counts the limit hits and the peak stays at 20.
$R run --json "$T/pids.json" --pids 20 -- sh -c 'for i in $(seq 40); do sleep 2 & done 2>/dev/null; wait' 2>"$T/pids.err"
rc=$?
hits=$(field "$T/pids.json" 'job["pids_limit_hit_count"]')
ppeak=$(field "$T/pids.json" 'job["peak_pids_count"]')
if [ "${hits:-0}" -gt 0 ] 2>/dev/null && [ "$ppeak" -le 20 ]; then
  pass pids-limit
else
  fail pids-limit "$(why $rc "$T/pids.err") pids_limit_hits=$hits pids_peak=$ppeak"
fi

# A busy loop under --cpus 0.5 for 3 s: throttled, and at most about half a CPU used.
$R run --json "$T/cpu.json" --cpus 0.5 --timeout 3s -- sh -c 'while :; do :; done' 2>"$T/cpu.err"
rc=$?
thr=$(field "$T/cpu.json" '(job["throttled_s"] or 0) > 0.2 and job["cpu_s"] < 2.4')
if [ "$rc" = 124 ] && [ "$thr" = True ]; then
  pass cpu-limit
else
  fail cpu-limit "$(why $rc "$T/cpu.err") throttled_s=$(field "$T/cpu.json" 'job["throttled_s"]') cpu_s=$(field "$T/cpu.json" 'job["cpu_s"]')"
fi

# Without limits nothing is printed: no warning on an ordinary systemd host.
$R run -- true 2>"$T/plain.err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$T/plain.err" ]; then pass no-warning; else fail no-warning "$(why $rc "$T/plain.err")"; fi

# The report says where the job lived: its cgroup, and the unit when systemd made one.
$R run --report "$T/report.txt" -- true 2>/dev/null
if grep -q 'cgroup' "$T/report.txt"; then pass report-cgroup; else fail report-cgroup "$(head -c 600 "$T/report.txt")"; fi

# An ordinary user asking for a controller her manager was not given (Debian's user@.service delegates cpu
# memory pids, not io): refused, naming it and what an administrator can do.
if [ "$(id -u)" != 0 ]; then
  $R run -p 'IOReadBandwidthMax=/dev/vda 1M' -- true 2>"$T/io.err"
  rc=$?
  if [ "$rc" = 125 ] && grep -q 'io' "$T/io.err" && grep -q 'user@.service' "$T/io.err" && grep -q 'Delegate=' "$T/io.err"
  then pass io-not-delegated-says-why; else fail io-not-delegated-says-why "$(why $rc "$T/io.err")"; fi
fi

# Named jobs, as `reins job` users work with them: create with limits, exec inside, stat, events, kill, rm.
J=chk-$ctx
if $R job create "$J" -m 50M 2>"$T/jc.err" && $R job list | grep -qx "$J"; then pass job-create
else fail job-create "$(why $? "$T/jc.err")"; fi
$R job exec "$J" -- dd if=/dev/zero of=/dev/null bs=200M count=1 2>"$T/je.err"
rc=$?
$R job stat "$J" --json - >"$T/js.json" 2>"$T/js.err"
if [ "$rc" = 137 ] && [ "$(field "$T/js.json" 'stats["memory"]["oom_kill_count"] >= 1')" = True ]; then
  pass job-exec-stat
  echo "  job $J: $(field "$T/js.json" 'paths[0]'), unit $(field "$T/js.json" unit)" >>"$out"
else
  fail job-exec-stat "$(why $rc "$T/je.err") $(head -c 300 "$T/js.err") oom_kills=$(field "$T/js.json" 'stats["memory"]["oom_kill_count"]')"
fi
# events: all-exited once the member started in the background is gone.
$R job exec "$J" -- sleep 2 &
exec_pid=$!
for _ in $(seq 100); do [ -n "$($R job ps "$J" | sed 1d)" ] && break; sleep 0.05; done
timeout 30 $R job events "$J" --json - --until-empty >"$T/ev.json" 2>"$T/ev.err"
wait $exec_pid
if grep -q 'all-exited' "$T/ev.json"; then pass job-events; else fail job-events "$(head -c 300 "$T/ev.json") $(head -c 300 "$T/ev.err")"; fi
# kill: a member that would run for 100 s ends at once, and its exec says so (137).
$R job exec "$J" -- sleep 100 &
exec_pid=$!
for _ in $(seq 100); do [ -n "$($R job ps "$J" | sed 1d)" ] && break; sleep 0.05; done
$R job kill "$J" 2>"$T/jk.err"
wait $exec_pid
rc=$?
if [ "$rc" = 137 ]; then pass job-kill; else fail job-kill "$(why $rc "$T/jk.err")"; fi
if $R job rm "$J" 2>"$T/jr.err" && ! $R job stat "$J" >/dev/null 2>&1; then pass job-rm
else fail job-rm "$(why $? "$T/jr.err")"; fi
