"""Shared helpers for bench/compare scenarios: interleaved timing, statistics, targets, markdown tables,
the processes the scenarios measure, and Google Benchmark runs."""
import collections
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


class Target:
    """One stated target: what it is, what was measured, whether it was met, and the section saying how."""

    def __init__(self, section, text, measured, ok):
        self.section, self.text, self.measured, self.ok = section, text, measured, ok


class Context:
    def __init__(self, root, quick):
        self.root = root
        self.quick = quick
        build = os.path.join(root, "build", "release")
        self.reins = os.path.join(build, "cli", "reins")
        self.testproc = os.path.join(build, "tests", "reins-testproc")
        self.bench_dir = os.path.join(build, "bench")
        self.targets = []

    def pick(self, quick, full):
        """The quick run's value or the full run's."""
        return quick if self.quick else full

    def have(self, tool):
        return shutil.which(tool) is not None

    def target(self, section, text, measured, ok):
        """Records a target for the summary table and returns the line the section states it with."""
        self.targets.append(Target(section, text, measured, ok))
        return f"**Target:** {text} — measured {measured}: {verdict(ok)}."


def static_c_binary(name, source):
    """Compiles a small C program (a scenario's helper) statically into /tmp; returns its path. The caller
    removes it."""
    path = f"/tmp/reins-bench-{name}-{os.getpid()}"
    src = path + ".c"
    with open(src, "w") as f:
        f.write(source)
    try:
        subprocess.run(["gcc", "-O2", "-static", "-o", path, src], check=True)
    finally:
        os.unlink(src)
    return path


def verdict(ok):
    return "met" if ok else "**not met**"


def anchor(heading):
    """The fragment GitHub gives a markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return "#" + re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def summary_table(targets):
    rows = [[t.text, t.measured, verdict(t.ok), f"[{t.section}]({anchor(t.section)})"] for t in targets]
    return table(["target", "measured", "verdict", "details"], rows)


# --- statistics and formatting ----------------------------------------------------------------------------

def quartiles(values):
    if len(values) < 2:
        return values[0], values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return q[0], statistics.median(values), q[2]


def median(values):
    return statistics.median(values)


def fmt_time(seconds):
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_spread(values):
    q1, _, q3 = quartiles(values)
    return f"{fmt_time(q1)} – {fmt_time(q3)}"


def fmt_kib(kib):
    return f"{kib / 1024:.1f} MiB" if kib >= 10240 else f"{kib:.0f} KiB"


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


class Rounds:
    """Times of commands measured in interleaved rounds: {label: [[seconds of round 1], [round 2], ...]}."""

    def __init__(self, labels):
        self.by_round = {label: [] for label in labels}

    def all(self, label):
        return [t for r in self.by_round[label] for t in r]

    def median(self, label):
        return median(self.all(label))

    def ratio(self, label, ref):
        """The median over rounds of label's median ÷ ref's median in the same round. Each round measures
        both moments apart, so a burst of load on the machine that spoils some rounds shifts this far less
        than the ratio of overall medians."""
        pairs = zip(self.by_round[label], self.by_round[ref])
        return median([median(a) / median(b) for a, b in pairs if a and b])


def ratio_rows(times, labels, ref_label):
    """[label, median, IQR, paired ratio to ref_label] for each label of a Rounds."""
    return [[label, fmt_time(times.median(label)), fmt_spread(times.all(label)),
             f"{times.ratio(label, ref_label):.2f}×"] for label in labels]


# --- interleaved timing -----------------------------------------------------------------------------------

# Runs that failed, by command: dropped from the times, and listed in docs/benchmarks.md.
failed_runs = collections.Counter()
MAX_FAILED_SHARE = 0.2


def hyperfine_times(cmd, runs, warmup=3):
    """Runs one command `runs` times under hyperfine (no shell) and returns the times in seconds of the runs
    that exited 0. Failed runs are dropped and counted in `failed_runs`: on a machine shared with test
    suites, a cgroup test's cleanup may kill a job of ours. More than MAX_FAILED_SHARE of them stops the run."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        run_quiet(["hyperfine", "-N", "--style", "none", "--ignore-failure", "--warmup", str(warmup), "--runs",
                   str(runs), "--export-json", out.name, cmd])
        result = json.load(open(out.name))["results"][0]
    codes = result.get("exit_codes") or [0] * len(result["times"])
    times = [t for t, code in zip(result["times"], codes) if code == 0]
    failed = len(codes) - len(times)
    if failed > MAX_FAILED_SHARE * len(codes):
        raise RuntimeError(f"`{cmd}` failed in {failed} of {len(codes)} runs (exit statuses {sorted(set(codes))})")
    if failed:
        failed_runs[cmd] += failed
        print(f"bench: `{cmd}`: {failed} of {len(codes)} runs failed (dropped)", file=sys.stderr)
    return times


def interleaved(commands, rounds, runs_per_round):
    """Times each (label, command) for `rounds` rounds of `runs_per_round` runs, round-robin with the order
    reversed every other round, so that all commands see the same machine conditions. Returns Rounds."""
    times = Rounds([label for label, _ in commands])
    for i in range(rounds):
        for label, cmd in (commands if i % 2 == 0 else reversed(commands)):
            times.by_round[label].append(hyperfine_times(cmd, runs_per_round))
    return times


def round_robin(measurers, rounds):
    """Calls each measurer (() -> {label: [values]}) once per round, in turn, reversing the order every other
    round, and returns {label: all values}. For measurements that are not single commands (in-process loops,
    Google Benchmark runs that report several labels)."""
    values = {}
    for i in range(rounds):
        for measure in (measurers if i % 2 == 0 else reversed(measurers)):
            for label, vals in measure().items():
                values.setdefault(label, []).extend(vals)
    return values


def time_calls(fn, calls):
    """Wall time of each of `calls` calls of fn(), in seconds."""
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run_quiet(argv, **kwargs):
    """Runs a command, keeping its chatter (hyperfine's outlier warnings, Google Benchmark's context) out of
    the way; raises with its stderr if it fails. Returns its stdout."""
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def works(argv):
    """Whether a command runs and exits 0 (a probe: is the peer usable here, does this build have the flag)."""
    try:
        return subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# --- the processes scenarios measure ----------------------------------------------------------------------

class Child:
    """A process started with a pipe on its stdout, held until the `with` block ends, then SIGKILLed and
    reaped (it is our child, so its pid cannot be reused before that). Waits for "ready" if asked."""

    def __init__(self, argv, ready=True, **popen):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, **popen)
        self.pid = self.proc.pid
        if ready:
            self.wait_line("ready")

    def wait_line(self, wanted):
        for line in self.proc.stdout:
            if line.strip() == wanted:
                return
        raise RuntimeError(f"{self.proc.args}: ended before printing {wanted!r}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, sig=signal.SIGKILL, timeout=10):
        """Sends `sig` (SIGKILL unless told: an init would rather get SIGTERM, to pass it on to its child),
        then SIGKILL if it has not ended after `timeout` seconds, and reaps it."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def testproc(ctx, *args, **popen):
    return Child([ctx.testproc, *map(str, args)], **popen)


def rollup_kib(pid):
    """smaps_rollup's "Key: N kB" fields, in KiB."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_field(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


# --- Google Benchmark -------------------------------------------------------------------------------------

def gbench(ctx, program, name_filter, min_time, repetitions=1, env=None):
    """Runs a Google Benchmark program of bench/ (bench_memory, ...) with a filter and returns
    {benchmark run name: [per-repetition result dicts]}. Repetitions of different benchmarks are interleaved
    in random order (so drift hits them alike). Times in the dicts are converted to seconds (`real_s`,
    `cpu_s`); user counters are kept as they are."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        run_quiet([os.path.join(ctx.bench_dir, program), f"--benchmark_filter={name_filter}",
                   f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={repetitions}",
                   "--benchmark_enable_random_interleaving=true", f"--benchmark_out={out.name}",
                   "--benchmark_out_format=json"], env={**os.environ, **(env or {})})
        results = json.load(open(out.name))["benchmarks"]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    runs = {}
    for r in results:
        if r.get("run_type") != "iteration":
            continue
        s = scale[r["time_unit"]]
        r["real_s"], r["cpu_s"] = r["real_time"] * s, r["cpu_time"] * s
        runs.setdefault(r["run_name"], []).append(r)
    return runs


# --- cgroups ----------------------------------------------------------------------------------------------

def own_cgroup(controller):
    """Our cgroup in a v1 hierarchy, as /proc/self/cgroup names it ("/" when we are at its root)."""
    for line in open("/proc/self/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if controller in ctrls.split(","):
            return path
    return None


class ScratchCgroups:
    """v1 cgroups made under our own cgroup of each hierarchy for a peer to join ({controller: {file: value}}),
    removed when the `with` block ends (they must be empty by then). `.paths[controller]` is the path as
    cgexec wants it (relative to the hierarchy's root). Named "bench-PURPOSE-PID": not "reins-*", which the
    cgroup tests' fixture takes for jobs and removes."""

    def __init__(self, purpose, settings):
        name = f"bench-{purpose}-{os.getpid()}"
        self.dirs, self.paths = [], {}
        try:
            for controller, files in settings.items():
                own = own_cgroup(controller)
                if own is None or not os.path.isdir(f"/sys/fs/cgroup/{controller}"):
                    raise OSError(f"no v1 {controller} hierarchy")
                path = own.rstrip("/") + "/" + name
                directory = f"/sys/fs/cgroup/{controller}{path}"
                os.mkdir(directory)
                self.dirs.append(directory)
                self.paths[controller] = path
                for file, value in files.items():
                    with open(os.path.join(directory, file), "w") as f:
                        f.write(value)
        except BaseException:
            self.remove()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def remove(self):
        for directory in reversed(self.dirs):
            os.rmdir(directory)
        self.dirs = []


def find_run(runs, prefix):
    """The repetitions of the one benchmark whose run name starts with `prefix` (Google Benchmark appends
    "/iterations:1/real_time" and the like)."""
    found = [reps for name, reps in runs.items() if name == prefix or name.startswith(prefix + "/")]
    if len(found) != 1:
        raise KeyError(f"{prefix}: {len(found)} benchmark runs match among {sorted(runs)}")
    return found[0]
