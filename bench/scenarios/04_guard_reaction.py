"""Guard reaction: a process growing at a fixed rate against a 512 MiB limit; how far past the limit it gets
(overshoot) and how long after crossing it it dies (time to kill), for each way reins (or the kernel) can
stop it."""
import os
import select
import subprocess
import time

import benchlib

SECTION = "Guard reaction"
LIMIT_MIB = 512
STEP_MIB, STEP_MS = 2, 3          # 2 MiB touched, then 3 ms asleep: about 500 MiB/s here (measured and reported)
MAX_MIB = 3 * LIMIT_MIB           # a grower nothing stopped ends here and keeps it
TIMEOUT_S = 20


class Trial:
    """One grower's run: (time, MiB allocated) for each "allocated N" line, and when it died."""

    def __init__(self):
        self.lines, self.died, self.status = [], None, None

    def rate(self):
        """MiB/s over the lines before the limit."""
        below = [(t, m) for t, m in self.lines if m <= LIMIT_MIB] or self.lines
        (t0, m0), (t1, m1) = below[0], below[-1]
        return (m1 - m0) / (t1 - t0) if t1 > t0 else float("nan")

    def crossed(self):
        """When the allocation reached the limit: the first line at or over it, else extrapolated from the
        last line at the measured rate (the kernel refuses the page that would cross it)."""
        for t, m in self.lines:
            if m >= LIMIT_MIB:
                return t
        t, m = self.lines[-1]
        return t + (LIMIT_MIB - m) / self.rate()

    def overshoot_mib(self):
        return max(0, self.lines[-1][1] - LIMIT_MIB)

    def time_to_kill(self):
        return self.died - self.crossed() if self.died else None


def grower_pid(root):
    """The reins-testproc process: the command itself, or a descendant of the wrapper that started it."""
    todo = [root]
    while todo:
        pid = todo.pop(0)
        try:
            if b"reins-testproc" in open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0]:
                return pid
            todo += [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
        except OSError:
            continue
    raise RuntimeError(f"no reins-testproc under pid {root}")


def read_lines(fd, pending):
    data = os.read(fd, 65536)
    if not data:
        return None, pending
    pending += data
    *lines, pending = pending.split(b"\n")
    return lines, pending


class Wrapper:
    """The grower runs under a command prefix: `reins run` with a guard or a limit, cgexec."""

    def __init__(self, label, prefix):
        self.label, self.prefix = label, prefix

    def start(self):
        return self.prefix

    def on_ready(self, pid):
        pass

    def finish(self):
        pass


class JobWatch:
    """The event-driven job guard: the grower runs in a job (`reins job exec`) that `reins watch --job
    --max-cgroup` guards from the moment it is ready; on v1 the kernel wakes the guard when the job's charge
    crosses the limit (a usage threshold eventfd), between its ticks."""

    def __init__(self, ctx):
        self.reins, self.count, self.name, self.watcher = ctx.reins, 0, None, None
        self.label = "job guard on the cgroup charge, woken by the kernel: `reins watch --job J --max-cgroup 512M`"

    def start(self):
        self.count += 1
        self.name = f"bench-reaction-{os.getpid()}-{self.count}"  # not reins-*: see benchlib.ScratchCgroups
        # The charge needs the job's own memory cgroup, which reins makes (on v1) only for a memory limit: one
        # far above the guard's, that the kernel never reaches here.
        benchlib.run_quiet([self.reins, "job", "create", self.name, "-m", "4G"])
        return [self.reins, "job", "exec", self.name, "--"]

    def on_ready(self, pid):
        self.watcher = subprocess.Popen([self.reins, "watch", "--job", self.name, "--max-cgroup", f"{LIMIT_MIB}M",
                                         "--grace", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self):
        if self.watcher:  # it ends once the job is empty
            try:
                self.watcher.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.watcher.kill()
                self.watcher.wait()
        self.watcher = None
        benchlib.run_quiet([self.reins, "job", "rm", self.name])


def trial(ctx, mechanism):
    """Runs `prefix reins-testproc grow ...` and follows it: its lines on a pipe, its death on a pidfd."""
    prefix = mechanism.start()
    proc = subprocess.Popen([*prefix, ctx.testproc, "grow", str(STEP_MIB), str(STEP_MS), str(MAX_MIB)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    result, pidfd, pending = Trial(), None, b""
    try:
        out = proc.stdout.fileno()
        poller = select.poll()
        poller.register(out, select.POLLIN)
        deadline = time.monotonic() + TIMEOUT_S
        while result.died is None and time.monotonic() < deadline:
            for fd, _ in poller.poll(100):
                now = time.perf_counter()
                if fd == pidfd:
                    result.died = now
                    continue
                lines, pending = read_lines(out, pending)
                if lines is None:
                    poller.unregister(out)
                    continue
                for line in lines:
                    if line == b"ready" and pidfd is None:
                        grower = grower_pid(proc.pid)
                        pidfd = os.pidfd_open(grower)
                        poller.register(pidfd, select.POLLIN)
                        mechanism.on_ready(grower)
                    elif line.startswith(b"allocated "):
                        result.lines.append((now, int(line.split()[1])))
    finally:
        if pidfd is not None:
            os.close(pidfd)
        if proc.poll() is None:
            proc.kill()
        result.status = proc.wait()
        proc.stdout.close()
        mechanism.finish()
    return result


def measure(ctx, mechanisms, rounds):
    """{label: [Trial]} for each mechanism, round-robin."""
    return benchlib.round_robin([lambda m=m: {m.label: [trial(ctx, m)]} for m in mechanisms], rounds)


def kernel_limit_cgroup(ctx):
    """A v1 memory cgroup under ours with the 512 MiB limit, for cgexec: the kernel's limit without reins."""
    if not ctx.have("cgexec"):
        return None
    try:
        return benchlib.ScratchCgroups("reaction", {
            "memory": {"memory.limit_in_bytes": f"{LIMIT_MIB}M"}})
    except OSError:
        return None


def fmt_ms(seconds):
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


def result_rows(trials):
    rows = []
    for label, ts in trials.items():
        killed = [t for t in ts if t.died is not None]
        kill_times = [t.time_to_kill() for t in killed]
        rows.append([label, f"{benchlib.median([t.rate() for t in ts]):.0f} MiB/s",
                     f"{benchlib.median([t.overshoot_mib() for t in ts]):.0f} MiB "
                     f"(max {max(t.overshoot_mib() for t in ts)})",
                     fmt_ms(benchlib.median(kill_times)) + (f" (max {fmt_ms(max(kill_times))})" if kill_times else ""),
                     f"{len(killed)} of {len(ts)}"])
    return rows


WHY = (
    "The kernel's limit never lets the charge pass 512 MiB: the page that would cross it is refused, and after "
    "its reclaim attempts the OOM killer ends the process (time to kill includes those attempts and the exit "
    "of a 512 MiB process). A PSS guard lets the process pass the limit by what it allocates until a PSS walk "
    "sees it: every tick reads only RSS (statm), and PSS is walked once RSS is within 10% of the limit, then "
    "again no sooner than 10× the last walk's duration (a walk of 500 MiB of 4 KiB pages takes a few ms, and "
    "holds the target's mmap lock meanwhile). Near the limit that spacing sets the pace as much as the "
    "interval does, so a 10× shorter interval shortens the reaction far less than 10×. A PSS guard on "
    "`reins run`'s job polls the same way (the kernel wakes it only at the job's memory events and, on v2, "
    "under memory pressure). The job guard on the cgroup charge needs no walk: the charge is one counter, and "
    "on v1 the kernel wakes the guard through a usage-threshold eventfd the moment the charge crosses the "
    "limit, so it reacts like the kernel's limit, though the charge (page cache and kernel memory included) "
    "is another measure than PSS. What a guard gives for its overshoot is policy: a metric the kernel has no "
    "limit for (PSS, USS), a grace period with SIGTERM first, report-only mode, the whole tree ended together.")

EARLYOOM = (
    "earlyoom is not in the table because its reaction is not comparable: it watches the whole system's "
    "available memory and swap (`-m`/`-s` percentages), not a process against a limit, so it acts only when "
    "the machine as a whole runs short, and then kills whichever process has the highest `oom_score` — on this "
    "24 GiB machine a 512 MiB grower would never trigger it. Any number here would measure the free memory "
    "of the machine, not a reaction to a limit.")


def mechanisms(ctx, cgroup):
    """reins' PSS guard polling a tree at two intervals and on `reins run`'s job, the event-driven job guard,
    the kernel's own limit through reins and through cgexec: those this build and machine have."""
    limit, grace = f"{LIMIT_MIB}M", ["--guard-grace", "0"]
    out = []
    if benchlib.works([ctx.reins, "run", "--no-job", "--max-pss", "1G", "--", "/bin/true"]):
        out += [Wrapper(f"PSS guard on the tree, polling every {i}: "
                        f"`reins run --no-job --max-pss 512M --guard-interval {i}`",
                        [ctx.reins, "run", "--no-job", "--max-pss", limit, "--guard-interval", i, *grace, "--"])
                for i in ("100ms", "10ms")]
        out.append(Wrapper("PSS guard on `reins run`'s job, polling every 100ms: `reins run --max-pss 512M`",
                           [ctx.reins, "run", "--max-pss", limit, *grace, "--"]))
    if benchlib.works([ctx.reins, "watch", "--help"]) and benchlib.works([ctx.reins, "job", "list"]):
        out.append(JobWatch(ctx))
    if benchlib.works([ctx.reins, "run", "-m", "1G", "--", "/bin/true"]):
        out.append(Wrapper("kernel limit: `reins run -m 512M`", [ctx.reins, "run", "-m", limit, "--"]))
    if cgroup:
        out.append(Wrapper("kernel limit alone: cgexec into a 512M memory cgroup",
                           ["cgexec", "-g", f"memory:{cgroup.paths['memory']}"]))
    return out


def run(ctx):
    if os.geteuid() != 0:
        return f"## {SECTION}\n\nSkipped: needs root (cgroups).\n"
    rounds = ctx.pick(2, 5)
    cgroup = kernel_limit_cgroup(ctx)
    try:
        trials = measure(ctx, mechanisms(ctx, cgroup), rounds)
    finally:
        if cgroup:
            cgroup.remove()
    return "\n".join([
        f"## {SECTION}", "",
        f"`reins-testproc grow {STEP_MIB} {STEP_MS} {MAX_MIB}` touches {STEP_MIB} MiB of anonymous memory, "
        f"then sleeps {STEP_MS} ms: about 500 MiB/s (the growth column is what it reached) against a "
        f"{LIMIT_MIB} MiB limit; {rounds} runs of each, interleaved. Overshoot: the last allocation it reported "
        f"beyond the limit (to within one {STEP_MIB} MiB step). Time to kill: from the moment its allocation "
        f"reached the limit (its first report at or over it, or extrapolated at its rate when it never reported "
        f"one) to its death, seen on a pidfd. The guards run with `--guard-grace 0` (SIGKILL at once, as the "
        f"kernel does).", "",
        benchlib.table(["mechanism", "growth", "overshoot (median)", "time to kill (median)", "killed"],
                       result_rows(trials)), "",
        WHY, "", EARLYOOM, ""])
