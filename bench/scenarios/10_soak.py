"""The soak: 100,000 job lifecycles (create, spawn /bin/true inside, wait, remove) and 100,000 memory guard
start/stop cycles in one process (bench/bench_soak.cpp), with the descriptors, resident memory, threads and
jobs the process holds measured before and after. Every figure must stay flat."""
import json
import os
import subprocess

import benchlib

SECTION = "Soak"


def section(ctx, r):
    rows = []
    for key, what in [("before", "before"), ("after_jobs", f"after {r['job_cycles']:,} job cycles"),
                      ("after_guards", f"after {r['guard_cycles']:,} guard cycles")]:
        h = r[key]
        rows.append([what, str(h["fds"]), f"{h['rss_kib']:,} KiB", str(h["threads"]), str(h["jobs"])])
    b, e = r["before"], r["after_guards"]
    flat = e["fds"] == b["fds"] and e["threads"] == b["threads"] and e["jobs"] == b["jobs"] and \
        e["rss_kib"] - b["rss_kib"] < 1024
    per_job = r["job_s"] / max(r["job_cycles"], 1)
    per_guard = r["guard_s"] / max(r["guard_cycles"], 1)
    return "\n".join([
        f"## {SECTION}", "",
        f"### {r['job_cycles']:,} job and {r['guard_cycles']:,} guard cycles in one process (`bench_soak`)", "",
        benchlib.table(["when", "open fds", "RSS", "threads", "jobs left"], rows), "",
        f"A job cycle took {benchlib.fmt_time(per_job)} (create, spawn /bin/true inside, wait, remove); a guard "
        f"start and stop {benchlib.fmt_time(per_guard)}.", "",
        ctx.target(SECTION, f"descriptors, threads and jobs flat, resident memory within 1 MiB, after "
                   f"{r['job_cycles']:,} cycles of each",
                   f"{e['fds'] - b['fds']:+d} fds, {e['threads'] - b['threads']:+d} threads, "
                   f"{e['jobs'] - b['jobs']:+d} jobs, {e['rss_kib'] - b['rss_kib']:+d} KiB", flat), "",
    ])


def run(ctx):
    if os.geteuid() != 0 or not benchlib.works([ctx.reins, "run", "--", "/bin/true"]):
        return f"## {SECTION}\n\nNot measured: it needs root and cgroups.\n"
    jobs, guards = ctx.pick((500, 500), (100000, 100000))
    out = subprocess.run([os.path.join(ctx.bench_dir, "bench_soak"), str(jobs), str(guards)], check=True,
                         capture_output=True, text=True).stdout
    return section(ctx, json.loads(out))
