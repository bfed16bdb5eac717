"""Guard steady cost: what guarding costs while the target stays under its limit — one tick on a 4 GiB process
against athena's method (parse all of /proc/PID/smaps every tick), and the CPU of guarding a 101-process tree
at 10 Hz (bench/bench_guard.cpp, and `reins watch` as a command)."""
import os
import signal
import subprocess
import time

import benchlib

SECTION = "Guard steady cost"
TICK_FILTER = "^BM_GuardTick"
TREE_FILTER = "^BM_GuardTree101"


def tick_lines(ctx, hog):
    env = {"REINS_BENCH_TARGETS": f"4096={hog.pid}"}
    runs = benchlib.gbench(ctx, "bench_guard", TICK_FILTER, ctx.pick(0.2, 2.0), repetitions=ctx.pick(2, 5), env=env)
    reins = benchlib.median([r["real_s"] for r in runs["BM_GuardTick_reins"]])
    athena = benchlib.median([r["real_s"] for r in runs["BM_GuardTick_athena"]])
    ratio = runs["BM_GuardTickRatio_athena_vs_reins"]
    interleaved = benchlib.median([r["athena_over_reins"] for r in ratio])
    reins_inter = benchlib.median([r["reins_ms"] for r in ratio]) / 1e3
    athena_inter = benchlib.median([r["raw_ms"] for r in ratio]) / 1e3
    return [
        "### One tick under the limit, 4 GiB process", "",
        "reins' tick is what the guard's loop does: refresh the membership, read RSS from the held statm fd; the "
        "RSS gate stays closed (PSS ≤ RSS, far under the 8 GiB limit), so no page is walked. athena's tick "
        "reads all of `/proc/PID/smaps` and sums its `Pss:` lines.", "",
        benchlib.table(["tick", "alone", "interleaved with the other"], [
            ["reins (statm through the RSS gate)", benchlib.fmt_time(reins), benchlib.fmt_time(reins_inter)],
            ["athena (full smaps)", benchlib.fmt_time(athena), benchlib.fmt_time(athena_inter)]]), "",
        ctx.target(SECTION, "a guard tick under the limit ≥ 100× cheaper than parsing full smaps (athena)",
                   f"{interleaved:,.0f}× (interleaved; {athena / reins:,.0f}× alone)", interleaved >= 100), "",
        "Interleaved, reins' tick runs right after a 4 GiB smaps read has evicted its data from the caches, so it "
        "costs more than alone; the ratio is judged there, the harder case.", ""]


def tree_lines(ctx, seconds):
    runs = benchlib.gbench(ctx, "bench_guard", TREE_FILTER, 0.1, env={"REINS_BENCH_GUARD_SECONDS": str(seconds)})
    closed = benchlib.find_run(runs, "BM_GuardTree101_10Hz/0")[0]
    opened = benchlib.find_run(runs, "BM_GuardTree101_10Hz/1")[0]
    rows = [[label, f"{r['guard_cpu_ms']:.1f} ms", f"{r['core_percent']:.3f}%", f"{r['samples']:.0f}",
             f"{r['walks']:.0f}", f"{r['per_tick_us']:.0f} µs"]
            for label, r in (("under the limit (RSS gate closed)", closed),
                             ("near the limit (gate open: every tick walks all 101 rollups)", opened))]
    refresh = benchlib.median([r["real_s"] for r in runs["BM_GuardTree101_refresh"]])
    sample = benchlib.median([r["real_s"] for r in runs["BM_GuardTree101_sample"]])
    return [
        f"### A 101-process tree at 10 Hz for {seconds} s (`MemoryGuard`)", "",
        "`reins-testproc children 100`, guarded by a `MemoryGuard` on the tree (PSS, 100 ms interval, report "
        "only); CPU is the guard thread's own (user + system).", "",
        benchlib.table(["case", "guard CPU", "of one core", "ticks", "smaps_rollup walks", "CPU per tick"], rows), "",
        ctx.target(SECTION, "guarding a 100-process tree at 10 Hz < 1% of a core",
                   f"{closed['core_percent']:.3f}% (near the limit: {opened['core_percent']:.2f}%)",
                   closed["core_percent"] < 1.0), "",
        f"Measured alone for comparison: refreshing the membership when no pid was handed out since the last "
        f"scan {benchlib.fmt_time(refresh)}, reading the 101 RSS counters {benchlib.fmt_time(sample)}; the guard "
        f"rescans the whole tree when a pid was handed out, or once a second.", ""]


def watch_cpu(ctx, tree, seconds):
    """CPU time of `reins watch --tree` (the whole command) over `seconds`."""
    watcher = benchlib.Child([ctx.reins, "watch", "--tree", str(tree.pid), "--max-pss", "4G", "--interval", "100ms"],
                             ready=False, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # past its start-up
        before = benchlib.cpu_seconds(watcher.pid)
        time.sleep(seconds)
        return benchlib.cpu_seconds(watcher.pid) - before
    finally:
        watcher.stop(signal.SIGTERM)


def command_lines(ctx, seconds):
    with benchlib.testproc(ctx, "children", 100) as tree:
        cpu = watch_cpu(ctx, tree, seconds)
    return [f"As a command, `reins watch --tree PID --max-pss 4G --interval 100ms` on the same kind of tree used "
            f"{cpu * 1000:.0f} ms of CPU in {seconds} s ({100 * cpu / seconds:.2f}% of a core; /proc/PID/stat "
            f"counts in 10 ms ticks).", ""]


def run(ctx):
    if not os.path.exists(os.path.join(ctx.bench_dir, "bench_guard")):
        return f"## {SECTION}\n\nSkipped: this build has no bench_guard (the memory guard).\n"
    seconds = ctx.pick(3, 10)
    with benchlib.testproc(ctx, "memhog", 4096) as hog:
        lines = [f"## {SECTION}", ""] + tick_lines(ctx, hog)
    lines += tree_lines(ctx, seconds)
    lines += command_lines(ctx, seconds)
    return "\n".join(lines)
