"""Processes held by a pidfd from birth: a pid that is reused meanwhile can never be signalled or waited."""

from . import _lifetime, _reins
from ._wait import readable, seconds

ExitStatus = _reins.ExitStatus
ProcessResult = _reins.ProcessResult
Rusage = _reins.Rusage


class Process:
    """A process reins started (``reins.spawn``, ``Job.spawn``) or opened (``Process.open(pid)``).

    ``wait(timeout=None)`` blocks until it exits and returns a ``ProcessResult`` (``.status``: an
    ``ExitStatus``; ``.rusage``: what it and the children it waited for used); ``poll()`` returns the
    result or None at once. ``send_signal``, ``terminate`` (SIGTERM) and ``kill`` (SIGKILL) go through the
    pidfd, so they reach this process or nothing. ``fileno()`` is the pidfd, readable once it has exited
    (for ``select``/``asyncio``). Closing (``close()``, ``with``, or the object's end) SIGKILLs and reaps a
    child still running: nothing is left behind.
    """

    def __init__(self, native):
        self._p = native
        self._result = None
        if native.is_child:
            _lifetime.track_owner(self)

    @classmethod
    def open(cls, pid):
        """Holds the running process `pid` (any process this user may signal); ProcessLookupError if none."""
        return cls(_reins.open_process(pid))

    @property
    def pid(self):
        return self._p.pid

    def fileno(self):
        return self._p.fileno()

    def poll(self):
        """The ProcessResult if it has exited (a child: reaped now), else None."""
        if self._result is None and self._p.is_child:
            self._result = self._p.try_wait()
        return self._result

    def wait(self, timeout=None):
        """Blocks until it has exited; returns the ProcessResult (None for a process that is not our child),
        or raises TimeoutError after `timeout` seconds. Ctrl-C interrupts the wait."""
        timeout = seconds(timeout)
        if self._result is not None:
            return self._result
        if not readable([self.fileno()], timeout):
            raise TimeoutError(f"pid {self.pid} still running after {timeout} s")
        return self.poll() if self._p.is_child else None

    @property
    def returncode(self):
        """subprocess' convention: None while running, else the exit code or -N for signal N."""
        result = self.poll()
        return None if result is None else result.status.returncode

    def send_signal(self, sig):
        """Sends `sig`; returns False if the process has already exited."""
        return self._p.send_signal(int(sig))

    def terminate(self):
        return self.send_signal(15)

    def kill(self):
        return self.send_signal(9)

    def close(self):
        self._p.close()

    _at_exit = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<reins.Process pid {self.pid}>"


def spawn(argv, **options):
    """Starts `argv` (argv[0] looked up in PATH) and returns its Process.

    Keywords: ``env`` (a dict; default: ours), ``cwd``, ``stdin``/``stdout``/``stderr`` (file descriptors
    or objects with fileno()), ``pass_fds``, ``rlimits`` ({"nofile": 1024, "as": "1G", "cpu": (10, None)}:
    applied in the child before exec, all checked before it starts), ``new_session``,
    ``new_process_group``, ``parent_death_signal``, ``user``, ``group``. Raises SpawnError (with the stage
    that failed: a missing program is stage "exec", errno ENOENT, shell_code 127).
    """
    return Process(_reins.spawn(list(map(str, argv)), **_fds(options)))


def _fds(options):
    """File objects given for stdin/stdout/stderr/pass_fds, as their descriptors."""
    out = dict(options)
    for key in ("stdin", "stdout", "stderr"):
        value = out.get(key)
        if value is not None and not isinstance(value, int):
            out[key] = value.fileno()
    if "pass_fds" in out and out["pass_fds"] is not None:
        out["pass_fds"] = [fd if isinstance(fd, int) else fd.fileno() for fd in out["pass_fds"]]
    return out
