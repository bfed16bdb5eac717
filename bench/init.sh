#!/usr/bin/env bash
# reins init against tini and dumb-init, side by side in one run (docs/benchmarks-init.md):
#   1. start-up and exit: `INIT /bin/true` (hyperfine, 1000 runs each, commands interleaved by hyperfine's order)
#   2. idle footprint: RSS, PSS and anonymous PSS of `INIT sleep 60` after 2 s (median of 3; reins pages out
#      its start-up code 1 s after the start), and the wake-ups (voluntary context switches) over the next 5 s
#   3. reaping: 2,000 orphans that exit at once (`reins-testproc orphans 2000`: it counts the orphans the init
#      adopted and polls until the init has no other child left), as PID 1 of a fresh PID namespace for all
#      three and as subreaper for reins and tini (dumb-init has no subreaper mode); 5 runs each, alternating
# Usage: bench/init.sh [--quick]   (as root; --quick: 200 hyperfine runs and 2 reaping runs)
#   REINS=path/to/reins bench/init.sh   measures that reins binary instead of the release preset's
set -euo pipefail
cd "$(dirname "$0")/.."
runs=1000 reap_runs=5
[ "${1:-}" = --quick ] && runs=200 reap_runs=2

scripts/setup-debian.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release --target reins-cli reins-testproc >/dev/null
R=${REINS:-$PWD/build/release/cli/reins} T=$PWD/build/release/tests/reins-testproc
TINI=$(command -v tini) DUMB=$(command -v dumb-init)
sync  # freshly linked pages are dirty and could not be paged out by reins init
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# reins init vs tini vs dumb-init ($(date -u +%F), $(uname -r), $(nproc) CPUs)"
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
echo "reins binary: $R ($(file -b "$R" | grep -o -E '(statically|dynamically) linked'))"
echo "tini $(dpkg-query -W -f='${Version}' tini), dumb-init $(dpkg-query -W -f='${Version}' dumb-init), reins $($R --version)"

echo; echo "## 1. Start-up and exit: INIT /bin/true"
hyperfine -N --style none --warmup 50 --runs "$runs" --export-json "$tmp/startup.json" \
  "$R init --subreaper -- /bin/true" "$TINI -s -- /bin/true" "$DUMB /bin/true" "/bin/true" >/dev/null 2>&1
python3 - "$tmp/startup.json" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
print("| command | min ms | median ms | mean ms | max ms | CPU (user+sys) ms |\n|---|---|---|---|---|---|")
for r in res:
    t = [x * 1000 for x in r["times"]]
    print(f"| `{r['command']}` | {min(t):.3f} | {statistics.median(t):.3f} | {statistics.mean(t):.3f} | {max(t):.3f} "
          f"| {(r['user'] + r['system']) * 1000:.3f} |")
def key(r): return r["command"].split()[0].split("/")[-1]
med = {key(r): statistics.median(r["times"]) for r in res}
low = {key(r): min(r["times"]) for r in res}
cpu = {key(r): r["user"] + r["system"] for r in res}
print(f"\nreins/tini: median {med['reins'] / med['tini']:.2f}, min {low['reins'] / low['tini']:.2f}, "
      f"CPU {cpu['reins'] / cpu['tini']:.2f} (target: at least as fast, <= 1.00 — "
      f"{'met' if med['reins'] <= med['tini'] else 'NOT met'} on the median)")
PY

idle() {  # idle NAME CMD...: prints "NAME rss pss pss_anon wakeups"
  local name=$1; shift
  "$@" sleep 60 & local pid=$!
  sleep 2
  local v0 v1
  v0=$(awk '/^voluntary_ctxt_switches/{print $2}' "/proc/$pid/status")
  local mem
  mem=$(awk '/^(Rss|Pss|Pss_Anon):/{printf "%s ", $2}' "/proc/$pid/smaps_rollup")
  sleep 5
  v1=$(awk '/^voluntary_ctxt_switches/{print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  echo "$name $mem$((v1 - v0))"
}
echo; echo "## 2. Idle footprint: INIT sleep 60 (kB, median of 3; wake-ups over 5 s)"
for i in 1 2 3; do
  idle reins "$R" init --subreaper --
  idle tini "$TINI" -s --
  idle dumb-init "$DUMB"
done > "$tmp/idle.txt"
python3 - "$tmp/idle.txt" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, *vals = line.split()
    rows[name].append([int(v) for v in vals])
print("| init | RSS | PSS | anon PSS | wake-ups / 5 s |\n|---|---|---|---|---|")
med = {}
for name, vals in rows.items():
    m = [statistics.median(col) for col in zip(*vals)]
    med[name] = m
    print(f"| {name} | {m[0]:.0f} | {m[1]:.0f} | {m[2]:.0f} | {m[3]:.0f} |")
r, t = med["reins"], med["tini"]
print(f"\nreins RSS {r[0]:.0f} kB (target < 2048: {'met' if r[0] < 2048 else 'NOT met'}); "
      f"PSS reins/tini {r[1] / t[1]:.2f} (target <= 2.00: {'met' if r[1] <= 2 * t[1] else 'NOT met'}); "
      f"anon PSS reins/tini {r[2] / t[2]:.2f}")
PY

reap() {  # reap NAME CMD...: prints "NAME ms adopted left"
  local name=$1; shift
  local out
  out=$("$@" "$T" orphans 2000 60)
  echo "$name $(sed -n 's/^left \([0-9]*\) after \([0-9.]*\) ms$/\2 \1/p' <<<"$out") $(sed -n 's/^adopted //p' <<<"$out")"
}
echo; echo "## 3. Reaping 2,000 orphans that exit at once (ms until the init has no other child; $reap_runs runs each)"
ns=(unshare --pid --fork --mount-proc)
for i in $(seq "$reap_runs"); do
  reap "reins PID 1" "${ns[@]}" "$R" init --
  reap "tini PID 1" "${ns[@]}" "$TINI" --
  reap "dumb-init PID 1" "${ns[@]}" "$DUMB"
  reap "reins subreaper" "$R" init --subreaper --
  reap "tini subreaper" "$TINI" -s --
done > "$tmp/reap.txt"
python3 - "$tmp/reap.txt" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    *name, ms, left, adopted = line.split()
    rows[" ".join(name)].append((float(ms), int(left), int(adopted)))
print("| init | min ms | median ms | max ms | left | adopted |\n|---|---|---|---|---|---|")
for name, vals in rows.items():
    ms = [v[0] for v in vals]
    print(f"| {name} | {min(ms):.1f} | {statistics.median(ms):.1f} | {max(ms):.1f} | "
          f"{max(v[1] for v in vals)} | {min(v[2] for v in vals)} |")
PY
