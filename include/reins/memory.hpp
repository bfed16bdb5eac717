// What memory processes, process trees, the system and cgroups use, as the kernel reports it.
//
// Every metric is a std::optional: nullopt means "not known" (not read, the process is gone or has no memory
// map, permission denied, the kernel does not report it), never 0. Reading never throws for those routine
// outcomes; the errno of each source is kept beside the values so a caller can say why.
//
// Costs (kernel 6.x, measured in docs/benchmarks.md#memory-measurement): statm ≈ 1.6 µs (≈0.5 µs re-read through a held
// fd), status ≈ 12 µs, smaps_rollup = the kernel's walk of every resident page (≈12 ms per GiB of 4 KiB pages, far less
// with huge pages) during which the process's own mmap/munmap calls wait. Ask for PSS only when you need it; RSS is an
// upper bound of PSS and USS, so a cheap RSS reading can tell you when PSS is worth reading.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reins/fd.hpp"
#include "reins/units.hpp"

namespace reins {

class Process;

using MaybeBytes = std::optional<std::uint64_t>;

// Which /proc/PID files to read. Designated initialisers read well: {.statm = true}, {.smaps_rollup = true}.
struct MemorySources {
  bool statm = false;         // rss, rss_anon, vm_size: a few kernel counters
  bool status = false;        // rss, rss_anon/file/shmem, vm_size, vm_hwm, swap
  bool smaps_rollup = false;  // rss, pss (and its split), shared/private clean/dirty, uss, swap, swap_pss
};

// The memory of one process, in bytes. When several sources are read, rss and swap come from the most exact
// one (smaps_rollup, then status, then statm).
struct ProcessMemory {
  pid_t pid = 0;

  MaybeBytes rss;        // resident set: every resident page mapped, shared ones counted in full
  MaybeBytes rss_anon;   // resident anonymous pages (status RssAnon; statm resident - shared)
  MaybeBytes rss_file;   // resident file-backed pages (status)
  MaybeBytes rss_shmem;  // resident shared memory: tmpfs, shm, shared anonymous (status)
  MaybeBytes vm_size;    // virtual size
  MaybeBytes vm_hwm;     // peak rss (status VmHWM)
  MaybeBytes swap;       // swapped out (smaps_rollup Swap, else status VmSwap)

  MaybeBytes pss;  // proportional set: each page divided by the number of processes mapping it
  MaybeBytes pss_anon, pss_file, pss_shmem, pss_dirty;
  MaybeBytes shared_clean, shared_dirty, private_clean, private_dirty;
  MaybeBytes uss;        // unique set: private_clean + private_dirty, what ending the process would free
  MaybeBytes swap_pss;   // swap divided like pss
  MaybeBytes anon_huge;  // anonymous memory in transparent huge pages

  // Why a source gave nothing: 0 when it was read (or not asked for), else the errno. ENOENT: no such
  // process; ESRCH: the process is gone or has no memory map (a kernel thread, a zombie); EACCES: no
  // ptrace-read access (smaps_rollup needs it whatever its mode bits say); EINVAL: the text did not parse.
  int statm_error = 0;
  int status_error = 0;
  int smaps_rollup_error = 0;

  // Whether any source asked for failed because the process does not exist (any more) or has no memory.
  bool gone() const noexcept;
  // The first non-zero errno of the sources, 0 if none.
  int first_error() const noexcept;
};

// The byte metrics of ProcessMemory by name ("rss", "pss", ...), in declaration order: for sums, output, JSON.
struct ProcessMemoryMetric {
  const char* name;
  MaybeBytes ProcessMemory::*member;
};
std::span<const ProcessMemoryMetric> process_memory_metrics() noexcept;

// Reads the sources asked for. Never throws for a process that is gone, has no memory map, or is not ours
// to read: those give unknown metrics and an errno in the *_error fields.
ProcessMemory read_process_memory(pid_t pid, MemorySources sources = {.smaps_rollup = true});

// Reads one process again and again cheaply: /proc/PID is opened once as a directory (it stays bound to that
// process, so a recycled pid is never measured by mistake) and each file's fd is kept and re-read with
// pread, which saves the open and close (statm: ≈0.5 µs instead of ≈1.6 µs). Not thread-safe: one per thread.
class ProcessMemoryReader {
 public:
  ProcessMemoryReader() = default;
  // A process that is already gone gives a reader whose reads all report ENOENT or ESRCH.
  explicit ProcessMemoryReader(pid_t pid);
  // For a held process: after /proc/PID is opened, the pidfd confirms that it is the same process.
  explicit ProcessMemoryReader(const Process& process);

  ProcessMemoryReader(ProcessMemoryReader&&) noexcept = default;
  ProcessMemoryReader& operator=(ProcessMemoryReader&&) noexcept = default;

  pid_t pid() const noexcept { return pid_; }
  // Never throws for the routine outcomes read_process_memory lists; allocation-free after the first read.
  ProcessMemory read(MemorySources sources);

 private:
  pid_t pid_ = 0;
  int open_error_ = EBADF;  // a default-constructed reader reads nothing
  UniqueFd proc_dir_, statm_, status_, smaps_rollup_;
  std::vector<char> buffer_;
};

// The pids of all descendants of `root` (not root itself), parents before their children. From
// /proc/PID/task/*/children, or by scanning /proc when the kernel lacks that file. The view can miss a
// process that is forked or reparented while it is taken; a cgroup is the exact way to hold a job's processes.
std::vector<pid_t> process_descendants(pid_t root);

// A process and all its descendants.
struct TreeMemory {
  pid_t root = 0;
  // Each metric summed over the processes where it is known; nullopt if it is known for none. pid = root.
  ProcessMemory total;
  std::vector<ProcessMemory> processes;  // root first, then descendants as process_descendants lists them
  std::size_t unreadable = 0;            // processes found whose requested metrics could not (all) be read
};

TreeMemory read_tree_memory(pid_t root, MemorySources sources = {.smaps_rollup = true});

// /proc/meminfo, in bytes.
struct SystemMemory {
  MaybeBytes total, free, available, buffers, cached, shmem, anon, slab_reclaimable, dirty;
  MaybeBytes swap_total, swap_free, swap_cached;
  MaybeBytes commit_limit, committed;
};

// Throws reins::Error if /proc/meminfo cannot be read.
SystemMemory read_system_memory();

// Pressure stall information: the share of wall time in which some (or all) non-idle tasks waited for memory.
struct PressureStats {
  double avg10 = 0, avg60 = 0, avg300 = 0;  // percent, averaged over 10 s, 60 s and 300 s
  std::chrono::nanoseconds total{0};        // stalled time since boot (the kernel counts microseconds)
};
struct Pressure {
  std::optional<PressureStats> some, full;
};

// /proc/pressure/memory; nullopt when the kernel has no PSI (not built in, or booted with psi=0).
std::optional<Pressure> read_memory_pressure();
// Any PSI file: /proc/pressure/{memory,cpu,io}, a v2 cgroup's memory.pressure. nullopt if absent or disabled.
std::optional<Pressure> read_pressure(const std::string& path);

enum class CgroupVersion { v1, v2 };

// memory.stat in bytes and counts, under v2 names. v1 values are the hierarchical ones (total_*), which is
// what usage_in_bytes covers: anon = total_rss, file = total_cache, file_mapped = total_mapped_file, ...
struct CgroupMemoryStat {
  MaybeBytes anon, file, kernel, shmem, file_mapped, file_dirty, file_writeback, swap, anon_thp;
  MaybeBytes active_anon, inactive_anon, active_file, inactive_file, unevictable;
  std::optional<std::uint64_t> pgfault, pgmajfault;
};

// v2 memory.events (hierarchical counts); v1: max = memory.failcnt, oom_kill and under_oom from oom_control.
struct CgroupMemoryEvents {
  std::optional<std::uint64_t> low, high, max, oom, oom_kill, oom_group_kill;
  std::optional<bool> under_oom, oom_kill_disabled;  // v1 only
};

struct CgroupMemory {
  std::string path;  // the cgroup's directory
  CgroupVersion version = CgroupVersion::v2;
  // 0, or why nothing could be read: ENOENT when the directory has no memory files (it is gone, or it is
  // not a memory cgroup).
  int error = 0;

  MaybeBytes current;       // v2 memory.current, v1 memory.usage_in_bytes (page cache included)
  MaybeBytes peak;          // v2 memory.peak (kernel 5.19+), v1 memory.max_usage_in_bytes
  MaybeBytes swap_current;  // v2 memory.swap.current
  // Limits: the outer optional says whether it is known, the inner nullopt means no limit ("max").
  std::optional<SizeLimit> max;            // v2 memory.max, v1 memory.limit_in_bytes
  std::optional<SizeLimit> high;           // v2 memory.high
  std::optional<SizeLimit> effective_max;  // the smallest max of this cgroup and its ancestors
  // How much more can be charged here before a limit stops it: the least (max − current) of this cgroup and
  // of each ancestor with a limit (an ancestor's usage includes its other children), 0 at or over one.
  // nullopt when none has a limit or a figure could not be read: memory_headroom() then falls back to the
  // system's available memory. Page cache counts as used, as the kernel charges it (it is reclaimable).
  MaybeBytes headroom;
  CgroupMemoryStat stat;
  CgroupMemoryEvents events;
};

// Reads the v2 memory.* or the v1 memory.* files, whichever the directory has. Never throws for a cgroup
// that is gone; see CgroupMemory::error.
CgroupMemory read_cgroup_memory(const std::string& dir);

// The directory of this process's own memory cgroup, found from /proc/self/cgroup and /proc/self/mountinfo:
// in the cgroup2 hierarchy when the memory controller is enabled there, else in the v1 memory hierarchy.
// nullopt when no memory controller is mounted.
std::optional<std::string> own_memory_cgroup_dir();
// read_cgroup_memory(own_memory_cgroup_dir()), or nullopt.
std::optional<CgroupMemory> read_own_cgroup_memory();

// How much more memory can be used (memctl's Headroom): the cgroup's headroom when a limit bounds it, at most
// the system's available memory (MemAvailable) — a cgroup limit above what the machine has left is not
// headroom — or the available memory alone without a cgroup or a limit. nullopt when neither is known (never 0
// for unknown). `cgroup` may be nullptr.
MaybeBytes memory_headroom(const CgroupMemory* cgroup, const SystemMemory& system);
// The same for this process: its own memory cgroup and /proc/meminfo, read now.
MaybeBytes memory_headroom();

}  // namespace reins
