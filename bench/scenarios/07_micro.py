"""Library micro-benchmarks (Google Benchmark): one call of each parser and reader (bench/bench_micro.cpp, on
the small benchmark process itself) and a Job's steps (bench/bench_job.cpp)."""
import os

import benchlib

SECTION = "Library micro-benchmarks"

MICRO = [  # (Google Benchmark name, what one iteration does)
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
]

JOB = [
    ("BM_SpawnBare", "`Process::spawn(/bin/true)` and wait, no job (the reference)"),
    ("BM_LayoutDiscover", "`CgroupLayout::discover()`: parse /proc/self/mountinfo and /proc/self/cgroup"),
    ("BM_JobCreateRemove", "`Job::create` with 1 GiB memory and 100 pids limits, then `remove()`"),
    ("BM_JobCoreSpawn", "a job with no limits (cgroup2 core only): create, spawn /bin/true inside, wait, remove"),
    ("BM_JobLimitsSpawn", "the same with the limits of `-m 1G --pids 100`"),
    ("BM_JobLimitsSpawnOomWatch", "the same plus the OOM watch `reins run` adds for a memory limit"),
]


def rows_of(runs, names):
    rows = []
    for name, what in names:
        if name not in runs:
            continue
        real = [r["real_s"] for r in runs[name]]
        cpu = [r["cpu_s"] for r in runs[name]]
        rows.append([what, benchlib.fmt_time(benchlib.median(real)), benchlib.fmt_spread(real),
                     benchlib.fmt_time(benchlib.median(cpu))])
    return rows


def job_section(ctx, reps, min_time):
    if os.geteuid() != 0:
        return ["Job steps: skipped, they need root (cgroups).", ""]
    runs = benchlib.gbench(ctx, "bench_job", ".", min_time, repetitions=reps)
    return [
        "### A Job's steps (`bench_job`)", "",
        "Back to back in one process, so the grace period of a v1 join is amortised (see "
        "[Joining a v1 cgroup](#joining-a-v1-cgroup)); the wall time of a spawn is dominated by the exec of "
        "/bin/true, the CPU column is reins' own work.", "",
        benchlib.table(["step", "wall", "IQR", "CPU"], rows_of(runs, JOB)), "",
        "Registering a v1 *usage threshold* eventfd (`memory.usage_in_bytes` via `cgroup.event_control`) costs "
        "an RCU grace period (~10 ms) at registration and again at removal, so `reins run` registers one only "
        "for a memory guard on the job (`--max-pss` and the like, to be woken at the limit); otherwise it "
        "watches only OOM kills (`Job::select_events`), which costs a few system calls.", ""]


def run(ctx):
    reps, min_time = ctx.pick((3, 0.05), (5, 0.1))
    runs = benchlib.gbench(ctx, "bench_micro", ".", min_time, repetitions=reps)
    return "\n".join([
        f"## {SECTION}", "",
        f"Google Benchmark programs in bench/, {reps} repetitions of each benchmark, interleaved in random "
        f"order; median wall time per call with the IQR over the repetitions, and the median CPU time.", "",
        "### Readers and parsers (`bench_micro`)", "",
        benchlib.table(["call", "wall", "IQR", "CPU"], rows_of(runs, MICRO)), "",
        "A held reader (`ProcessMemoryReader`) saves the open and close of every read: that is what the Sampler "
        "and the guard tick on. The parsers run once per command line and cost nothing next to one system "
        "call.", "",
        *job_section(ctx, reps, min_time)])
