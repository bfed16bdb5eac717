# Type stubs of the public API (python/tests/test_stubs.py checks them against the package).
import datetime
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from . import errors as errors
from .errors import Error as Error, InvalidArgument as InvalidArgument, SpawnError as SpawnError

Seconds = Union[int, float, datetime.timedelta]
Bytes = Union[int, str]
RlimitValue = Union[int, str, None]
Rlimits = Mapping[Union[str, int], Union[RlimitValue, Tuple[RlimitValue, RlimitValue]]]
FileArg = Union[int, Any]
EventKind = Literal["all-exited", "oom-kill", "memory-limit", "memory-high", "pids-limit"]

class Rusage:
    user_time: float
    system_time: float
    max_rss: int
    minor_faults: int
    major_faults: int
    block_inputs: int
    block_outputs: int
    voluntary_switches: int
    involuntary_switches: int

class ExitStatus:
    exited: bool
    signaled: bool
    exit_code: Optional[int]
    signal: Optional[int]
    core_dumped: bool
    shell_code: int
    returncode: int

class ProcessResult:
    status: ExitStatus
    rusage: Rusage

class Process:
    pid: int
    returncode: Optional[int]
    def __init__(self, native: Any) -> None: ...
    @classmethod
    def open(cls, pid: int) -> Process: ...
    def fileno(self) -> int: ...
    def poll(self) -> Optional[ProcessResult]: ...
    def wait(self, timeout: Optional[Seconds] = None) -> Optional[ProcessResult]: ...
    def send_signal(self, sig: int) -> bool: ...
    def terminate(self) -> bool: ...
    def kill(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Process: ...
    def __exit__(self, *exc: Any) -> None: ...

def spawn(argv: Sequence[str], *, env: Optional[Mapping[str, str]] = ..., cwd: Optional[str] = ...,
          stdin: Optional[FileArg] = ..., stdout: Optional[FileArg] = ..., stderr: Optional[FileArg] = ...,
          pass_fds: Sequence[FileArg] = ..., rlimits: Optional[Rlimits] = ..., new_session: bool = ...,
          new_process_group: bool = ..., parent_death_signal: int = ..., user: Optional[int] = ...,
          group: Optional[int] = ...) -> Process: ...

class ProcessMemory:
    pid: int
    rss: Optional[int]
    rss_anon: Optional[int]
    rss_file: Optional[int]
    rss_shmem: Optional[int]
    vm_size: Optional[int]
    vm_hwm: Optional[int]
    swap: Optional[int]
    pss: Optional[int]
    pss_anon: Optional[int]
    pss_file: Optional[int]
    pss_shmem: Optional[int]
    pss_dirty: Optional[int]
    shared_clean: Optional[int]
    shared_dirty: Optional[int]
    private_clean: Optional[int]
    private_dirty: Optional[int]
    uss: Optional[int]
    swap_pss: Optional[int]
    anon_huge: Optional[int]
    vms: Optional[int]
    shared: Optional[int]
    gone: bool
    errno: int

class TreeMemory:
    root: int
    total: ProcessMemory
    processes: List[ProcessMemory]
    unreadable: int

class SystemMemory:
    total: Optional[int]
    free: Optional[int]
    available: Optional[int]
    buffers: Optional[int]
    cached: Optional[int]
    shmem: Optional[int]
    swap_total: Optional[int]
    swap_free: Optional[int]
    committed: Optional[int]
    commit_limit: Optional[int]

class CgroupMemory:
    path: str
    version: int
    errno: int
    current: Optional[int]
    peak: Optional[int]
    swap_current: Optional[int]
    max: Optional[int]
    high: Optional[int]
    effective_max: Optional[int]
    limited: bool
    headroom: Optional[int]

def memory(pid: int, *, tree: bool = False, detail: bool = True) -> Union[ProcessMemory, TreeMemory]: ...
def system_memory() -> SystemMemory: ...
def cgroup_memory(path: Optional[str] = None) -> Optional[CgroupMemory]: ...
def memory_headroom() -> Optional[int]: ...
def get_rlimit(resource: Union[str, int], pid: int = 0) -> Tuple[Optional[int], Optional[int]]: ...
def set_rlimit(resource: Union[str, int], soft: RlimitValue, hard: RlimitValue,
               pid: int = 0) -> Tuple[Optional[int], Optional[int]]: ...
def get_rusage(who: Literal["self", "children", "thread"] = "self") -> Rusage: ...
def has_cap_sys_resource() -> bool: ...
def parse_size(text: str) -> int: ...
def format_size(bytes: int) -> str: ...

class JobEvent:
    kind: EventKind
    count: int

class Job:
    name: str
    paths: List[str]
    unit: Optional[str]
    skipped: List[Tuple[str, str]]
    kill_on_close: bool
    populated: bool
    frozen: bool
    limits: Dict[str, Any]
    accounting: Dict[str, bool]
    def __init__(self, name: Optional[str] = None, *, best_effort: bool = False,
                 systemd: Literal["when-needed", "never", "always"] = "when-needed", keep: bool = False,
                 _native: Any = None, memory_max: Optional[Bytes] = ..., memory_high: Optional[Bytes] = ...,
                 swap_max: Optional[Bytes] = ..., pids_max: Union[int, str, None] = ...,
                 cpus: Optional[float] = ..., cpu_weight: Optional[int] = ..., allowed_cpus: Optional[str] = ...,
                 allowed_memory_nodes: Optional[str] = ...) -> None: ...
    @classmethod
    def open(cls, name: str, *, adopt: bool = False) -> Job: ...
    @staticmethod
    def list() -> List[str]: ...
    def release(self) -> None: ...
    def spawn(self, argv: Sequence[str], **options: Any) -> Process: ...
    def assign(self, pid: int) -> None: ...
    def pids(self) -> List[int]: ...
    def freeze(self) -> None: ...
    def thaw(self) -> None: ...
    def signal(self, sig: int) -> int: ...
    def terminate(self, timeout: Seconds = 5.0) -> None: ...
    def remove(self, timeout: Seconds = 5.0) -> None: ...
    def close(self, timeout: Seconds = 5.0) -> None: ...
    def __enter__(self) -> Job: ...
    def __exit__(self, *exc: Any) -> None: ...
    def set_limits(self, *, best_effort: bool = False, **limits: Any) -> None: ...
    def set_accounting(self, *, memory: bool = False, pids: bool = False, io: bool = False,
                       cpu_throttling: bool = False) -> None: ...
    def stats(self) -> Dict[str, Any]: ...
    def cpu_usage(self) -> float: ...
    def memory_current(self) -> Optional[int]: ...
    def memory_headroom(self) -> Optional[int]: ...
    def enclosing_limits(self) -> List[Tuple[str, str, int]]: ...
    def select_events(self, kinds: Sequence[EventKind] = ...) -> None: ...
    def fileno(self) -> int: ...
    def read_events(self) -> List[JobEvent]: ...
    def wait_events(self, timeout: Optional[Seconds] = None) -> List[JobEvent]: ...
    def events(self, timeout: Optional[Seconds] = None) -> Iterator[JobEvent]: ...
    async def next_events(self) -> List[JobEvent]: ...
    def on_event(self, callback: Callable[[JobEvent], Any]) -> Any: ...

class GuardBreach:
    name: str
    pid: int
    metric: str
    value: int
    limit: int
    processes: int
    action: Literal["kill", "report"]
    signal: int
    signalled: int
    time: datetime.datetime

class GuardStats:
    name: str
    metric: str
    limit: Optional[int]
    current: Optional[int]
    peak: int
    rss: Optional[int]
    rss_peak: int
    processes: int
    samples: int
    missed_ticks: int
    walks: int
    breaches: int
    cpu_time: float

class GuardResult:
    end: Literal["gone", "killed", "cancelled"]
    breach: Optional[GuardBreach]
    stats: GuardStats

class MemoryGuard:
    killed: Any  # threading.Event
    breach: Optional[GuardBreach]
    limit: Optional[int]
    running: bool
    def __init__(self, target: Union[int, Process, Job], limit: Optional[Bytes] = None, *, tree: bool = False,
                 metric: Literal["pss", "rss", "uss", "cgroup"] = "pss", interval: Seconds = 0.1,
                 action: Literal["kill", "report"] = "kill", grace: Seconds = 5.0, per_process: bool = False,
                 name: str = "", on_breach: Optional[Callable[[GuardBreach], Any]] = None,
                 on_stats: Optional[Callable[[GuardStats], Any]] = None, stats_frequency: Seconds = 60.0) -> None: ...
    def set_limit(self, value: Optional[Bytes]) -> None: ...
    def set_no_kill(self, on: bool = True) -> None: ...
    def pss(self, max_age: Optional[Seconds] = None) -> Optional[int]: ...
    def rss(self, max_age: Optional[Seconds] = None) -> Optional[int]: ...
    def uss(self, max_age: Optional[Seconds] = None) -> Optional[int]: ...
    def measure(self, metric: str, max_age: Optional[Seconds] = None) -> Optional[int]: ...
    def stats(self) -> GuardStats: ...
    def fileno(self) -> int: ...
    def cancel(self) -> None: ...
    def wait(self, timeout: Optional[Seconds] = None) -> Optional[GuardResult]: ...
    def __await__(self) -> Any: ...
    def close(self) -> None: ...
    def __enter__(self) -> MemoryGuard: ...
    def __exit__(self, *exc: Any) -> None: ...

class MemorySample:
    index: int
    missed_ticks: int
    time: datetime.datetime
    self: Optional[ProcessMemory]
    processes: List[ProcessMemory]
    trees: List[TreeMemory]
    cgroups: List[CgroupMemory]
    own_cgroup: Optional[CgroupMemory]
    system: Optional[SystemMemory]
    pressure: Any
    headroom: Optional[int]

class Sampler:
    running: bool
    def __init__(self, interval: Seconds, callback: Callable[[MemorySample], Any], *, immediate: bool = False,
                 self_: Optional[bool] = None, pids: Sequence[int] = (), trees: Sequence[int] = (),
                 cgroups: Sequence[str] = (), own_cgroup: Optional[bool] = None, system: Optional[bool] = None,
                 pressure: bool = False, detail: bool = False,
                 on_error: Optional[Callable[[BaseException], Any]] = None) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Sampler: ...
    def __exit__(self, *exc: Any) -> None: ...

class MemInfo:
    at: datetime.datetime
    system_available: Optional[int]
    system_available_ok: bool
    process_rss: Optional[int]
    process_rss_ok: bool
    cgroup_current: Optional[int]
    cgroup_limit: Optional[int]
    cgroup_ok: bool
    missed_ticks: int
    sample: MemorySample
    def headroom(self) -> Optional[int]: ...

class Cancel:
    cancelled: bool
    def cancel(self) -> None: ...
    def fileno(self) -> int: ...

def watch(interval: Seconds, callback: Callable[[MemInfo], Any], *, cancel: Optional[Cancel] = None,
          immediate: bool = False, on_panic: Optional[Callable[[BaseException], Any]] = None) -> None: ...

class ReapedChild:
    pid: int
    status: ExitStatus
    rusage: Rusage

class Reaper:
    active: bool
    def __init__(self, pid: int = -1, *, subreaper: bool = False, all_exit_signals: bool = False,
                 when_not_pid1: bool = True, on_reaped: Optional[Callable[[ReapedChild], Any]] = None) -> None: ...
    @staticmethod
    def receives_orphans() -> bool: ...
    @staticmethod
    def has_children() -> bool: ...
    def fileno(self) -> int: ...
    def reap(self) -> int: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Reaper: ...
    def __exit__(self, *exc: Any) -> None: ...
    def claim(self, pid: int) -> Any: ...
    def spawning(self) -> Any: ...

class RunReport:
    ok: bool
    def __getattr__(self, key: str) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def as_dict(self) -> Dict[str, Any]: ...

def run(argv: Sequence[str], **options: Any) -> RunReport: ...

__all__: List[str]
