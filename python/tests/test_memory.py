"""reins.memory(pid) against psutil (the cross-check), for one process and for a tree."""

import errno
import os

import pytest

import reins

psutil = pytest.importorskip("psutil", reason="psutil (python3-psutil) is the cross-check")

MIB = 1 << 20


def test_a_100_mib_process_agrees_with_psutil(ready_child):
    child = ready_child("memhog", 100)
    ours = reins.memory(child.pid)
    theirs = psutil.Process(child.pid).memory_full_info()
    assert ours.rss >= 100 * MIB and ours.uss >= 100 * MIB
    # The two read the same kernel counters a few microseconds apart, from a process that holds still.
    for field in ("rss", "vms", "shared", "uss", "pss", "swap"):
        a, b = getattr(ours, field), getattr(theirs, field)
        assert abs(a - b) <= max(256 * 1024, b // 100), f"{field}: reins {a}, psutil {b}"


def test_fields_are_none_not_zero_when_not_read(ready_child):
    child = ready_child("memhog", 1)
    cheap = reins.memory(child.pid, detail=False)
    assert cheap.rss > 0 and cheap.vms > 0 and cheap.shared is not None
    assert cheap.pss is None and cheap.uss is None and cheap.swap is None


def test_a_tree_is_the_sum_of_its_processes(ready_child):
    child = ready_child("children", 3)
    tree = reins.memory(child.pid, tree=True)
    assert len(tree.processes) == 4 and tree.processes[0].pid == child.pid
    assert tree.total.pss == sum(p.pss for p in tree.processes)
    psutil_total = sum(p.memory_full_info().pss for p in [psutil.Process(child.pid),
                                                          *psutil.Process(child.pid).children(recursive=True)])
    assert abs(tree.total.pss - psutil_total) <= max(256 * 1024, psutil_total // 50)


def test_a_process_that_is_gone_is_a_value_not_an_error():
    p = reins.spawn(["true"])
    pid = p.pid
    p.wait()
    m = reins.memory(pid)
    assert m.gone and m.errno in (errno.ENOENT, errno.ESRCH) and m.rss is None


def test_system_and_own_cgroup():
    s = reins.system_memory()
    assert s.total > s.available > 0
    headroom = reins.memory_headroom()
    assert headroom is None or 0 <= headroom <= s.total
    assert reins.memory(os.getpid()).rss > 0
