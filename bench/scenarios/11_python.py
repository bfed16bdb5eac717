"""The Python package against what Python users call today: reins.resource against the stock resource
module (getrlimit, getrusage: the call itself), and reins.memory(pid).pss against psutil's
memory_full_info().pss on a 100 MiB and a 1 GiB process and a tree, interleaved in one interpreter
(bench/python_calls.py)."""
import json
import os
import subprocess

import benchlib

SECTION = "Python package"
PAIRS = [("getrlimit", "stock getrlimit", "reins getrlimit", "`reins.resource.getrlimit(RLIMIT_NOFILE)`"),
         ("getrusage", "stock getrusage", "reins getrusage", "`reins.resource.getrusage(RUSAGE_SELF)`"),
         ("100 MiB", "psutil 100 MiB", "reins 100 MiB", "`reins.memory(pid).pss`, 100 MiB process"),
         ("1 GiB", "psutil 1 GiB", "reins 1 GiB", "`reins.memory(pid).pss`, 1 GiB process"),
         ("tree", "psutil tree", "reins tree", "`reins.memory(pid, tree=True).total.pss`, 51 processes")]


def paired_ratio(values, label, ref):
    return benchlib.median([a / b for a, b in zip(values[label], values[ref])])


def run(ctx):
    package = os.path.join(ctx.root, "build", "release", "python")
    if not os.path.isdir(os.path.join(package, "reins")):
        return "\n".join([f"## {SECTION}", "", "Skipped: the release build has no Python package.", ""])
    with benchlib.testproc(ctx, "memhog", 100) as small, benchlib.testproc(ctx, "memhog", 1024) as large, \
            benchlib.testproc(ctx, "children", 50) as tree:
        pids = {"100 MiB": small.pid, "1 GiB": large.pid}
        out = benchlib.run_quiet(["/usr/bin/python3", os.path.join(ctx.root, "bench", "python_calls.py"),
                                  str(ctx.pick(5, 15)), str(ctx.pick(20000, 200000)), json.dumps(pids),
                                  str(tree.pid)], env=dict(os.environ, PYTHONPATH=package))
    values = json.loads(out)
    rows, lines = [], []
    for key, peer, ours, what in PAIRS:
        ratio = paired_ratio(values, ours, peer)
        rows.append([what, benchlib.fmt_time(benchlib.median(values[ours])),
                     benchlib.fmt_time(benchlib.median(values[peer])), f"{ratio:.2f}×"])
        peer_name = "the stock module" if key in ("getrlimit", "getrusage") else "psutil"
        lines.append(ctx.target(SECTION, f"{what} ≤ 1.0× {peer_name}", f"{ratio:.2f}×", ratio <= 1.0))
    return "\n".join([
        f"## {SECTION}", "",
        "Seconds per call in one interpreter (Debian's python3), the best of three timeit repeats per round, "
        f"{ctx.pick(5, 15)} rounds interleaved; the ratio is the median over the rounds of reins ÷ the peer. "
        "psutil's Process object is made once, outside the timing, as its users hold one; reins.memory opens the "
        "process's files on each call. Both give the same PSS (checked before timing, within 2%): reins reads "
        "smaps_rollup, psutil parses the full smaps.", "",
        benchlib.table(["call", "reins", "peer", "ratio"], rows), "",
        *[line + "\n" for line in lines]])
