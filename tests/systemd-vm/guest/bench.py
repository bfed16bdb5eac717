#!/usr/bin/python3
"""The systemd path's cost against the peer, interleaved in one run (tests/systemd-vm/run.sh --bench):
`reins run -m 1G -- /bin/true` (reins asks systemd for a scope of its own, as from a login shell) against
`systemd-run --scope -p MemoryMax=1G /bin/true`, as root (system manager) or as the user (--user). Prints a
markdown table row: medians of per-round wall times and the median of the per-round ratios."""
import statistics
import subprocess
import sys
import time

user = len(sys.argv) > 1 and sys.argv[1] == "--user"
reins = ["/opt/reins/reins", "run", "-m", "1G", "--", "/bin/true"]
peer = ["systemd-run", "--quiet"] + (["--user"] if user else []) + ["--scope", "-p", "MemoryMax=1G", "/bin/true"]


def once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def batch(cmd, n):
    return statistics.median(once(cmd) for _ in range(n))


for cmd in (reins, peer):  # warm-up: page cache, the managers' first transient units
    batch(cmd, 3)
rounds = []
for i in range(10):
    pair = [batch(reins, 5), batch(peer, 5)] if i % 2 == 0 else list(reversed([batch(peer, 5), batch(reins, 5)]))
    rounds.append(pair)
r = statistics.median(a for a, _ in rounds)
p = statistics.median(b for _, b in rounds)
ratio = statistics.median(a / b for a, b in rounds)
who = "user (--user)" if user else "root"
print(f"| {who} | {r * 1000:.1f} ms | {p * 1000:.1f} ms | {ratio:.2f}x |")
