"""reins.Reaper in go-reaper's shape: orphans reaped as a subreaper, claimed children left alone."""

import contextlib
import subprocess
import threading

import pytest

import reins


@contextlib.contextmanager
def reaper_claimed_popen(reaper, argv):
    with reaper.spawning():
        proc = subprocess.Popen(argv)
        claim = reaper.claim(proc.pid)
    with claim:
        yield proc


def test_a_subreaper_reaps_orphans_and_reports_them(ready_child):
    reaped, three = [], threading.Event()

    def on_reaped(child):
        reaped.append(child)
        if len(reaped) >= 3:
            three.set()

    with reins.Reaper(subreaper=True, on_reaped=on_reaped) as reaper:
        assert reins.Reaper.receives_orphans()
        # sh forks three sleepers and exits at once: they are orphaned to us, and exit after it.
        with reaper_claimed_popen(reaper, ["sh", "-c", "for i in 1 2 3; do sleep 0.05 & done"]) as sh:
            assert sh.wait() == 0
        assert three.wait(10)
    assert len(reaped) == 3 and all(c.status.exited and c.status.exit_code == 0 for c in reaped)


def test_a_claimed_child_is_left_for_its_waiter():
    reaped = []
    with reins.Reaper(subreaper=True, on_reaped=reaped.append) as reaper:
        with reaper.spawning():
            proc = subprocess.Popen(["sh", "-c", "exit 5"])
            claim = reaper.claim(proc.pid)
        with claim:
            assert proc.wait() == 5, "subprocess got its own child's status"
    assert proc.pid not in [c.pid for c in reaped]


def test_claiming_a_reaped_child_fails_loudly():
    with reins.Reaper(subreaper=True) as reaper:
        proc = subprocess.Popen(["true"])
        proc.wait()
        with pytest.raises(ChildProcessError):
            reaper.claim(proc.pid)
