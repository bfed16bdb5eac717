"""A reaper in go-reaper's shape: collects the exit status of children nobody waits for (what PID 1 must
do in a container, and a subreaper for the orphans it adopts), without stealing those the program waits
for itself (claim them)."""

import signal
import threading

from . import _lifetime, _reins

ReapedChild = _reins.ReapedChild


class Reaper:
    """``Reaper(pid=-1, *, subreaper=False, all_exit_signals=False, when_not_pid1=True, on_reaped=None)``

    - ``pid``: which children, as waitpid's first argument (go-reaper's Pid): -1 all (the default), 0 our
      process group, -G group G, N > 0 only child N.
    - ``subreaper``: become a child subreaper (PR_SET_CHILD_SUBREAPER), so orphaned descendants come to
      this process instead of PID 1; undone when the reaper is closed.
    - ``when_not_pid1``: reap even when this process is neither PID 1 nor a subreaper (go-reaper's
      DisablePid1Check); then only our own unclaimed children are reaped.
    - ``on_reaped(child)``: called for each child reaped (pid, status, rusage), on the reaper's thread.

    ``start()`` reaps on a thread of its own until ``stop()`` (or the end of a ``with`` block); ``reap()``
    reaps what has exited now, on the calling thread (``fileno()`` polls readable when there is some).
    The reaper takes SIGCHLD through a signalfd, so it must be blocked in every thread: make the Reaper in
    the main thread (which blocks it there) before any other thread starts, as PID 1 does; otherwise
    InvalidArgument says so.

    A child the program waits for itself (subprocess.Popen, os.waitpid) must be claimed, or the reaper may
    collect it first:

        with reaper.spawning():
            proc = subprocess.Popen(cmd)
            claim = reaper.claim(proc.pid)
        proc.wait()
        claim.release()
    """

    def __init__(self, pid=-1, *, subreaper=False, all_exit_signals=False, when_not_pid1=True, on_reaped=None):
        if threading.current_thread() is threading.main_thread():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        self._r = _reins._Reaper(pid, all_exit_signals, subreaper, when_not_pid1, on_reaped)
        _lifetime.track_thread(self)

    receives_orphans = staticmethod(_reins._Reaper.receives_orphans)
    has_children = staticmethod(_reins._Reaper.has_children)

    @property
    def active(self):
        return self._r.active()

    def fileno(self):
        return self._r.fileno()

    def reap(self):
        """Reaps every unclaimed child that has exited; returns how many."""
        return self._r.reap()

    def start(self):
        self._r.start()

    def stop(self):
        self._r.stop()

    def close(self):
        self._r.close()

    _at_exit = close

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def claim(self, pid):
        """Keeps the reaper off child `pid` until the claim's release(); ChildProcessError if it is already
        reaped. Usable as a context manager."""
        return _Claim(self._r.claim(int(pid)))

    def spawning(self):
        """A context manager: no child is reaped while it is open, so a child started inside it can be
        claimed before the reaper can see it exit."""
        return _SpawnGuard(self._r.guard_spawn())


class _Claim:
    def __init__(self, claim):
        self._c = claim

    pid = property(lambda self: self._c.pid)

    def release(self):
        self._c.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class _SpawnGuard:
    def __init__(self, guard):
        self._g = guard

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._g.end()
