#!/usr/bin/env bash
# The Slurm lane: reins as the task wrapper under Debian's slurm-wlm 22.05 on one node (slurmctld and slurmd
# started by hand, munge with its own key and socket, every file under one temporary directory), with
# proctrack/cgroup and task/cgroup on the cgroup/v1 plugin (the only one this hybrid host can run). slurmd's
# plugin makes its cgroups at absolute paths (slurm_<host>/uid_0/job_N/step_M), so slurmd runs in a cgroup
# namespace rooted at our own cgroups (tests/engines/lib.sh): they land below them.
#
# Checks: srun reins run -m 100M OOM-kills inside reins' own job, nested under the step's memory cgroup;
# scancel of an sbatch job ends everything reins started, setsid daemons included; srun --mem=50M reins run
# -m 100M warns of the step's lower limit before the run and names it as the cause; the README's sbatch
# script runs as written.
#
# Usage: tests/engines/slurm.sh   (scripts/test.sh runs it). Ends with "engine-slurm: N passed, ...".
set -uo pipefail
lane=slurm
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_lane "needs root (slurmd, munged)"
for b in slurmctld slurmd srun sbatch scancel munged mungekey; do
  command -v "$b" >/dev/null || skip_lane "$b is not installed (scripts/setup-debian.sh --engines)"
done
host=$(hostname -s)
[ -z "$(find /sys/fs/cgroup -type d -name "slurm_$host" 2>/dev/null)" ] ||
  skip_lane "cgroups named slurm_$host exist already: another Slurm runs on this host"
build_static_reins

state=$(mktemp -d /tmp/reins-slurm-lane.XXXXXX)
chmod 755 "$state"
snapshot >"$state.before"
export SLURM_CONF=$state/slurm.conf

stop_pidfile() {  # FILE: TERM the daemon it names and wait until it is gone (it is not our child)
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}
cleanup() {
  scancel --quiet --user root 2>/dev/null
  stop_pidfile "$state/slurmd.pid"
  stop_pidfile "$state/slurmctld.pid"
  stop_pidfile "$state/munge/munged.pid"
  remove_cgroups_named "slurm_$host"
  rm -rf "$state"
}
trap 'cleanup; rm -f "$state.before"' EXIT

# munge: a key of its own, its socket and files in the lane's directory, run as the munge user.
mkdir -p "$state/munge" "$state/state" "$state/spool"
chown munge:munge "$state/munge" && chmod 755 "$state/munge"  # clients (slurmctld, slurmd, srun) reach its socket
runuser -u munge -- mungekey -c -k "$state/munge/munge.key" >/dev/null 2>&1 ||
  { fail "create a munge key"; finish; exit; }
runuser -u munge -- munged --socket="$state/munge/munge.socket" --key-file="$state/munge/munge.key" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/seed" ||
  { fail "start munged"; finish; exit; }

cat >"$SLURM_CONF" <<CONF
ClusterName=reins-lane
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/cgroup
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
KillWait=5
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=2 RealMemory=20000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cat >"$state/cgroup.conf" <<CONF
CgroupPlugin=cgroup/v1
ConstrainRAMSpace=yes
ConstrainCores=yes
CONF
slurmctld -f "$SLURM_CONF" || { fail "start slurmctld" "$(tail -5 "$state/slurmctld.log" 2>/dev/null)"; finish; exit; }
run_in_own_cgroup_namespace slurmd -f "$SLURM_CONF" ||
  { fail "start slurmd" "$(tail -5 "$state/slurmd.log" 2>/dev/null)"; finish; exit; }
for _ in $(seq 100); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %t 2>/dev/null | grep -q idle ||
  { fail "the node comes up idle" "$(sinfo 2>&1; tail -5 "$state/slurmd.log")"; finish; exit; }
pass "slurmctld and slurmd run, the node is idle"

reins=$reins_static
hog="dd if=/dev/zero of=/dev/null bs=200M count=1"

# reins' job nests below the step: its OOM is its own, and the step's cgroup is what encloses it.
out=$(srun --mem=500M "$reins" run -m 100M --json - -- $hog 2>&1); rc=$?
check "srun --mem=500M reins run -m 100M: the hog exits 137" 137 "$rc" "$out"
check_has "…killed_by oom" '"killed_by":"oom"' "$out"
check_has "…at the job's own limit" '"memory_limit_hit_count":' "$(printf '%s' "$out" | grep -v '"memory_limit_hit_count":0')"
check_has "…in a job below the step's memory cgroup" "/slurm_$host/uid_0/job_" \
  "$(printf '%s' "$out" | grep -o '"enclosing_limits":\[[^]]*\]')"

# The step's lower limit: warned of before the run, named as the cause after.
out=$(srun --mem=50M "$reins" run -m 100M --json - -- $hog 2>&1); rc=$?
check "srun --mem=50M reins run -m 100M: exits 137" 137 "$rc" "$out"
check_has "…warned of before the run" "reins run: warning: the enclosing cgroup /slurm_$host/uid_0/job_" "$out"
check_has "…named as the cause" "at the enclosing cgroup /slurm_$host/uid_0/job_" "$out"
check_has "…the job's own limit never reached" '"memory_limit_hit_count":0' "$out"

# scancel ends everything reins started, daemons that left with setsid included.
marker=reins-slurm-$$
job=$(sbatch --parsable --mem=200M --output=/dev/null --wrap \
  "exec $reins run -- sh -c 'setsid sleep 1001$$ & setsid sh -c \"sleep 1002$$\" & exec sleep 1003$$'")
for _ in $(seq 100); do [ "$(pgrep -fc "^sleep 100[123]$$")" = 3 ] && break; sleep 0.1; done
check "sbatch: reins, its command and two setsid daemons run" 3 "$(pgrep -fc "^sleep 100[123]$$")"
scancel "$job"
for _ in $(seq 150); do [ "$(pgrep -fc "^sleep 100[123]$$")" = 0 ] && break; sleep 0.1; done
check "scancel: nothing reins started is left" 0 "$(pgrep -fc "^sleep 100[123]$$")" "$(pgrep -af "^sleep 100[123]$$")"

# The README's sbatch script, as written, with a stand-in ./simulate.
mkdir "$state/work"
readme_block slurm-lane | sed "s|exec reins |exec $reins |" >"$state/work/job.sh"
printf '#!/bin/sh\necho simulated "$@"\n' >"$state/work/simulate" && chmod +x "$state/work/simulate"
job=$(cd "$state/work" && sbatch --parsable --output="$state/work/out.txt" job.sh)
for _ in $(seq 150); do [ -s "$state/work/result-$job.json" ] && break; sleep 0.1; done
check_has "the README's sbatch script: the report is written" '"reins_exit_code":0' "$(cat "$state/work/result-$job.json" 2>/dev/null)"

cleanup
trap 'rm -f "$state.before"' EXIT
leftovers_check "$state.before"
finish
