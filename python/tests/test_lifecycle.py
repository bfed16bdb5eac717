"""Threads, the GIL and the interpreter's life: Ctrl-C ends a wait, and an interpreter that exits with a
guard, a sampler and a reaper still running (callbacks under way) exits cleanly, without a hang or crash."""

import os
import signal
import subprocess
import time

import pytest

from conftest import TESTPROC, fresh_python

if not TESTPROC:
    pytest.skip("reins-testproc not found: run through ctest, or set REINS_TESTPROC", allow_module_level=True)


POLL_SYSCALLS = {"7", "271"}  # poll, ppoll (x86-64)


def wait_until_blocked_in_poll(proc, timeout=10.0):
    """Until the process's main thread sits in poll(2). The kernel has no event for "entered a syscall", so
    this reads /proc/PID/syscall until it says so (a few reads: the process is a moment from it)."""
    pid = proc.pid
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"it ended (status {proc.returncode}) instead of waiting"
        with open(f"/proc/{pid}/syscall") as f:
            if f.read().split(" ", 1)[0] in POLL_SYSCALLS:
                return
        time.sleep(0.001)
    pytest.fail(f"pid {pid} never blocked in poll")


@pytest.mark.parametrize("wait", [
    "reins.spawn(['sleep', '60']).wait()",
    "reins.watch(0.05, lambda info: True)",
    "reins.MemoryGuard(sleeper := reins.spawn(['sleep', '60']), limit='1G').wait()",
])
def test_ctrl_c_ends_a_wait(wait):
    code = f"import reins, sys\ntry:\n    print('waiting', flush=True)\n    {wait}\nexcept KeyboardInterrupt:\n" \
           "    print('interrupted', flush=True)\n    sys.exit(3)\n"
    p = subprocess.Popen(["/usr/bin/python3", "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "waiting\n"
        wait_until_blocked_in_poll(p)  # so that the signal interrupts the wait itself, not what precedes it
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=20) == 3, "KeyboardInterrupt reached the caller"
        assert p.stdout.read() == "interrupted\n"
    finally:
        p.kill()
        p.wait()


def test_exit_with_a_guard_a_sampler_and_a_reaper_running():
    code = f"""
import threading, reins
reaper = reins.Reaper(subreaper=True, on_reaped=lambda c: None)
reaper.start()
child = reins.spawn(["{TESTPROC}", "memhog", "8"])
in_callback = threading.Event()
def slow(sample):
    in_callback.set()
    sum(range(200_000))  # Python code running on reins' thread as the interpreter begins to exit
guard = reins.MemoryGuard(child, limit="1G", interval=0.001, on_stats=lambda s: sum(range(10_000)),
                          stats_frequency=0.001)
sampler = reins.Sampler(0.001, slow, immediate=True)
in_callback.wait()
print(child.pid, flush=True)
"""
    for _ in range(3):  # the race with finalisation differs from run to run
        p = fresh_python(code, timeout=60)
        assert p.returncode == 0, p.stderr
        assert "Fatal" not in p.stderr and "Traceback" not in p.stderr, p.stderr
        child = int(p.stdout.split()[0])  # the helper may print its "ready" after it
        assert not os.path.exists(f"/proc/{child}"), "the child it left running was killed and reaped at exit"


def test_negative_control_a_hung_exit_would_be_caught():
    # The test above would see a hang as a timeout: a process that never exits fails it.
    with pytest.raises(subprocess.TimeoutExpired):
        fresh_python("import time; time.sleep(30)", timeout=0.5)
