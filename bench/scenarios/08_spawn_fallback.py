"""Spawn paths: `reins run` where clone3 is refused (Docker's default seccomp profile answers it with ENOSYS),
so that children are made by clone(CLONE_PIDFD) and join their cgroups before exec, against the clone3 path."""
import os

import benchlib

SECTION = "Spawn fallback"
CLONE3 = "reins run (clone3 into the cgroup2 job)"
FALLBACK = "reins run, clone3 refused (clone(CLONE_PIDFD), join before exec)"

# A static helper that installs a seccomp filter answering one system call with ENOSYS, then execs its
# arguments: what a container engine's profile does to everything in the container. Both rows go through it
# (one refusing clone3, one refusing a call nobody makes), so the filter and the extra exec cost them alike.
REFUSE_C = r"""
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  unsigned nr = (unsigned)atoi(argv[1]);
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) return 3;
  execv(argv[2], argv + 2);
  return 127;
}
"""
SYS_CLONE3 = 435       # x86-64
SYS_UNUSED = 1023      # no such system call: a filter that refuses nothing anyone asks for


def run(ctx):
    if os.uname().machine != "x86_64":
        return f"## {SECTION}\n\nNot measured: the filter helper knows x86-64 system call numbers only.\n"
    if not benchlib.works([ctx.reins, "run", "--", "/bin/true"]):
        return f"## {SECTION}\n\nNot measured: `reins run` cannot make a job here.\n"
    refuse = benchlib.static_c_binary("refuse", REFUSE_C)
    rounds, runs = ctx.pick((4, 10), (20, 20))
    cmds = [(CLONE3, f"{refuse} {SYS_UNUSED} {ctx.reins} run --rlimit nofile=1024 -- /bin/true"),
            (FALLBACK, f"{refuse} {SYS_CLONE3} {ctx.reins} run --rlimit nofile=1024 -- /bin/true")]
    try:
        times = benchlib.interleaved(cmds, rounds, runs)
    finally:
        os.unlink(refuse)
    r = times.ratio(FALLBACK, CLONE3)
    return "\n".join([
        f"## {SECTION}", "",
        f"### `reins run --rlimit nofile=1024 -- /bin/true` by each spawn path ({rounds} rounds × {runs} runs each)",
        "",
        benchlib.table(["path", "median", "IQR", "vs clone3"], benchlib.ratio_rows(times, [c[0] for c in cmds], CLONE3)),
        "",
        ctx.target(SECTION, "`reins run` on the clone fallback path ≤ 1.1× the clone3 path", f"{r:.2f}×", r <= 1.1),
        "",
        "Both rows run under the same static seccomp helper (one refusing clone3 with ENOSYS, as Docker's default "
        "profile does; one refusing a call nobody makes), so the difference is the path: on the fallback the "
        "first clone3 is refused once per process, the child is made by clone(CLONE_PIDFD) and writes its pid to "
        "the job's cgroup.procs before exec instead of being born in the cgroup.", ""])
