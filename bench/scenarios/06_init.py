"""Init: `reins init` against tini and dumb-init: idle footprint and wake-ups, and reaping 2,000 orphans that
exit at once. (Start-up is in the wrapper-cost tables, measured in the same interleaved run as every wrapper.)"""
import os
import re
import shutil
import signal
import subprocess
import time

import benchlib

SECTION = "Init"
STARTUP_SECTION = "Wrapper cost"


def inits(ctx, subreaper, dumb_init=True):
    """(name, argv prefix) of each init that runs COMMAND as its child: reins and tini as subreapers or not,
    and dumb-init (which has no subreaper mode) if asked."""
    out = [("reins", [ctx.reins, "init", *(["--subreaper"] if subreaper else []), "--"])]
    if ctx.have("tini"):
        out.append(("tini", [shutil.which("tini"), *(["-s"] if subreaper else []), "--"]))
    if ctx.have("dumb-init") and dumb_init:
        out.append(("dumb-init", [shutil.which("dumb-init")]))
    return out


def idle_groups(ctx):
    """The inits measured idle, in groups that run together: never two reins at once, since the kernel pages
    out (MADV_PAGEOUT) only pages that no other process maps, and reins pages out its start-up code."""
    groups = [inits(ctx, subreaper=True)]
    if benchlib.works([ctx.reins, "init", "--subreaper", "--no-job", "--", "/bin/true"]):
        groups.append([("reins --no-job", [ctx.reins, "init", "--subreaper", "--no-job", "--"])])
    return groups


# --- idle ---------------------------------------------------------------------------------------------------

def idle_round(group, settle, watch):
    """Starts every `INIT sleep` of the group at once, lets them settle (reins pages out its start-up code after 1 s),
    reads their footprint, then their CPU time and wake-ups (voluntary context switches) over `watch` s."""
    children = {name: benchlib.Child([*argv, "sleep", str(settle + watch + 30)], ready=False)
                for name, argv in group}
    try:
        time.sleep(settle)
        before = {n: (benchlib.cpu_seconds(c.pid), benchlib.status_field(c.pid, "voluntary_ctxt_switches"))
                  for n, c in children.items()}
        memory = {n: benchlib.rollup_kib(c.pid) for n, c in children.items()}
        time.sleep(watch)
        out = {}
        for n, c in children.items():
            cpu = benchlib.cpu_seconds(c.pid) - before[n][0]
            wakeups = benchlib.status_field(c.pid, "voluntary_ctxt_switches") - before[n][1]
            out[n] = [(memory[n]["Rss"], memory[n]["Pss"], memory[n]["Pss_Anon"], cpu, wakeups)]
        return out
    finally:
        for c in children.values():
            c.stop(signal.SIGTERM)  # an init passes it on to sleep, so nothing is left behind


def idle_section(ctx):
    rounds, settle, watch = ctx.pick((1, 2, 3), (3, 2, 10))
    subprocess.run(["sync"], check=True)  # freshly linked pages are dirty and could not be paged out
    samples = benchlib.round_robin([lambda g=group: idle_round(g, settle, watch) for group in idle_groups(ctx)],
                                   rounds)
    rows, med = [], {}
    for name, vals in samples.items():
        m = [benchlib.median(col) for col in zip(*vals)]
        med[name] = m
        rows.append([name, f"{m[0]:.0f}", f"{m[1]:.0f}", f"{m[2]:.0f}", f"{m[3] * 1000:.0f} ms", f"{m[4]:.0f}"])
    lines = [f"### Idle footprint (`INIT sleep`; median of {rounds} round(s))", "",
             f"Memory {settle} s after the start (KiB, from smaps_rollup); CPU time and wake-ups (voluntary context "
             f"switches) over the next {watch} s.", "",
             benchlib.table(["init", "RSS", "PSS", "anonymous PSS", f"CPU in {watch} s", f"wake-ups in {watch} s"],
                            rows), ""]
    if "tini" in med:
        ratio = med["reins"][1] / med["tini"][1]
        no_job = (f"; `--no-job`: {med['reins --no-job'][1] / med['tini'][1]:.2f}×"
                  if "reins --no-job" in med else "")
        lines += [ctx.target(SECTION, "idle PSS ≤ 2× tini's", f"{ratio:.2f}× ({med['reins'][1]:.0f} vs "
                             f"{med['tini'][1]:.0f} KiB{no_job})", ratio <= 2.0), ""]
    lines += [ctx.target(SECTION, "no CPU while idle", f"{med['reins'][3] * 1000:.0f} ms CPU, "
                         f"{med['reins'][4]:.0f} wake-ups in {watch} s", med["reins"][4] == 0), ""]
    return lines


# --- reaping ------------------------------------------------------------------------------------------------

def reap_once(ctx, name, argv, pid1):
    """One storm: reins-testproc forks 2,000 orphans for the init to adopt, releases them at once and polls
    until the init has no other child. Returns {name: [(ms, left, adopted)]}."""
    ns = ["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []
    out = subprocess.run([*ns, *argv, ctx.testproc, "orphans", "2000", "60"], check=True, capture_output=True,
                         text=True).stdout
    left = re.search(r"^left (\d+) after ([0-9.]+) ms$", out, re.M)
    adopted = re.search(r"^adopted (\d+)$", out, re.M)
    return {name: [(float(left.group(2)), int(left.group(1)), int(adopted.group(1)))]}


def reap_section(ctx):
    rounds = ctx.pick(1, 5)
    measurers = [lambda n=f"{name} PID 1", a=argv: reap_once(ctx, n, a, True) for name, argv in inits(ctx, False)]
    measurers += [lambda n=f"{name} subreaper", a=argv: reap_once(ctx, n, a, False)
                  for name, argv in inits(ctx, True, dumb_init=False)]
    samples = benchlib.round_robin(measurers, rounds)
    rows = []
    for name, vals in samples.items():
        ms = [v[0] for v in vals]
        rows.append([name, f"{min(ms):.1f}", f"{benchlib.median(ms):.1f}", f"{max(ms):.1f}",
                     max(v[1] for v in vals), min(v[2] for v in vals)])
    reins = [v for name, vals in samples.items() if name.startswith("reins") for v in vals]
    all_reaped = all(v[1] == 0 and v[2] == 2000 for v in reins)
    return [f"### Reaping 2,000 orphans that exit at once ({rounds} run(s) each, alternating)", "",
            "`reins-testproc orphans 2000` counts the orphans the init adopted, releases them all at once, then "
            "polls the init's children file every millisecond until only itself is left. As PID 1 of a fresh PID "
            "namespace (`unshare --pid --fork --mount-proc`) and as a subreaper.", "",
            benchlib.table(["init", "min ms", "median ms", "max ms", "left", "adopted"], rows), "",
            ctx.target(SECTION, "2,000 orphans adopted and reaped, none left",
                       f"{min(v[2] for v in reins)} adopted, {max(v[1] for v in reins)} left", all_reaped), "",
            "Reaping time is mostly the kernel's exit work for 2,000 processes on this machine's CPUs, so it "
            "swings with the machine's load (one read of the children file during the storm can itself take tens "
            "of ms): compare the minimums. What matters is that every orphan is reaped.", ""]


FOOTPRINT_HISTORY = """### What the idle footprint is made of

Measured while `reins init` was built (not regenerated): idle `reins init --subreaper -- sleep 60`, in KiB.

| step | idle RSS | idle PSS |
|---|---|---|
| dynamic libstdc++ | 2968 | 910 |
| `-static-libstdc++ -static-libgcc` (cli/CMakeLists.txt) | 2152 | 834 |
| no libm (`std::floor(x + 0.5L)` for the one `llroundl`, units.cpp), `--gc-sections`, `-z now` | 1932 | 828 |
| fmt without locale support (`FMT_STATIC_THOUSANDS_SEPARATOR`): text 980 → 576 KiB | ~1800 | ~690 |
| page out the executable's read-only pages 1 s after the start (`MADV_PAGEOUT`) | ~1500 | ~400–460 |
| fully static (the release preset's `REINS_STATIC_CLI`), without the page-out | 1224 | 1220 |
| fully static, with the page-out | 276 | 272 |

With a dynamic libc what is left is ~125 KiB anonymous, ~250 KiB of reins' code faulted back in by the first
loop round after the page-out, and shared libc pages (RSS ~1 MiB, PSS ~40 KiB). Fully static, the page-out also
covers libc's code, which is why it wins there: all that stays is the loop's code and ~56 KiB of anonymous
memory. The page-out waits 1 s because a command that ends sooner would make reins read its exit path back from
disk (+1.2 ms on `reins init -- /bin/true` when it ran at once). tini and dumb-init are dynamically linked:
their RSS counts the whole of libc's resident pages, their PSS only their share of them.

Start-up costs the same as `reins run` (the reaper adds a signalfd, an eventfd and an epoll). Two changes to
the shared spawn code cut work on every spawn: clone3 `CLONE_CLEAR_SIGHAND` resets the signal handlers in the
kernel instead of ~64 `sigaction` calls in the child, and the parent waits for the exec report by polling for
POLLHUP alone. What still costs is the fork of a larger address space (page tables copied, then copy-on-write
faults in the parent); spawning with `CLONE_VM | CLONE_VFORK` would remove that.
"""


def run(ctx):
    if os.geteuid() != 0:
        return f"## {SECTION}\n\nSkipped: needs root (PID namespaces).\n"
    lines = [f"## {SECTION}", "",
             f"Start-up and exit (`INIT /bin/true`) is measured with the other wrappers: see "
             f"[{STARTUP_SECTION}]({benchlib.anchor(STARTUP_SECTION)}).", ""]
    lines += idle_section(ctx)
    lines += reap_section(ctx)
    lines.append(FOOTPRINT_HISTORY)
    return "\n".join(lines)
