"""Wrapper cost: what it costs to run a command through reins versus through each peer."""
import os
import subprocess

import benchlib

FLOOR_C = r"""
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  (void)argc;
  pid_t p = fork();
  if (p == 0) { execv(argv[1], argv + 1); _exit(127); }
  int s; waitpid(p, &s, 0); return 0;
}
"""


def floor_binary():
    """A minimal static fork+exec+wait: the least any wrapper that waits for its child can cost."""
    path = "/tmp/reins-bench-fork-exec-wait"
    src = path + ".c"
    with open(src, "w") as f:
        f.write(FLOOR_C)
    subprocess.run(["gcc", "-O2", "-static", "-o", path, src], check=True)
    return path


def run(ctx):
    floor = floor_binary()
    sections = ["## Wrapper cost", ""]
    for target, label in (("/bin/true", "/bin/true"), ("/bin/sleep 0.01", "a 10 ms command")):
        cmds = [
            ("bare", target),
            ("fork+exec+wait floor (static C)", f"{floor} {target}"),
            ("prlimit --nofile=1024", f"prlimit --nofile=1024 {target}"),
            ("/usr/bin/time -v", f"/usr/bin/time -v -o /dev/null {target}"),
            ("timeout 10", f"timeout 10 {target}"),
            ("reins run --rlimit nofile=1024", f"{ctx.reins} run --rlimit nofile=1024 -- {target}"),
        ]
        if ctx.have("tini"):
            cmds.append(("tini -s", f"tini -s -- {target}"))
        if ctx.have("dumb-init"):
            cmds.append(("dumb-init", f"dumb-init {target}"))
        extra = getattr(ctx, "wrapper_extra", [])
        cmds += [(l, c.format(reins=ctx.reins, target=target)) for l, c in extra]
        rounds, runs = (3, 30) if ctx.quick else (8, 60)
        times = benchlib.interleaved(cmds, rounds, runs)
        ref = benchlib.quartiles(times["prlimit --nofile=1024"])[1]
        rows = []
        for name, _ in cmds:
            q1, med, q3 = benchlib.quartiles(times[name])
            rows.append([name, benchlib.fmt_time(med), f"{benchlib.fmt_time(q1)} – {benchlib.fmt_time(q3)}",
                         f"{med / ref:.2f}×"])
        sections += [f"### Wrapping {label} ({rounds} rounds × {runs} runs each)", "",
                     benchlib.table(["wrapper", "median", "IQR", "vs prlimit"], rows), ""]
        if target == "/bin/true":
            reins_med = benchlib.quartiles(times["reins run --rlimit nofile=1024"])[1]
            floor_med = benchlib.quartiles(times["fork+exec+wait floor (static C)"])[1]
            r = reins_med / ref
            sections += [
                f"Target: `reins run` with an rlimit ≤ 1.0× prlimit — measured {r:.2f}×: {benchlib.verdict(r, 1.0)}. "
                f"prlimit execs the command in place and never forks; any wrapper that waits for the command "
                f"(to report, forward signals, enforce a timeout, clean up) pays a fork, and the static C floor "
                f"above is {floor_med / ref:.2f}× prlimit. reins is {reins_med / floor_med:.2f}× that floor.", ""]
    return "\n".join(sections)
