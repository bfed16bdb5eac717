"""Periodic memory samples: ``Sampler`` (a thread of reins' own calling back) and ``watch`` (memctl's
Watch: blocks until cancelled)."""

import datetime
import os

from . import _lifetime, _reins
from ._wait import readable

MemorySample = _reins.MemorySample

class Sampler:
    """Calls `callback(sample)` every `interval` seconds on reins' sampling thread, one call at a time:
    a tick that falls while a callback still runs is coalesced into the next (``sample.missed_ticks``
    counts them). ``stop()`` (or the end of a ``with`` block) waits for a running callback and ends.

    What is sampled: ``self`` (this process), ``pids`` (each process), ``trees`` (each process and its
    descendants), ``cgroups`` (directories), ``own_cgroup`` (this process's memory cgroup), ``system``
    (/proc/meminfo), ``pressure`` (PSI); ``detail=True`` adds PSS/USS (smaps_rollup) to the processes.
    With no target named, this process, its cgroup and the system are sampled.

    An exception in the callback goes to ``on_error(exc)`` if given, and sampling goes on; without one it
    ends sampling and ``stop()`` raises it.
    """

    def __init__(self, interval, callback, *, immediate=False, self_=None, pids=(), trees=(), cgroups=(),
                 own_cgroup=None, system=None, pressure=False, detail=False, on_error=None):
        if not callable(callback):
            raise TypeError("callback: expected a callable taking one sample")
        named = bool(pids or trees or cgroups) or any(v is not None for v in (self_, own_cgroup, system))

        def call(sample):
            try:
                callback(sample)
            except Exception as e:  # handed on, as memctl's OnPanic rule says; else it ends sampling
                if on_error is None:
                    raise
                on_error(e)

        self._s = _reins._Sampler(interval, immediate, call, bool(self_) if named else True, list(pids), list(trees),
                                  [str(c) for c in cgroups], bool(own_cgroup) if named else True,
                                  bool(system) if named else True, pressure, detail)
        _lifetime.track_thread(self)

    @property
    def running(self):
        return self._s.running()

    def stop(self):
        """Stops sampling; raises the exception that ended it, if one did."""
        self._s.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _at_exit(self):
        self._s.stop()


class MemInfo:
    """One of watch()'s samples, in memctl's MemInfo shape: each figure with an ``_ok`` flag (when False
    the figure is None: unknown is never 0). ``sample`` is the full MemorySample."""

    __slots__ = ("at", "system_available", "system_available_ok", "process_rss", "process_rss_ok",
                 "cgroup_current", "cgroup_limit", "cgroup_ok", "missed_ticks", "sample")

    def __init__(self, sample):
        self.sample = sample
        self.at = sample.time
        self.missed_ticks = sample.missed_ticks
        system = sample.system
        self.system_available = system.available if system else None
        self.system_available_ok = self.system_available is not None
        self.process_rss = sample.self.rss if sample.self else None
        self.process_rss_ok = self.process_rss is not None
        cg = sample.own_cgroup
        self.cgroup_ok = cg is not None and cg.current is not None
        self.cgroup_current = cg.current if self.cgroup_ok else None
        self.cgroup_limit = cg.effective_max if self.cgroup_ok else None  # None: no limit ("max")

    def headroom(self):
        """How much more this process may use: the least (limit - usage) of its cgroup and the cgroups
        above, at most the system's available memory; None when unknown."""
        return self.sample.headroom

    def __repr__(self):
        return (f"MemInfo(at={self.at.isoformat()}, system_available={self.system_available}, "
                f"process_rss={self.process_rss}, cgroup_current={self.cgroup_current}, "
                f"cgroup_limit={self.cgroup_limit}, headroom={self.headroom()})")


class Cancel:
    """What ends a watch(): ``cancel()`` from any thread (or from the callback). Backed by an eventfd, so
    the watch wakes at once."""

    def __init__(self):
        self._fd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self.cancelled = False

    def cancel(self):
        self.cancelled = True
        os.eventfd_write(self._fd, 1)

    def fileno(self):
        return self._fd

    def __del__(self):
        os.close(self._fd)


def watch(interval, callback, *, cancel=None, immediate=False, on_panic=None):
    """memctl's Watch: calls `callback(meminfo)` every `interval` seconds (a MemInfo: this process's RSS,
    its cgroup's usage and limit, the system's available memory, headroom()) until `cancel` (a
    ``reins.Cancel``) is cancelled or the callback returns False; then returns None.

    Callbacks are serial, on reins' sampling thread; late ticks are coalesced. ``immediate=True`` takes the
    first sample at once. An exception in the callback is raised from watch() (which stops), unless
    `on_panic` is given: then ``on_panic(exc)`` is called and sampling goes on. Ctrl-C ends the wait with
    KeyboardInterrupt, after sampling has stopped. An interval ≤ 0 raises ValueError, a callback that is
    not callable TypeError.
    """
    if isinstance(interval, datetime.timedelta):
        interval = interval.total_seconds()
    if not isinstance(interval, (int, float)) or isinstance(interval, bool) or not interval > 0:
        raise ValueError(f"interval: {interval!r} is not a positive number of seconds")
    if not callable(callback):
        raise TypeError("callback: expected a callable taking one MemInfo")
    done = Cancel()
    failure = []

    def each(sample):
        try:
            if callback(MemInfo(sample)) is False:
                done.cancel()
        except BaseException as e:  # noqa: BLE001 - memctl's rule: to on_panic, else re-raised from watch()
            if on_panic is None:
                failure.append(e)
                done.cancel()
                return
            try:
                on_panic(e)
            except BaseException as again:  # noqa: BLE001
                failure.append(again)
                done.cancel()

    sampler = Sampler(interval, each, immediate=immediate, self_=True, own_cgroup=True, system=True)
    try:
        readable([done.fileno()] + ([cancel.fileno()] if cancel is not None else []))
    finally:
        sampler.stop()
    if failure:
        raise failure[0]
