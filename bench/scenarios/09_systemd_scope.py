"""The systemd path: on a systemd-booted Debian 12 guest (tests/systemd-vm, qemu under TCG), `reins run -m 1G`
from a login shell, where reins must ask systemd for a delegated scope of its own, against the peer a user
would pick, `systemd-run --scope -p MemoryMax=1G`, as root (system manager) and as an ordinary user (--user).
Interleaved in one guest run by tests/systemd-vm/guest/bench.py. The direct path (this machine) is the
Wrapper cost section's."""
import os
import re
import subprocess

SECTION = "systemd scopes"


def run(ctx):
    if ctx.quick:
        return (f"## {SECTION}\n\nNot measured by `--quick`: it boots a systemd guest under qemu (about 4 minutes); "
                "`bench/compare --only systemd_scope` measures it.\n")
    lane = os.path.join(ctx.root, "tests", "systemd-vm", "run.sh")
    out = subprocess.run([lane, "--bench"], capture_output=True, text=True).stdout
    rows = [line for line in out.splitlines() if re.match(r"^\| (root|user)", line)]
    if not rows:
        return f"## {SECTION}\n\nNot measured: the systemd guest gave no figures (see `{lane} --bench`).\n"
    for row in rows:
        who = row.split("|")[1].strip()
        ratio = row.split("|")[5].strip()
        ctx.target(SECTION, f"`reins run -m 1G` through a systemd scope ({who}) ≤ 1.0× `systemd-run --scope`",
                   ratio, float(ratio.rstrip("x")) <= 1.0)
    return "\n".join([
        f"## {SECTION}", "",
        "Wall time per run in the guest (TCG: every figure is many times a real machine's; compare the ratios). "
        "The third column is the peer asked to delegate every controller, which is what a delegated scope costs "
        "the manager by itself; the last, the dev build's dynamically linked reins (a debug build: unoptimised, "
        "36 MB), which talks sd-bus in-process instead of through the static reins' helper.", "",
        "| who | reins run -m 1G (systemd scope) | systemd-run --scope -p MemoryMax=1G | same, -p Delegate=yes "
        "| reins / peer | dev reins, dynamic (in-process sd-bus) |",
        "|---|---|---|---|---|---|", *rows, ""])
