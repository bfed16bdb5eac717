"""reins: put processes under resource control — jobs (cgroups), memory guards, sampling, rlimits and
rusage, reaping, and ``run()``: a command under limits, with a report of what it used and why it ended.

    import reins

    report = reins.run(["make", "-j8"], memory_max="2G", pids_max=256, timeout=600)
    print(report.verdict, report.job.peak_memory_bytes)

    with reins.Job(memory_max="512M") as job:        # ends everything in it on exit
        job.spawn(["./worker"]).wait()

    guard = reins.MemoryGuard(pid, limit="1G", tree=True)   # kill the tree over 1 GiB of PSS
    reins.memory(pid).pss                                   # psutil's names: rss, pss, uss, swap, shared

    import reins.resource as resource                       # Python's resource module, drop-in

Sizes are bytes (int; "512M" accepted where a limit is given), durations seconds (float or timedelta),
unknown figures None (never 0). Every failure is a ``reins.Error`` (an OSError with errno; see
``reins.errors``). Blocking calls release the GIL and end on Ctrl-C.
"""

from . import _reins, errors
from .errors import Error, InvalidArgument, SpawnError
from .guard import GuardBreach, GuardResult, GuardStats, MemoryGuard
from .job import Job, JobEvent
from .process import ExitStatus, Process, ProcessResult, Rusage, spawn
from .reaper import ReapedChild, Reaper
from .run import RunReport, run
from .sampler import Cancel, MemInfo, MemorySample, Sampler, watch

ProcessMemory = _reins.ProcessMemory
TreeMemory = _reins.TreeMemory
SystemMemory = _reins.SystemMemory
CgroupMemory = _reins.CgroupMemory
has_cap_sys_resource = _reins.has_cap_sys_resource
parse_size = _reins.parse_size
format_size = _reins.format_size


def memory(pid, *, tree=False, detail=True):
    """The memory of process `pid` in bytes, with psutil's names (``rss``, ``vms``, ``shared``, ``pss``,
    ``uss``, ``swap``) and more (``rss_anon``, ``rss_file``, ``rss_shmem``, ``vm_hwm``, ``pss_anon``, ...);
    a figure is None when it could not be read. ``detail=False`` reads only the cheap counters (rss, vms,
    shared: no pss/uss). ``tree=True`` returns a TreeMemory: ``total`` over the process and its
    descendants, and each of them in ``processes``. A process that is gone gives ``gone`` True (and
    ``errno`` ENOENT or ESRCH), not an exception."""
    reader = _reins.read_tree_memory if tree else _reins.read_process_memory
    return reader(int(pid), detail)


def system_memory():
    """/proc/meminfo: total, free, available, cached, swap_total, ... in bytes."""
    return _reins.read_system_memory()


def cgroup_memory(path=None):
    """A memory cgroup's figures (this process's own when `path` is None; None if it has none)."""
    return _reins.read_own_cgroup_memory() if path is None else _reins.read_cgroup_memory(str(path))


def memory_headroom():
    """How much more this process may use: its cgroups' least (limit - usage), at most the system's
    available memory; None when unknown."""
    return _reins.memory_headroom()


def get_rlimit(resource, pid=0):
    """(soft, hard) of `resource` ("nofile", "as", ... or a resource.RLIMIT_* number) for `pid` (0: this
    process), None for unlimited."""
    return _reins.get_rlimit(resource, pid)


def set_rlimit(resource, soft, hard, pid=0):
    """Sets both sides (None: unlimited; "1G" and "10s" are accepted) and returns the limits before.
    PermissionError, naming CAP_SYS_RESOURCE, when the hard limit would rise without it."""
    return _reins.set_rlimit(resource, soft, hard, pid)


def get_rusage(who="self"):
    """getrusage(2) for "self", "children" or "thread", in units: seconds and bytes (a reins.Rusage)."""
    return _reins.get_rusage(who)


__all__ = [
    "Cancel", "CgroupMemory", "Error", "ExitStatus", "GuardBreach", "GuardResult", "GuardStats", "InvalidArgument",
    "Job", "JobEvent", "MemInfo", "MemoryGuard", "MemorySample", "Process", "ProcessMemory", "ProcessResult",
    "ReapedChild", "Reaper", "RunReport", "Rusage", "Sampler", "SpawnError", "SystemMemory", "TreeMemory",
    "cgroup_memory", "errors", "format_size", "get_rlimit", "get_rusage", "has_cap_sys_resource", "memory",
    "memory_headroom", "parse_size", "run", "set_rlimit", "spawn", "system_memory", "watch",
]
