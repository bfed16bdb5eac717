"""Joining a v1 cgroup: the kernel's floor under every v1 limit, which back-to-back tables hide."""
import os
import time

import benchlib

SECTION = "Joining a v1 cgroup"


def join_times(cgroup, samples, pause):
    """Times writing our own pid to the scratch cgroup's cgroup.procs (what a child does to join a v1
    hierarchy before exec), `pause` seconds apart, moving back to our own cgroup after each."""
    own = f"/sys/fs/cgroup/pids{benchlib.own_cgroup('pids').rstrip('/')}/cgroup.procs"
    scratch = f"/sys/fs/cgroup/pids{cgroup.paths['pids']}/cgroup.procs"
    times = []
    try:
        for _ in range(samples):
            time.sleep(pause)
            with open(scratch, "w") as f:
                t0 = time.perf_counter()
                f.write(str(os.getpid()))
                f.flush()
                times.append(time.perf_counter() - t0)
            with open(own, "w") as f:
                f.write(str(os.getpid()))
    finally:
        with open(own, "w") as f:
            f.write(str(os.getpid()))
    return times


def run(ctx):
    if os.geteuid() != 0 or not os.path.isdir("/sys/fs/cgroup/pids"):
        return f"## {SECTION}\n\nSkipped: needs root and a v1 pids hierarchy.\n"
    samples = ctx.pick(6, 12)
    with benchlib.ScratchCgroups("join", {"pids": {}}) as cgroup:
        spaced = join_times(cgroup, samples, 0.3)
        burst = join_times(cgroup, samples, 0.0)
    return "\n".join([
        f"## {SECTION}", "",
        "v1 has no `CLONE_INTO_CGROUP`, so a child joins a v1 cgroup by writing to its `cgroup.procs` before exec: "
        "a migration, which takes the kernel's `cgroup_threadgroup_rwsem` for writing. That waits for an RCU "
        "grace period unless another migration happened moments before (or the hierarchy was mounted with "
        "`favordynmods`, which reins does not touch). Writing our pid to a v1 `pids` cgroup.procs, "
        f"{samples} times each:", "",
        benchlib.table(["when", "median", "max"], [
            ["300 ms apart (like separate `reins run`s)", benchlib.fmt_time(benchlib.median(spaced)),
             benchlib.fmt_time(max(spaced))],
            ["back to back (like an in-process loop)", benchlib.fmt_time(benchlib.median(burst)),
             benchlib.fmt_time(max(burst))]]), "",
        "The wrapper tables run each command many times back to back, so all but the first run of a round find "
        "the grace period passed, as a loop would. A single `reins run` with a v1 limit on a quiet machine pays "
        "one grace period (the first median here): a floor set by the kernel, not by reins. reins joins all v1 "
        "hierarchies back to back (one grace period, not one per hierarchy), makes v1 cgroups only for the "
        "limits asked (and for `--report` statistics), and never migrates into cgroup2 (clone3 places the "
        "child). On pure v2 the limits live in the cgroup the child is cloned into: no migration at all.", ""])
