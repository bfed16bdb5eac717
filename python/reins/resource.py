"""Python's ``resource`` module, on reins: the same names, constants, signatures, return values and
exceptions as CPython's on Linux, so that ``import reins.resource as resource`` is a drop-in (CPython's own
Lib/test/test_resource.py passes against it, in reins' CI).

- ``getrlimit(resource)``, ``setrlimit(resource, (soft, hard))``: RLIM_INFINITY (-1) for no limit.
- ``prlimit(pid, resource[, limits])``: another process's limits (0: this one); with ``limits`` it sets
  them and returns the limits in force before, read in the same prlimit(2) call.
- ``getrusage(who)``: a ``struct_rusage`` with all 16 fields (``ru_maxrss`` in KiB, times in seconds).
- ``getpagesize()``, ``error`` (OSError), ``RLIMIT_*``, ``RUSAGE_SELF``/``CHILDREN``/``THREAD``.

For reins' typed form (limits by name, "1G", "10s"; rusage with bytes), see ``reins.get_rlimit``,
``reins.set_rlimit`` and ``reins.get_rusage``.
"""

from ._reins import resource as _r

error = OSError
struct_rusage = _r.struct_rusage
getrlimit = _r.getrlimit
setrlimit = _r.setrlimit
prlimit = _r.prlimit
getrusage = _r.getrusage
getpagesize = _r.getpagesize
RLIM_INFINITY = _r.RLIM_INFINITY
RUSAGE_SELF = _r.RUSAGE_SELF
RUSAGE_CHILDREN = _r.RUSAGE_CHILDREN
RUSAGE_THREAD = _r.RUSAGE_THREAD

_names = [n for n in dir(_r) if n.startswith("RLIMIT_")]
globals().update({n: getattr(_r, n) for n in _names})

__all__ = ["error", "struct_rusage", "getrlimit", "setrlimit", "prlimit", "getrusage", "getpagesize",
           "RLIM_INFINITY", "RUSAGE_SELF", "RUSAGE_CHILDREN", "RUSAGE_THREAD", *_names]
del _names, _r
