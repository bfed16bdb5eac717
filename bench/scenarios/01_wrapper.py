"""Wrapper cost: what it costs to run a command through reins versus through each peer."""
import os

import benchlib

SECTION = "Wrapper cost"
PRLIMIT = "prlimit --nofile=1024"
FLOOR = "fork+exec+wait floor (static C)"
RLIMIT = "reins run --no-job --rlimit nofile=1024"
SUPERVISED = "reins run --no-job --timeout 1h --rlimit nofile=1024"
RLIMIT_JOB = "reins run --rlimit nofile=1024 (default: in a cgroup2 job)"
JOB = "reins run -m 1G --pids 100"
INIT = "reins init --subreaper"
INIT_NOJOB = "reins init --subreaper --no-job"
TINI = "tini -s"
CGEXEC = "cgexec -g memory:… -g pids:… (cgroups made beforehand)"
JOIN_SECTION = "Joining a v1 cgroup"

FLOOR_C = r"""
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  (void)argc;
  pid_t p = fork();
  if (p == 0) { execv(argv[1], argv + 1); _exit(127); }
  int s; waitpid(p, &s, 0); return 0;
}
"""


def floor_binary():
    """A minimal static fork+exec+wait: the least any wrapper that waits for its child can cost."""
    return benchlib.static_c_binary("fork-exec-wait", FLOOR_C)


def scratch_cgroups_for_cgexec(ctx):
    """The cgroups cgexec joins, with the limits `reins run -m 1G --pids 100` sets, or None where cgexec
    cannot be measured (not installed, no v1 memory and pids hierarchies)."""
    if not ctx.have("cgexec"):
        return None
    try:
        return benchlib.ScratchCgroups("cgexec", {
            "memory": {"memory.limit_in_bytes": "1G"}, "pids": {"pids.max": "100"}})
    except OSError:
        return None


def commands(ctx, floor, target, cgroups, job_works):
    cmds = [
        ("bare", target),
        (FLOOR, f"{floor} {target}"),
        (PRLIMIT, f"prlimit --nofile=1024 {target}"),
        ("/usr/bin/time -v", f"/usr/bin/time -v -o /dev/null {target}"),
        ("timeout 10", f"timeout 10 {target}"),
        (INIT, f"{ctx.reins} init --subreaper -- {target}"),
    ]
    if job_works:
        cmds += [(INIT_NOJOB, f"{ctx.reins} init --subreaper --no-job -- {target}"),
                 (RLIMIT, f"{ctx.reins} run --no-job --rlimit nofile=1024 -- {target}"),
                 (SUPERVISED, f"{ctx.reins} run --no-job --timeout 1h --rlimit nofile=1024 -- {target}"),
                 (RLIMIT_JOB, f"{ctx.reins} run --rlimit nofile=1024 -- {target}"),
                 (JOB, f"{ctx.reins} run -m 1G --pids 100 -- {target}")]
    else:  # a build without jobs: `reins run` has no job to leave out
        cmds.append((RLIMIT, f"{ctx.reins} run --rlimit nofile=1024 -- {target}"))
    if ctx.have("tini"):
        cmds.append((TINI, f"tini -s -- {target}"))
    if ctx.have("dumb-init"):
        cmds.append(("dumb-init", f"dumb-init {target}"))
    if cgroups:
        cmds.append((CGEXEC, f"cgexec -g memory:{cgroups.paths['memory']} -g pids:{cgroups.paths['pids']} {target}"))
    return cmds


def targets(ctx, times):
    """The targets, judged on the /bin/true run (where the wrapper's own cost is the whole difference)."""
    measured = times.by_round
    r = times.ratio(RLIMIT, PRLIMIT)
    lines = [ctx.target(SECTION, "`reins run` with an rlimit ≤ 1.0× prlimit", f"{r:.2f}×", r <= 1.0), "",
             f"With `--no-job` and nothing to report, time or guard, `reins run` sets the rlimits and execs the "
             f"command in its own place, as prlimit does. A wrapper that waits for the command (to report, forward "
             f"signals, enforce a timeout, clean up) pays a fork: the static C floor above is "
             f"{times.ratio(FLOOR, PRLIMIT):.2f}× prlimit, and `reins run` supervising (`--timeout 1h`) is "
             f"{times.ratio(SUPERVISED, FLOOR):.2f}× that floor." if SUPERVISED in measured else
             "This build has no jobs: `reins run` supervises the command.", ""]
    if JOB in measured:
        j = times.ratio(JOB, PRLIMIT)
        lines += [ctx.target(SECTION, "`reins run` with a job and memory+pids limits ≤ 1.2× prlimit", f"{j:.2f}×",
                             j <= 1.2), "",
                  f"By default `reins run` puts the command in a job: a cgroup2 cgroup (mkdir, clone3 "
                  f"`CLONE_INTO_CGROUP`, rmdir), {times.ratio(RLIMIT_JOB, PRLIMIT):.2f}× prlimit here; `--no-job` "
                  f"leaves it out. With `-m 1G --pids 100` the job adds v1 memory and pids cgroups on this hybrid "
                  f"machine (made, limits written, joined, an OOM watch, removed): "
                  f"{times.ratio(JOB, SUPERVISED):.2f}× `--no-job` (supervising). Joining a v1 cgroup has a kernel floor that this "
                  f"back-to-back table hides: see "
                  f"[{JOIN_SECTION}]({benchlib.anchor(JOIN_SECTION)}).", ""]
    if TINI in measured:
        i = times.ratio(INIT, TINI)
        no_job = f" (`--no-job`: {times.ratio(INIT_NOJOB, TINI):.2f}×)" if INIT_NOJOB in measured else ""
        lines += [ctx.target(SECTION, "`reins init` start-up at least as fast as `tini -s`",
                             f"{i:.2f}× tini{no_job}", i <= 1.0), "",
                  "`reins init` runs its command in a job by default, as `reins run` does, so that nothing the "
                  "command leaves behind survives it; tini has no such guarantee. `--no-job` leaves the job out.",
                  ""]
    if CGEXEC in measured:
        lines += [f"cgexec only joins cgroups made beforehand (it cannot make or remove them), so it does less "
                  f"than `{JOB}`, which makes the job's cgroups, sets the limits and removes them after the "
                  f"command; libcgroup also parses the mount table and its configuration at every start.", ""]
    return lines


def run(ctx):
    floor = floor_binary()
    job_works = benchlib.works([ctx.reins, "run", "--no-job", "--", "/bin/true"])
    cgroups = scratch_cgroups_for_cgexec(ctx)
    sections = [f"## {SECTION}", ""]
    rounds, runs = ctx.pick((4, 10), (20, 20))
    try:
        for target, label in (("/bin/true", "/bin/true"), ("/bin/sleep 0.01", "a 10 ms command")):
            cmds = commands(ctx, floor, target, cgroups, job_works)
            times = benchlib.interleaved(cmds, rounds, runs)
            sections += [f"### Wrapping {label} ({rounds} rounds × {runs} runs each)", "",
                         benchlib.table(["wrapper", "median", "IQR", "vs prlimit"],
                                        benchlib.ratio_rows(times, [c[0] for c in cmds], PRLIMIT)), ""]
            if target == "/bin/true":
                sections += targets(ctx, times)
    finally:
        if cgroups:
            cgroups.remove()
        os.unlink(floor)
    return "\n".join(sections)
