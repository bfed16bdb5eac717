"""reins.MemoryGuard in athena's shape: limit, cancel, pss(), set_no_kill, stats, killed, await."""

import asyncio
import signal
import threading

import pytest

import reins

MIB = 1 << 20


def test_kills_a_process_over_its_limit(ready_child):
    child = ready_child("memhog", 64)
    with reins.MemoryGuard(child.process, limit=16 * MIB, interval=0.02, grace=0) as guard:
        result = guard.wait(timeout=30)
        assert result is not None and result.end == "killed"
        assert guard.killed.is_set() and guard.breach.value > 16 * MIB and guard.breach.metric == "pss"
    assert child.process.wait().status.signal == signal.SIGKILL


def test_under_its_limit_nothing_happens_and_pss_is_measured(ready_child):
    child = ready_child("memhog", 32)
    guard = reins.MemoryGuard(child.pid, limit="1G", interval=0.02)
    pss = guard.pss()
    assert 32 * MIB <= pss <= 64 * MIB
    assert guard.uss() <= pss <= guard.rss()
    assert guard.wait(timeout=0.1) is None and not guard.killed.is_set()
    guard.cancel()
    assert guard.wait().end == "cancelled"
    assert child.process.poll() is None, "a cancelled guard left the process alone"


def test_limit_can_be_lowered_later(ready_child):
    child = ready_child("memhog", 32)
    guard = reins.MemoryGuard(child.pid, limit="1G", interval=0.02, grace=0)
    assert guard.limit == 1 << 30
    guard.limit = 8 * MIB
    assert guard.wait(timeout=30).end == "killed"


def test_set_no_kill_only_reports(ready_child):
    child = ready_child("memhog", 32)
    breaches, got = [], threading.Event()
    guard = reins.MemoryGuard(child.pid, interval=0.02, on_breach=lambda b: (breaches.append(b), got.set()))
    guard.set_no_kill()
    guard.limit = 8 * MIB
    assert got.wait(30)
    assert breaches[0].action == "report" and not guard.killed.is_set()
    assert child.process.poll() is None
    guard.cancel()


def test_stats_callback_at_its_frequency(ready_child):
    child = ready_child("memhog", 4)
    stats, two = [], threading.Event()
    guard = reins.MemoryGuard(child.pid, interval=0.01, stats_frequency=0.02,
                              on_stats=lambda s: (stats.append(s), len(stats) >= 2 and two.set()))
    assert two.wait(30)
    guard.cancel()
    assert stats[0].samples >= 1 and stats[0].metric == "pss"


def test_an_exception_in_a_callback_ends_guarding_and_is_raised(ready_child):
    child = ready_child("memhog", 32)

    def boom(breach):
        raise RuntimeError("from the callback")

    guard = reins.MemoryGuard(child.pid, limit=8 * MIB, interval=0.02, action="report", on_breach=boom)
    with pytest.raises(RuntimeError, match="from the callback"):
        guard.wait(timeout=30)


def test_await_the_guard(ready_child):
    child = ready_child("memhog", 64)
    guard = reins.MemoryGuard(child.pid, limit=16 * MIB, interval=0.02, grace=0)

    async def main():
        return await asyncio.wait_for(guard, 30)

    assert asyncio.run(main()).end == "killed"


def test_bad_options_raise():
    with pytest.raises(ValueError, match="interval"):
        reins.MemoryGuard(1, interval=0)
    with pytest.raises(reins.InvalidArgument, match="bogus"):
        reins.MemoryGuard(1, metric="bogus")
    with pytest.raises(ValueError, match="action"):
        reins.MemoryGuard(1, action="explode")
