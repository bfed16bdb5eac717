"""Jobs: a group of processes limited, measured and ended as one (a cgroup on Linux)."""

import asyncio
import os
import threading
import time

from . import _lifetime, _reins
from ._wait import readable, seconds
from .process import Process, _fds

JobEvent = _reins.JobEvent

EVENT_KINDS = ("all-exited", "oom-kill", "memory-limit", "memory-high", "pids-limit")


class Job:
    """A job: processes limited, measured and ended together, whatever they fork.

    ``Job(name=None, *, memory_max=None, memory_high=None, swap_max=None, pids_max=None, cpus=None,
    cpu_weight=None, allowed_cpus=None, allowed_memory_nodes=None, best_effort=False,
    systemd="when-needed", keep=False)`` makes a new job. Sizes are bytes (int) or strings ("512M");
    ``cpus`` is a number of CPUs (0.5: half of one). The job owns what runs in it: ``close()``, the end of a
    ``with`` block, or the object's end SIGKILLs every process left and removes the job, unless ``keep=True``
    (or ``release()``), which leaves it for ``Job.open(name)`` and ``reins job`` to find.

    ``spawn(argv, ...)`` starts a command inside (it is a member before it runs an instruction of its own);
    ``assign(pid)`` moves a running process in. ``pids()``, ``populated``, ``stats()`` (memory, CPU, IO,
    processes), ``limits`` and ``set_limits(**limits)``, ``freeze()``/``thaw()``, ``signal(sig)``,
    ``terminate()`` (SIGKILL to every member until none is left), ``remove()``.

    Events ("all-exited", "oom-kill", "memory-limit", "memory-high", "pids-limit"): iterate
    ``job.events(timeout=None)``, call ``job.wait_events(timeout)``, register ``job.on_event(callback)``
    (called on a thread of its own), or ``await job.next_events()`` in asyncio.

        with reins.Job(memory_max="256M", pids_max=64) as job:
            p = job.spawn(["make", "-j8"])
            p.wait()
            print(job.stats()["memory"]["peak"])
    """

    def __init__(self, name=None, *, best_effort=False, systemd="when-needed", keep=False, _native=None,
                 **limits):
        if _native is None:
            _native = _reins._Job.create(name or "", limits, best_effort, systemd, keep)
        self._job = _native
        self._watchers = []
        _lifetime.track_owner(self)

    @classmethod
    def open(cls, name, *, adopt=False):
        """Opens an existing job by name, without owning it (closing leaves it). ``adopt=True`` also opens a
        cgroup reins did not make. FileNotFoundError if there is none, PermissionError if it is not a job."""
        return cls(_native=_reins._Job.open(name, adopt))

    @staticmethod
    def list():
        """The names of the jobs below this process's cgroup (what ``reins job list`` shows)."""
        return _reins._Job.list()

    name = property(lambda self: self._job.name)
    paths = property(lambda self: self._job.paths, doc="the job's cgroup directories, core first")
    unit = property(lambda self: self._job.unit or None, doc="the systemd scope reins moved into for it, if any")
    skipped = property(lambda self: self._job.skipped, doc="(property, reason) of limits best_effort skipped")

    @property
    def kill_on_close(self):
        return self._job.kill_on_close

    @kill_on_close.setter
    def kill_on_close(self, on):
        self._job.kill_on_close = bool(on)

    def release(self):
        """From now on closing leaves the job and its processes in place."""
        self._job.release()

    def spawn(self, argv, **options):
        """Starts `argv` inside the job; the keywords are reins.spawn's. Returns its Process."""
        return Process(self._job.spawn(list(map(str, argv)), **_fds(options)))

    def assign(self, pid):
        """Moves the running process `pid` (with all its threads) into the job."""
        self._job.assign(int(pid))

    def pids(self):
        return self._job.pids()

    @property
    def populated(self):
        return self._job.populated()

    def freeze(self):
        """Stops every member where it is, and returns once they are all stopped."""
        self._job.freeze()

    def thaw(self):
        self._job.thaw()

    @property
    def frozen(self):
        return self._job.frozen()

    def signal(self, sig):
        """Sends `sig` to every member (through pidfds); returns how many got it."""
        return self._job.signal(int(sig))

    def terminate(self, timeout=5.0):
        """SIGKILLs every member, and what they fork meanwhile, until the job is empty."""
        self._job.terminate(timeout)

    def remove(self, timeout=5.0):
        """terminate(), then removes the job's cgroups. Idempotent."""
        self._stop_watchers()
        self._job.remove(timeout)

    close = remove

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._job.kill_on_close:
            self.remove()

    def _at_exit(self):
        if self._job.kill_on_close:
            self.remove()
        else:
            self._stop_watchers()

    def _stop_watchers(self):
        for w in self._watchers:
            w.cancel()

    @property
    def limits(self):
        """The limits in force: memory_max, memory_high, swap_max, pids_max ("max" for explicitly none,
        None when not set), cpus, cpu_weight, allowed_cpus, allowed_memory_nodes."""
        return self._job.limits()

    def set_limits(self, *, best_effort=False, **limits):
        """Changes limits of the running job (the keywords of Job()); members are moved along."""
        self._job.set_limits(limits, best_effort)

    def set_accounting(self, *, memory=False, pids=False, io=False, cpu_throttling=False):
        """Turns accounting on for what runs from now on (hcsshim's SetIOTracking)."""
        self._job.set_accounting(memory, pids, io, cpu_throttling)

    @property
    def accounting(self):
        return self._job.accounting()

    def stats(self):
        """A dict: "memory" (current, peak, swap, anon, file, kernel, oom_kills, limit_hits, high_hits, stat),
        "cpu" (usage, user, system in seconds; throttling), "io" (per device), "pids" (current, peak,
        limit_hits). A part is None when the job lacks its controller; a figure is None when unknown."""
        return self._job.stats()

    def cpu_usage(self):
        """CPU seconds of everything that ever ran in the job."""
        return self._job.cpu_usage()

    def memory_current(self):
        return self._job.memory_current()

    def memory_headroom(self):
        """Bytes the job may still be charged: the least of its and its enclosing cgroups' limits minus
        usage, at most the system's available memory. None when nothing is known."""
        return self._job.memory_headroom()

    def enclosing_limits(self):
        """(property, cgroup, value) of the MemoryMax/TasksMax that cgroups around the job set."""
        return self._job.enclosing_limits()

    # Events.

    def select_events(self, kinds=EVENT_KINDS):
        """Starts watching `kinds` now, so that nothing between this call and the first wait is lost."""
        self._job.select_events(list(kinds))

    def fileno(self):
        """An fd that polls readable when events are there to read (for select, selectors, asyncio)."""
        return self._job.event_fd()

    def read_events(self):
        """The events since the last call; never blocks."""
        return self._job.read_events()

    def wait_events(self, timeout=None):
        """Blocks until there are events (returns them) or `timeout` seconds pass (returns [])."""
        timeout = seconds(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self._job.event_fd()
        while True:
            events = self._job.read_events()
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if events or left == 0 or not readable([fd], left):
                return events or self._job.read_events()

    def events(self, timeout=None):
        """Yields events as they come; ends after `timeout` seconds without one (None: never), or after
        "all-exited" when the job is empty."""
        while True:
            batch = self.wait_events(timeout)
            if not batch:
                return
            yield from batch
            if any(e.kind == "all-exited" for e in batch) and not self.populated:
                return

    async def next_events(self):
        """The next events, awaited in asyncio (the event fd is watched by the running loop)."""
        loop = asyncio.get_running_loop()
        fd = self._job.event_fd()
        while True:
            events = self._job.read_events()
            if events:
                return events
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await ready
            finally:
                loop.remove_reader(fd)

    def on_event(self, callback):
        """Calls `callback(event)` for each event, on a thread of its own (with a handle of its own on the
        job), until the returned watcher's cancel() or remove(). Returns the watcher."""
        watcher = _EventWatcher(self._job.reopen(), callback)
        self._watchers.append(watcher)
        return watcher

    def __repr__(self):
        return f"<reins.Job {self.name!r}>"


class _EventWatcher:
    def __init__(self, job, callback):
        self._job = job
        self._stop = os.eventfd(0, os.EFD_CLOEXEC)
        self._job.select_events(list(EVENT_KINDS))
        self._thread = threading.Thread(target=self._run, args=(callback,), daemon=True, name="reins job events")
        self._thread.start()

    def _run(self, callback):
        fd = self._job.event_fd()
        while True:
            ready = readable([fd, self._stop])
            if self._stop in ready:
                return
            for event in self._job.read_events():
                callback(event)

    def cancel(self):
        if self._stop is None:
            return
        os.eventfd_write(self._stop, 1)
        if threading.current_thread() is not self._thread:
            self._thread.join()
            os.close(self._stop)
            self._stop = None
