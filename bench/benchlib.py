"""Shared helpers for bench/compare scenarios: interleaved command timing, statistics, markdown tables."""
import json
import os
import shutil
import statistics
import subprocess
import tempfile


class Context:
    def __init__(self, root, quick):
        self.root = root
        self.quick = quick
        self.reins = os.path.join(root, "build", "release", "cli", "reins")
        self.testproc = os.path.join(root, "build", "release", "tests", "reins-testproc")

    def have(self, tool):
        return shutil.which(tool) is not None


def hyperfine_times(cmd, runs, warmup=3):
    """Runs one command `runs` times under hyperfine (no shell) and returns its times in seconds."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                        "--export-json", out.name, cmd], check=True, stdout=subprocess.DEVNULL)
        return json.load(open(out.name))["results"][0]["times"]


def interleaved(commands, rounds, runs_per_round):
    """Times each (label, command) for `rounds` rounds of `runs_per_round` runs, round-robin, so that all
    commands see the same machine conditions. Returns {label: [seconds...]}."""
    times = {label: [] for label, _ in commands}
    for _ in range(rounds):
        for label, cmd in commands:
            times[label] += hyperfine_times(cmd, runs_per_round)
    return times


def quartiles(values):
    q = statistics.quantiles(values, n=4)
    return q[0], statistics.median(values), q[2]


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def verdict(ratio, limit, lower_is_better=True):
    ok = ratio <= limit if lower_is_better else ratio >= limit
    return "met" if ok else "**not met**"
