"""Library micro-benchmarks (Google Benchmark, bench/bench_micro.cpp in reins_bench): one call of each parser
and reader, on the small benchmark process itself."""
import benchlib

SECTION = "Library micro-benchmarks"

ROWS = [  # (Google Benchmark name, what one iteration does)
    ("BM_Micro_parse_size", "`parse_size(\"1.5G\")`"),
    ("BM_Micro_parse_size_limit", "`parse_size_limit(\"infinity\")`"),
    ("BM_Micro_parse_duration", "`parse_duration(\"1m30s\")`"),
    ("BM_Micro_parse_rlimit_setting", "`parse_rlimit_setting(\"nofile=1024:4096\")`"),
    ("BM_Micro_read_statm", "`read_process_memory(pid, {.statm})`: open, read, close, parse"),
    ("BM_Micro_read_status", "`read_process_memory(pid, {.status})`"),
    ("BM_Micro_read_smaps_rollup", "`read_process_memory(pid, {.smaps_rollup})` (a small process)"),
    ("BM_Micro_held_statm", "`ProcessMemoryReader::read({.statm})` (held fd, pread)"),
    ("BM_Micro_held_smaps_rollup", "`ProcessMemoryReader::read({.smaps_rollup})` (held fd)"),
    ("BM_Micro_process_descendants", "`process_descendants(pid)` of a process with no children"),
    ("BM_Micro_read_system_memory", "`read_system_memory()` (/proc/meminfo)"),
    ("BM_Micro_read_memory_pressure", "`read_memory_pressure()` (/proc/pressure/memory)"),
    ("BM_Micro_read_own_cgroup_memory", "`read_own_cgroup_memory()` (finds the cgroup, reads its files)"),
    ("BM_Micro_get_rlimit", "`get_rlimit(Resource::nofile)`"),
    ("BM_Micro_rusage", "`rusage()`"),
    ("BM_Job_cycle", "a Job: create, spawn `/bin/true` into it, wait, remove"),
]


def run(ctx):
    reps, min_time = ctx.pick((3, 0.05), (7, 0.5))
    runs = benchlib.gbench(ctx, "^BM_(Micro_|Job_cycle)", min_time, repetitions=reps)
    rows = []
    for name, what in ROWS:
        if name not in runs:
            continue
        real = [r["real_s"] for r in runs[name]]
        cpu = [r["cpu_s"] for r in runs[name]]
        rows.append([what, benchlib.fmt_time(benchlib.median(real)), benchlib.fmt_spread(real),
                     benchlib.fmt_time(benchlib.median(cpu))])
    return "\n".join([
        f"## {SECTION}", "",
        f"`reins_bench --benchmark_filter='^BM_(Micro_|Job_cycle)'`: {reps} repetitions of each, interleaved in "
        f"random order; median wall time per call with the IQR over the repetitions, and CPU time.", "",
        benchlib.table(["call", "wall", "IQR", "CPU"], rows), "",
        "A held reader (`ProcessMemoryReader`) saves the open and close of every read: that is what the Sampler "
        "and the guard tick on. The parsers run once per command line and cost nothing next to a single system "
        "call.", ""])
