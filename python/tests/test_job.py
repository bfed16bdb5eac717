"""reins.Job: limits, spawn inside, stats, events (iterator, callback, await), freeze, terminate, and the
with block that leaves nothing behind."""

import asyncio
import os
import signal
import threading

import pytest

import reins

pytestmark = pytest.mark.cgroup  # makes cgroups: ctest runs this file alone


def test_with_block_ends_everything_and_removes_the_job(job_factory, ready_child):
    job_factory()  # skips where no job can be made
    with reins.Job(pids_max=32) as job:
        child = ready_child("children", 3, job=job)
        assert len(job.pids()) == 4 and child.pid in job.pids()
        paths = job.paths
        assert all(os.path.isdir(p) for p in paths)
    assert not any(os.path.exists(p) for p in paths), "the job's cgroups are gone"
    assert child.process.wait(timeout=5).status.signal == signal.SIGKILL


def test_limits_are_applied_and_read_back(job_factory):
    job = job_factory(pids_max=10)
    assert job.limits["pids_max"] == 10
    job.set_limits(pids_max=20)
    assert job.limits["pids_max"] == 20


def test_bad_limits_quote_the_input(job_factory):
    job_factory()
    with pytest.raises(reins.InvalidArgument, match="12Q"):
        reins.Job(memory_max="12Q")
    with pytest.raises(TypeError, match="valid: memory_max"):
        reins.Job(memroy_max="1G")


def test_open_by_name_does_not_own(job_factory):
    job = job_factory("reins-pytest-open")
    assert "reins-pytest-open" in reins.Job.list()
    other = reins.Job.open("reins-pytest-open")
    assert other.name == job.name and not other.kill_on_close
    with pytest.raises(FileNotFoundError):
        reins.Job.open("reins-pytest-no-such-job")


def test_stats_count_what_ran(job_factory):
    job = job_factory()
    job.spawn(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"]).wait()
    stats = job.stats()
    assert stats["cpu"]["usage"] > 0 and job.cpu_usage() == pytest.approx(stats["cpu"]["usage"], rel=0.5)
    if stats["pids"] is not None:
        assert stats["pids"]["current"] == 0


def test_events_iterator_ends_with_all_exited(job_factory):
    job = job_factory()
    job.select_events()
    job.spawn(["true"]).wait()
    kinds = [e.kind for e in job.events(timeout=10)]
    assert kinds[-1] == "all-exited"


def test_event_callback_runs_on_its_own_thread(job_factory, ready_child):
    job = job_factory()
    child = ready_child("pause", job=job)
    seen, got = [], threading.Event()
    watcher = job.on_event(lambda e: (seen.append((e.kind, threading.current_thread().name)), got.set()))
    child.process.kill()
    assert got.wait(10)
    watcher.cancel()
    assert seen[0][0] == "all-exited" and seen[0][1] != threading.current_thread().name


def test_events_can_be_awaited(job_factory, ready_child):
    job = job_factory()
    child = ready_child("pause", job=job)
    job.select_events()

    async def main():
        waiting = asyncio.ensure_future(job.next_events())
        await asyncio.sleep(0)
        child.process.kill()
        return await asyncio.wait_for(waiting, 10)

    assert [e.kind for e in asyncio.run(main())] == ["all-exited"]


def test_freeze_thaw_and_signal(job_factory, ready_child):
    job = job_factory()
    child = ready_child("pause", job=job)
    job.freeze()
    assert job.frozen
    job.thaw()
    assert not job.frozen
    assert job.signal(signal.SIGTERM) == 1
    assert child.process.wait().status.signal == signal.SIGTERM


def test_terminate_ends_every_member(job_factory, ready_child):
    job = job_factory(pids_max=64)
    ready_child("children", 20, job=job)
    assert len(job.pids()) == 21
    job.terminate()
    assert job.pids() == [] and not job.populated


def test_assign_moves_a_process_in(job_factory, ready_child):
    job = job_factory()
    child = ready_child("pause")
    job.assign(child.pid)
    assert child.pid in job.pids()


def test_keep_leaves_it_for_open(job_factory):
    job_factory()
    kept = reins.Job("reins-pytest-kept", keep=True)
    try:
        del kept  # keep=True: dropping the object leaves the job
        assert "reins-pytest-kept" in reins.Job.list()
    finally:
        reins.Job.open("reins-pytest-kept").remove()
    assert "reins-pytest-kept" not in reins.Job.list()
