"""The memory guard in athena's shape: kill (or only report) a process, a tree or a job over a PSS, RSS or
USS limit (or a job's cgroup charge)."""

import asyncio
import threading
import weakref

from . import _lifetime, _reins
from ._wait import readable, seconds
from .job import Job
from .process import Process

GuardBreach = _reins.GuardBreach
GuardStats = _reins.GuardStats
GuardResult = _reins.GuardResult

class MemoryGuard:
    """Watches `target` and acts when its memory goes over `limit` bytes.

    ``MemoryGuard(target, limit=None, *, tree=False, metric="pss", interval=0.1, action="kill", grace=5.0,
    per_process=False, name="", on_breach=None, on_stats=None, stats_frequency=60.0)``

    - `target`: a pid or a ``reins.Process`` (with ``tree=True``: it and all its descendants), or a
      ``reins.Job`` (every member; ``metric="cgroup"`` is then the job's charge).
    - ``limit``: bytes (int or "512M"); None measures only, until ``limit = N``. Changeable at any time
      (``guard.limit = ...``): the guard's own thread takes it at once.
    - ``action``: "kill" (SIGTERM to every process of the target, SIGKILL after `grace` seconds) or
      "report". ``set_no_kill()`` turns killing off for later breaches (athena's SetNoKill).
    - ``pss()``, ``rss()``, ``uss()``: the figure now (the last sample if it is no older than `max_age`, by
      default one interval; else measured on the guard's thread while you wait) — athena's PSS().
    - ``on_breach(breach)`` and ``on_stats(stats)`` every `stats_frequency` seconds (athena's
      StatsFrequency) run on the guard's thread, holding the GIL; an exception in one ends guarding and is
      raised by ``wait()``.
    - ``killed``: a threading.Event set when the guard has sent its kill; ``wait(timeout)`` returns the
      GuardResult once guarding ends ("gone", "killed", "cancelled"); ``await guard`` does the same in
      asyncio; ``cancel()`` ends guarding (also at the end of a ``with`` block).

        with reins.MemoryGuard(proc, limit="2G", tree=True) as guard:
            proc.wait()
        print(guard.stats().peak)
    """

    def __init__(self, target, limit=None, *, tree=False, metric="pss", interval=0.1, action="kill", grace=5.0,
                 per_process=False, name="", on_breach=None, on_stats=None, stats_frequency=60.0):
        self.killed = threading.Event()
        self.breach = None
        killed, me = self.killed, weakref.ref(self)  # the guard thread's callback must not keep self alive

        def breached(breach):
            guard = me()
            if guard is not None:
                guard.breach = breach
            if breach.action == "kill":
                killed.set()
            if on_breach is not None:
                on_breach(breach)

        job = None
        if isinstance(target, Job):
            kind, pid, job = "job", 0, target._job
        else:
            pid = target.pid if isinstance(target, Process) else int(target)
            kind = "tree" if tree else "process"
        self._g = _reins._MemoryGuard(kind, pid, job, limit, metric, interval, action, grace, per_process, name,
                                      breached, on_stats, stats_frequency)
        _lifetime.track_thread(self)

    @property
    def limit(self):
        return self._g.limit()

    @limit.setter
    def limit(self, value):
        self._g.set_limit(value)

    def set_limit(self, value):
        """athena's Limit(): the new limit in bytes (None: measure only)."""
        self._g.set_limit(value)

    def set_no_kill(self, on=True):
        """Later breaches are reported, not acted on (athena's SetNoKill)."""
        self._g.set_no_kill(on)

    def pss(self, max_age=None):
        return self._g.measure("pss", max_age)

    def rss(self, max_age=None):
        return self._g.measure("rss", max_age)

    def uss(self, max_age=None):
        return self._g.measure("uss", max_age)

    def measure(self, metric, max_age=None):
        return self._g.measure(metric, max_age)

    def stats(self):
        return self._g.stats()

    @property
    def running(self):
        return self._g.running()

    def fileno(self):
        """An fd that polls readable once guarding has ended."""
        return self._g.end_fd()

    def cancel(self):
        """Ends guarding for good: no sample, signal or callback after it returns."""
        self._g.cancel()

    def wait(self, timeout=None):
        """Blocks until guarding ends (returns the GuardResult) or `timeout` seconds pass (returns None).
        Raises what ended it, if an exception did (from a callback)."""
        if not readable([self._g.end_fd()], seconds(timeout)):
            return None
        return self._g.result()

    def __await__(self):
        return self._wait_async().__await__()

    async def _wait_async(self):
        loop = asyncio.get_running_loop()
        ended = loop.create_future()
        fd = self._g.end_fd()
        loop.add_reader(fd, lambda: ended.done() or ended.set_result(None))
        try:
            await ended
        finally:
            loop.remove_reader(fd)
        return self._g.result()

    def close(self):
        self._g.close()

    _at_exit = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()
