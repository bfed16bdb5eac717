"""reins.run(): run a command under limits and get what it used and why it ended."""

from . import _reins
from .process import _fds


class Record:
    """A part of a report: its keys as attributes (and ``[key]``), ``as_dict()`` for all of them."""

    def __init__(self, data):
        self._data = data

    def __getattr__(self, key):
        try:
            value = self._data[key]
        except KeyError:
            raise AttributeError(key) from None
        return Record(value) if isinstance(value, dict) else value

    def __getitem__(self, key):
        return self._data[key]

    def __dir__(self):
        return list(self._data)

    def as_dict(self):
        return self._data

    def __eq__(self, other):
        return isinstance(other, Record) and self._data == other._data

    def __repr__(self):
        return f"{type(self).__name__}({self._data!r})"


class RunReport(Record):
    """What ``reins.run`` saw, with the keys of ``reins run --json`` (schemas/run-report.schema.json):
    ``verdict`` ("ok", "exited-nonzero", "signal", "timeout", "memory", "cpu-time", "pids", "file-size"),
    ``reins_exit_code`` (timeout(1)'s convention), ``command_exit_code``/``command_signal``, ``killed_by``
    and ``kill_detail``, ``wall_s``/``user_s``/``system_s``, ``max_rss_bytes`` and the other rusage counts,
    ``limits`` as applied, ``job`` (peak memory, CPU, processes, OOM kills; None without a job),
    ``guard``, ``notes``."""

    @property
    def ok(self):
        return self._data["verdict"] == "ok"


def run(argv, **options):
    """Runs `argv` under limits until it has exited, and returns its RunReport (`reins run` as a call).

    Job limits (the whole tree of processes; a job is made for the run and removed after, killing what
    the command left): ``memory_max``, ``memory_high``, ``swap_max`` (bytes or "512M"), ``pids_max``,
    ``cpus`` (0.5: half a CPU), ``cpu_weight``, ``allowed_cpus``, ``allowed_memory_nodes``;
    ``job=False`` runs without one, ``keep_job="name"`` keeps it, ``in_job="name"`` runs in an existing one.
    Time: ``timeout`` (seconds; then ``timeout_signal``, SIGKILL after ``kill_after``), ``cpu_time`` (CPU
    seconds of the whole job). Memory guard: ``max_pss``/``max_rss``/``max_uss`` (bytes), ``guard_action``
    ("kill" or "report"), ``guard_interval``, ``guard_grace``. Per process: ``rlimits``
    ({"nofile": 1024, "as": "1G", "cpu": (10, None)}). Spawn: ``env``, ``cwd``, ``stdin``, ``stdout``,
    ``stderr``, ``pass_fds``, ``user``, ``group``. ``trace="t.jsonl"`` records a timeline for `reins plot`.

    Raises SpawnError if the command cannot be started, InvalidArgument for a bad or contradictory option,
    and reins.Error if a job the limits need cannot be made. Nothing is left running in any case.

        report = reins.run(["python3", "solution.py"], memory_max="256M", timeout=2, pids_max=16)
        print(report.verdict, report.wall_s, report.job.peak_memory_bytes)
    """
    return RunReport(_reins.run(list(map(str, argv)), **_fds(options)))
