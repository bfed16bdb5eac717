#!/usr/bin/python3
"""The systemd path's cost against the peer, interleaved in one run (tests/systemd-vm/run.sh --bench):
`reins run -m 1G -- /bin/true` (reins asks systemd for a scope of its own, as from a login shell) against
`systemd-run --scope -p MemoryMax=1G /bin/true`, as root (system manager) or as the user (--user); and, for
what delegation itself costs the manager, `systemd-run --scope -p Delegate=yes /bin/true`; and the dev build's
dynamically linked reins, which talks sd-bus in-process instead of through the static reins' helper. Prints a markdown
table row: medians of per-round wall times and the median of the per-round ratios reins / peer."""
import statistics
import subprocess
import sys
import time

user = len(sys.argv) > 1 and sys.argv[1] == "--user"
run = ["systemd-run", "--quiet"] + (["--user"] if user else []) + ["--scope"]
commands = {
    "reins": ["/opt/reins/reins", "run", "-m", "1G", "--", "/bin/true"],
    "peer": run + ["-p", "MemoryMax=1G", "/bin/true"],
    "delegate": run + ["-p", "Delegate=yes", "/bin/true"],
    "dynamic": ["/opt/reins/reins-dynamic", "run", "-m", "1G", "--", "/bin/true"],
}


def batch(cmd, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


for cmd in commands.values():  # warm-up: page cache, the managers' first transient units
    batch(cmd, 3)
rounds = []
for i in range(10):
    order = list(commands) if i % 2 == 0 else list(reversed(commands))
    rounds.append({name: batch(commands[name]) for name in order})
med = {name: statistics.median(r[name] for r in rounds) for name in commands}
ratio = statistics.median(r["reins"] / r["peer"] for r in rounds)
dyn_ratio = statistics.median(r["dynamic"] / r["peer"] for r in rounds)
who = "user (--user)" if user else "root"
print(f"| {who} | {med['reins'] * 1000:.1f} ms | {med['peer'] * 1000:.1f} ms | {med['delegate'] * 1000:.1f} ms "
      f"| {ratio:.2f}x | {med['dynamic'] * 1000:.1f} ms ({dyn_ratio:.2f}x) |")
