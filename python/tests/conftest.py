"""What every suite shares: reins-testproc (the test helper program; REINS_TESTPROC names it, as ctest
sets), started with its stdout on a pipe so a test waits for its "ready" line instead of sleeping, and a
check that a test that made jobs left no cgroup behind."""

import os
import shutil
import subprocess

import pytest

import reins

def pytest_configure(config):
    config.addinivalue_line("markers", "cgroup: makes jobs (cgroups); ctest runs such a file alone")


TESTPROC = os.environ.get("REINS_TESTPROC") or shutil.which("reins-testproc")


def testproc_argv(*args):
    if not TESTPROC:
        pytest.skip("reins-testproc not found: run through ctest, or set REINS_TESTPROC")
    return [TESTPROC, *map(str, args)]


class Ready:
    """A started helper, its stdout read up to its "ready" line."""

    def __init__(self, start, *args):
        r, w = os.pipe()
        try:
            self.process = start(testproc_argv(*args), stdout=w)
        finally:
            os.close(w)
        self._out = os.fdopen(r)
        line = self._out.readline()
        assert line.strip() == "ready", f"helper {args} said {line!r}"

    @property
    def pid(self):
        return self.process.pid

    def close(self):
        self._out.close()


@pytest.fixture
def ready_child():
    """ready_child(*args): reins-testproc ARGS as a reins.Process, ready; killed and reaped afterwards."""
    started = []

    def start(*args, job=None):
        child = Ready(job.spawn if job else reins.spawn, *args)
        started.append(child)
        return child

    yield start
    for child in started:
        child.process.close()
        child.close()


def cgroups_available():
    try:
        with reins.Job():
            return None
    except reins.Error as e:
        return str(e)


@pytest.fixture
def job_factory():
    """job_factory(**limits): a reins.Job that is removed afterwards; the test skips, saying why, where no
    job can be made."""
    why = cgroups_available()
    if why:
        pytest.skip(f"no job can be made here: {why}")
    jobs = []

    def make(*args, **kw):
        job = reins.Job(*args, **kw)
        jobs.append(job)
        return job

    yield make
    for job in jobs:
        job.remove()


def fresh_python(code, *, timeout=60, env_extra=None, **kw):
    """Runs `code` in a new interpreter with the package on its path; returns the CompletedProcess."""
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=timeout, env=env,
                          **kw)
