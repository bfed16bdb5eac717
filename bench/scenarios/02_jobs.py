"""Job cost: `reins run` with a fresh cgroup job (and the limits of `-m 1G --pids 100`) against bare, prlimit,
tini and cgexec, side by side. Needs root and cgroups."""
import os
import statistics
import time

import benchlib


def own_cgroup(controller):
    for line in open("/proc/self/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if controller in ctrls.split(","):
            return path
    return "/"


def migration_costs(samples):
    """Times writing our own pid to a v1 cgroup.procs (what a child does to join a v1 hierarchy): spaced
    300 ms apart (as single `reins run`s are), then back to back. Returns (spaced, back_to_back) in s."""
    own = own_cgroup("pids").rstrip("/")
    base = "/sys/fs/cgroup/pids"
    test = f"{base}{own}/reins-bench-migrate-{os.getpid()}"
    os.mkdir(test)
    spaced, burst = [], []
    try:
        for out, pause in ((spaced, 0.3), (burst, 0.0)):
            for _ in range(samples):
                time.sleep(pause)
                with open(os.path.join(test, "cgroup.procs"), "w") as f:
                    t0 = time.perf_counter()
                    f.write(str(os.getpid()))
                    f.flush()
                    out.append(time.perf_counter() - t0)
                with open(f"{base}{own}/cgroup.procs", "w") as f:
                    f.write(str(os.getpid()))
    finally:
        with open(f"{base}{own}/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
        os.rmdir(test)
    return spaced, burst


def run(ctx):
    if os.geteuid() != 0:
        return "## Job cost\n\nSkipped: needs root (cgroups).\n"
    target = "/bin/true"
    r = ctx.reins
    cmds = [
        ("bare", target),
        ("prlimit --nofile=1024", f"prlimit --nofile=1024 {target}"),
        ("reins run --no-job", f"{r} run --no-job -- {target}"),
        ("reins run (job, no limits)", f"{r} run -- {target}"),
        ("reins run -m 1G --pids 100", f"{r} run -m 1G --pids 100 -- {target}"),
    ]
    if ctx.have("tini"):
        cmds.append(("tini -s", f"tini -s -- {target}"))
    # cgexec joins cgroups made beforehand (it cannot make or remove them), so it does less than reins.
    made = []
    if ctx.have("cgexec") and os.path.isdir("/sys/fs/cgroup/memory") and os.path.isdir("/sys/fs/cgroup/pids"):
        mem = own_cgroup("memory").rstrip("/") + "/reins-bench-cgexec"
        pids = own_cgroup("pids").rstrip("/") + "/reins-bench-cgexec"
        for d, f, v in ((f"/sys/fs/cgroup/memory{mem}", "memory.limit_in_bytes", "1G"),
                        (f"/sys/fs/cgroup/pids{pids}", "pids.max", "100")):
            os.mkdir(d)
            made.append(d)
            open(os.path.join(d, f), "w").write(v)
        cmds.append(("cgexec (existing cgroups)", f"cgexec -g memory:{mem} -g pids:{pids} {target}"))
    try:
        rounds, runs = (3, 30) if ctx.quick else (8, 60)
        times = benchlib.interleaved(cmds, rounds, runs)
    finally:
        for d in reversed(made):
            os.rmdir(d)
    ref = benchlib.quartiles(times["prlimit --nofile=1024"])[1]
    rows = []
    for name, _ in cmds:
        q1, med, q3 = benchlib.quartiles(times[name])
        rows.append([name, benchlib.fmt_time(med), f"{benchlib.fmt_time(q1)} – {benchlib.fmt_time(q3)}",
                     f"{med / ref:.2f}×"])
    job = benchlib.quartiles(times["reins run -m 1G --pids 100"])[1]
    nojob = benchlib.quartiles(times["reins run --no-job"])[1]
    core = benchlib.quartiles(times["reins run (job, no limits)"])[1]
    ratio = job / ref
    sections = [
        "## Job cost", "",
        f"### `reins run -m 1G --pids 100 -- /bin/true` ({rounds} rounds × {runs} runs each)", "",
        benchlib.table(["command", "median", "IQR", "vs prlimit"], rows), "",
        f"Target: with the job created, joined and removed, ≤ 1.2× prlimit — measured {ratio:.2f}×: "
        f"{benchlib.verdict(ratio, 1.2)}. The job (cgroups made, limits written, joined, OOM watch, removed) "
        f"adds {benchlib.fmt_time(job - nojob)} to `reins run --no-job`. The default job of `reins run` "
        f"(cgroup2 core only: mkdir, clone3 CLONE_INTO_CGROUP, rmdir) is {core / ref:.2f}× prlimit: "
        f"{benchlib.verdict(core / ref, 1.2)}.", ""]
    if os.path.isdir("/sys/fs/cgroup/pids") and os.path.isdir("/sys/fs/cgroup/unified"):
        spaced, burst = migration_costs(6 if ctx.quick else 12)
        sections += [
            "### Why: one join of a v1 hierarchy", "",
            "v1 has no CLONE_INTO_CGROUP, so a child joins a v1 cgroup by writing to its `cgroup.procs` before "
            "exec: a migration, which takes the kernel's `cgroup_threadgroup_rwsem` for writing. That waits for "
            "an RCU grace period unless another migration happened moments before (or the hierarchy was mounted "
            "with `favordynmods`, which reins does not touch). Writing our pid to a v1 `pids` cgroup.procs:", "",
            benchlib.table(["when", "median", "max"], [
                ["300 ms apart (like separate `reins run`s)", benchlib.fmt_time(statistics.median(spaced)),
                 benchlib.fmt_time(max(spaced))],
                ["back to back (like an in-process loop)", benchlib.fmt_time(statistics.median(burst)),
                 benchlib.fmt_time(max(burst))]]), "",
            "The table above runs each command many times back to back, so all but the first run of a round "
            "find the grace period passed, as a loop would. A single `reins run` with a v1 limit on a quiet machine "
            "pays one grace period (the first median here): a floor set by the kernel, not by reins. reins joins "
            "all v1 hierarchies back to back (one grace period, not one per hierarchy), makes v1 cgroups only for "
            "the limits asked (and for `--report` statistics), and never migrates into cgroup2 (clone3 places the "
            "child). On pure v2 the limits live in the cgroup the child is cloned into: no migration at all.", ""]
    return "\n".join(sections)
