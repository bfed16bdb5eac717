"""reins.spawn and Process: pidfd-held children, exit status, rusage, errors with errno and the stage."""

import errno
import os
import signal
import sys
import time

import pytest

import reins


def test_exit_code_and_rusage():
    p = reins.spawn([sys.executable, "-c", "import sys; sum(range(2_000_000)); sys.exit(7)"])
    result = p.wait()
    assert result.status.exited and result.status.exit_code == 7 and result.status.returncode == 7
    assert result.rusage.user_time > 0 and result.rusage.max_rss > 1 << 20
    assert p.returncode == 7


def test_signal_ends_it_and_is_reported(ready_child):
    child = ready_child("pause")
    assert child.process.send_signal(signal.SIGUSR1)
    status = child.process.wait().status
    assert status.signaled and status.signal == signal.SIGUSR1 and status.returncode == -signal.SIGUSR1
    assert not child.process.send_signal(signal.SIGUSR1), "a process that has exited is not signalled"


def test_wait_timeout(ready_child):
    child = ready_child("pause")
    with pytest.raises(TimeoutError):
        child.process.wait(timeout=0.05)
    assert child.process.poll() is None


def test_missing_program_is_a_spawn_error():
    with pytest.raises(reins.SpawnError) as e:
        reins.spawn(["/nonexistent/program"])
    assert e.value.errno == errno.ENOENT and e.value.stage == "exec" and e.value.shell_code == 127
    assert isinstance(e.value, OSError) and "/nonexistent/program" in str(e.value)


def test_rlimits_reach_the_child():
    r, w = os.pipe()
    p = reins.spawn(["sh", "-c", "ulimit -n"], stdout=w, rlimits={"nofile": 77})
    os.close(w)
    assert os.read(r, 100).strip() == b"77"
    os.close(r)
    p.wait()


def test_bad_input_quotes_it():
    with pytest.raises(reins.InvalidArgument, match="bogus"):
        reins.spawn(["true"], rlimits={"bogus": 1})
    with pytest.raises(ValueError):
        reins.spawn([])
    with pytest.raises(TypeError, match="valid: env"):
        reins.spawn(["true"], colour="blue")


def test_closing_a_running_child_kills_and_reaps_it(ready_child):
    child = ready_child("pause")
    pid = child.process.pid
    child.process.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_typed_rlimits():
    soft, hard = reins.get_rlimit("nofile")
    assert (soft, hard) == tuple(None if v == -1 else v for v in __import__("resource").getrlimit(7))
    child = reins.spawn(["sleep", "5"])
    try:
        old = reins.set_rlimit("nofile", 100, hard, pid=child.pid)
        assert old == (soft, hard) and reins.get_rlimit("NOFILE", child.pid) == (100, hard)
        assert reins.set_rlimit("as", "1G", None, pid=child.pid)[0] is None
        assert reins.get_rlimit("as", child.pid) == (1 << 30, None)
    finally:
        child.kill()
        child.wait()


def test_waits_release_the_gil(ready_child):
    import threading

    child = ready_child("pause")
    ticks = []
    t = threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(5)])
    t.start()
    with pytest.raises(TimeoutError):
        child.process.wait(timeout=1.0)
    t.join()
    assert len(ticks) == 5, "another thread ran while this one waited"
