"""Job cost: `reins run` with a fresh cgroup job (and the limits of `-m 1G --pids 100`) against bare, prlimit,
tini and cgexec, side by side. Needs root and cgroups."""
import os
import subprocess

import benchlib


def own_cgroup(controller):
    for line in open("/proc/self/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if controller in ctrls.split(","):
            return path
    return "/"


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
    ratio = job / ref
    return "\n".join([
        "## Job cost", "",
        f"### `reins run -m 1G --pids 100 -- /bin/true` ({rounds} rounds × {runs} runs each)", "",
        benchlib.table(["command", "median", "IQR", "vs prlimit"], rows), "",
        f"Target: with the job created, joined and removed, ≤ 1.2× prlimit — measured {ratio:.2f}×: "
        f"{benchlib.verdict(ratio, 1.2)}. The job itself (cgroups made, limits written, joined, OOM watch, "
        f"removed) adds {benchlib.fmt_time(job - nojob)} to `reins run --no-job`.", ""])
