"""reins.watch (memctl's Watch) and reins.Sampler: serial callbacks, coalesced ticks, cancel, on_panic."""

import threading

import pytest

import reins


def test_watch_returns_on_cancel_and_samples_have_ok_flags():
    cancel = reins.Cancel()
    seen = []

    def each(info):
        seen.append(info)
        if len(seen) == 3:
            cancel.cancel()

    assert reins.watch(0.01, each, cancel=cancel, immediate=True) is None
    assert len(seen) == 3
    info = seen[0]
    assert info.process_rss_ok and info.process_rss > 0
    assert info.system_available_ok and info.system_available > 0
    assert info.cgroup_ok == (info.cgroup_current is not None)
    assert info.headroom() is None or info.headroom() > 0


def test_callback_returning_false_ends_the_watch():
    calls = []
    reins.watch(0.01, lambda info: calls.append(info) or len(calls) < 2)
    assert len(calls) == 2


def test_callbacks_are_serial_and_late_ticks_coalesce():
    running, overlaps, samples = [0], [], []
    gate = threading.Event()

    def slow(info):
        running[0] += 1
        overlaps.append(running[0])
        samples.append(info)
        if len(samples) == 1:
            gate.wait(0.2)  # ten intervals pass while the first callback runs
        running[0] -= 1
        return len(samples) < 3

    reins.watch(0.02, slow, immediate=True)
    assert max(overlaps) == 1
    assert samples[1].missed_ticks >= 5


def test_an_exception_is_raised_from_watch():
    def boom(info):
        raise KeyError("in the callback")

    with pytest.raises(KeyError, match="in the callback"):
        reins.watch(0.01, boom)


def test_on_panic_gets_it_and_sampling_goes_on():
    panics, calls = [], []

    def sometimes(info):
        calls.append(info)
        if len(calls) == 1:
            raise ValueError("first")
        return len(calls) < 3

    reins.watch(0.01, sometimes, on_panic=panics.append)
    assert len(calls) == 3 and [str(p) for p in panics] == ["first"]


@pytest.mark.parametrize("interval", [0, -1, "1s", None])
def test_invalid_interval_raises(interval):
    with pytest.raises(ValueError):
        reins.watch(interval, lambda info: False)


def test_callback_must_be_callable():
    with pytest.raises(TypeError):
        reins.watch(1, None)


def test_sampler_of_a_process(ready_child):
    child = ready_child("memhog", 16)
    got, samples = threading.Event(), []
    with reins.Sampler(0.01, lambda s: (samples.append(s), got.set()), pids=[child.pid], detail=True):
        assert got.wait(10)
    assert samples[0].processes[0].pid == child.pid and samples[0].processes[0].pss >= 16 << 20
    assert samples[0].self is None, "only what was asked for is sampled"
