"""Run by bench/scenarios/11_python.py in Debian's python3 with the release build's package on its path:
times per call of reins' Python package and of what Python users call instead (the resource module,
psutil), interleaved round by round in this one process. Prints one JSON object:
{label: [seconds per call, one value per round]}."""

import json
import sys
import timeit

import psutil

import reins
import reins.resource
import resource

rounds, calls, pids, tree_root = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])

# The functions as local names, so that the call is timed and not the attribute lookups before it
# (reins.resource.getrlimit is one lookup more than resource.getrlimit).
stock_getrlimit, stock_getrusage = resource.getrlimit, resource.getrusage
reins_getrlimit, reins_getrusage = reins.resource.getrlimit, reins.resource.getrusage
NOFILE, SELF = resource.RLIMIT_NOFILE, resource.RUSAGE_SELF
cases = {
    "stock getrlimit": lambda: stock_getrlimit(NOFILE),
    "reins getrlimit": lambda: reins_getrlimit(NOFILE),
    "stock getrusage": lambda: stock_getrusage(SELF),
    "reins getrusage": lambda: reins_getrusage(SELF),
}
per_call = {k: calls for k in cases}
for name, pid in pids.items():
    held = psutil.Process(pid)  # held once, as a psutil user does: its lookups are not counted
    cases[f"psutil {name}"] = lambda held=held: held.memory_full_info().pss
    cases[f"reins {name}"] = lambda pid=pid: reins.memory(pid).pss
    per_call[f"psutil {name}"] = per_call[f"reins {name}"] = max(3, calls // (2000 if name != "100 MiB" else 200))
root = psutil.Process(tree_root)
cases["psutil tree"] = lambda: sum(p.memory_full_info().pss for p in [root, *root.children(recursive=True)])
cases["reins tree"] = lambda: reins.memory(tree_root, tree=True).total.pss
per_call["psutil tree"] = per_call["reins tree"] = max(3, calls // 2000)

# The same figure from both, before timing: a benchmark of two different measurements would mean nothing.
for name, pid in [*pids.items(), ("tree", tree_root)]:
    a, b = cases[f"psutil {name}"](), cases[f"reins {name}"]()
    assert abs(a - b) <= max(1 << 20, a // 50), (name, a, b)

labels = list(cases)
out = {label: [] for label in labels}
for i in range(rounds):
    for label in labels if i % 2 == 0 else reversed(labels):
        n = per_call[label]
        out[label].append(min(timeit.repeat(cases[label], number=n, repeat=3)) / n)
print(json.dumps(out))
