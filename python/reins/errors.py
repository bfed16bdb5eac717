"""reins' exceptions: every failure is an OSError with the errno the library saw.

``reins.Error`` is the base. Where Python has an OSError subclass for the errno (PermissionError for EPERM
and EACCES, ProcessLookupError for ESRCH, FileNotFoundError for ENOENT, ...), the exception raised is also
an instance of it, so ``except PermissionError`` works as with any other OSError. Bad input is
``InvalidArgument``, which is also a ValueError; a process that could not be started is ``SpawnError``,
which says at which stage (``stage``: "exec", "rlimit", "chdir", ...) and gives the shell's exit code
(``shell_code``: 127 not found, 126 not executable, 125 anything else).
"""

import builtins
import errno as _errno


class Error(OSError):
    """A failure reins reports: ``errno`` is the cause, ``str()`` names the operation and what it was on."""

    def __str__(self):
        return self.strerror or super().__str__()


class InvalidArgument(Error, ValueError):
    """Input that does not parse or contradicts other input (EINVAL); the message quotes it."""


class SpawnError(Error):
    """A command could not be started. ``stage`` and ``step`` say where; ``shell_code`` is 125, 126 or 127."""

    def __init__(self, errno, message, stage="", step="", shell_code=125):
        super().__init__(errno, message)
        self.stage = stage
        self.step = step
        self.shell_code = shell_code


def _subclass(base):
    return type(base.__name__, (Error, base), {"__module__": __name__, "__doc__": f"reins.Error that is a {base.__name__}."})


PermissionError = _subclass(builtins.PermissionError)
ProcessLookupError = _subclass(builtins.ProcessLookupError)
FileNotFoundError = _subclass(builtins.FileNotFoundError)
FileExistsError = _subclass(builtins.FileExistsError)
InterruptedError = _subclass(builtins.InterruptedError)
TimeoutError = _subclass(builtins.TimeoutError)
ChildProcessError = _subclass(builtins.ChildProcessError)
BlockingIOError = _subclass(builtins.BlockingIOError)

_BY_ERRNO = {
    _errno.EPERM: PermissionError,
    _errno.EACCES: PermissionError,
    _errno.ESRCH: ProcessLookupError,
    _errno.ENOENT: FileNotFoundError,
    _errno.EEXIST: FileExistsError,
    _errno.EINTR: InterruptedError,
    _errno.ETIMEDOUT: TimeoutError,
    _errno.ECHILD: ChildProcessError,
    _errno.EAGAIN: BlockingIOError,
    _errno.EINVAL: InvalidArgument,
}


def _from_errno(err, message):
    """The exception for a reins::Error (called by the extension module)."""
    return _BY_ERRNO.get(err, Error)(err, message)


__all__ = ["Error", "InvalidArgument", "SpawnError"]
