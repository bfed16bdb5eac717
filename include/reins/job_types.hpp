// The values a job is described by: its limits, what it accounts for, its statistics and its events. A
// vocabulary header (value types only, includable from every layer): the cgroup layer reads and writes
// these, reins/job.hpp builds the Job on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reins/units.hpp"

namespace reins {

// ---------------------------------------------------------------------------------------------------------
// Limits

// CPU bandwidth: at most `quota` of CPU time in every `period` (cpu.max, or cpu.cfs_quota_us/cfs_period_us).
// A quota of 1.5 periods is 1.5 CPUs' worth.
struct CpuQuota {
  std::optional<std::chrono::microseconds> quota;  // nullopt: no cap
  std::chrono::microseconds period{100000};        // 1 ms .. 1 s; the kernel default is 100 ms

  // `cpus` CPUs' worth (1.5 → 150 ms per 100 ms). Throws InvalidArgument unless 0 < cpus ≤ 4096 and the
  // quota is at least 1 ms.
  static CpuQuota cpus(double cpus, std::chrono::microseconds period = std::chrono::microseconds(100000));
  bool operator==(const CpuQuota&) const = default;
};

enum class IoLimitKind { read_bps, write_bps, read_iops, write_iops };

// A bandwidth (bytes/s) or IOPS cap on one block device, named by its MAJ:MIN (the whole disk: the kernel
// refuses partitions with ENODEV).
struct IoDeviceLimit {
  unsigned major = 0, minor = 0;
  IoLimitKind kind = IoLimitKind::read_bps;
  std::optional<std::uint64_t> value;  // nullopt: no cap
  bool operator==(const IoDeviceLimit&) const = default;
};

// What to set. Each outer nullopt means "leave as it is"; inside, SizeLimit's nullopt means "no limit".
struct JobLimits {
  std::optional<SizeLimit> memory_max;      // hard limit: reclaim, then the OOM killer (MemoryMax=)
  std::optional<SizeLimit> memory_high;     // throttle above this; cgroup v2 only (MemoryHigh=)
  std::optional<SizeLimit> swap_max;        // swap the job may use, beyond memory_max (MemorySwapMax=)
  std::optional<CpuQuota> cpu_quota;        // (CPUQuota=)
  std::optional<std::uint32_t> cpu_weight;  // 1..10000, default 100 (CPUWeight=)
  std::optional<std::string> cpuset_cpus;   // "0-3,5" (AllowedCPUs=)
  std::optional<std::string> cpuset_mems;   // NUMA nodes (AllowedMemoryNodes=)
  std::optional<SizeLimit> pids_max;        // processes and threads (TasksMax=)
  std::vector<IoDeviceLimit> io;            // (IOReadBandwidthMax= ...)

  bool empty() const noexcept;
  // Sets every limit that `other` sets (io entries for the same device and kind are replaced).
  void merge(const JobLimits& other);
  bool operator==(const JobLimits&) const = default;
};

// ---------------------------------------------------------------------------------------------------------
// Statistics. std::nullopt: this kernel or layout does not provide the figure for this job.

struct JobMemoryStats {
  std::optional<std::uint64_t> current;  // bytes charged now (memory.current, memory.usage_in_bytes)
  std::optional<std::uint64_t> peak;     // highest charge seen (memory.peak, memory.max_usage_in_bytes)
  std::optional<std::uint64_t> swap;     // swap in use
  std::optional<std::uint64_t> anon;     // anonymous memory: the "private working set"
  std::optional<std::uint64_t> file;     // page cache
  std::optional<std::uint64_t> kernel;   // kernel memory (v2)
  std::uint64_t oom_kills = 0;           // processes the OOM killer ended in the job
  std::uint64_t limit_hits = 0;          // times the hard limit was reached (v2 events "max", v1 failcnt)
  std::uint64_t high_hits = 0;           // times the job was throttled above memory_high (v2)
  std::vector<std::pair<std::string, std::uint64_t>> stat;  // memory.stat as the kernel gives it
};

struct JobCpuStats {
  std::chrono::nanoseconds usage{0};  // CPU time of every process that ever ran in the job
  std::optional<std::chrono::nanoseconds> user, system;
  std::optional<std::uint64_t> periods, throttled_periods;  // with a CPU quota
  std::optional<std::chrono::nanoseconds> throttled;
};

struct JobIoDeviceStats {
  unsigned major = 0, minor = 0;
  std::uint64_t read_bytes = 0, write_bytes = 0, read_ios = 0, write_ios = 0;
};

struct JobPidsStats {
  std::optional<std::uint64_t> current, peak;
  std::uint64_t limit_hits = 0;  // forks refused by pids_max
};

struct JobStats {
  std::optional<JobMemoryStats> memory;  // when the job has the memory controller
  JobCpuStats cpu;
  std::optional<std::vector<JobIoDeviceStats>> io;
  std::optional<JobPidsStats> pids;
};

// ---------------------------------------------------------------------------------------------------------
// Events

enum class JobEventKind {
  all_exited,    // the job became empty (cgroup.events populated 0)
  oom_kill,      // the OOM killer ended a process in the job
  memory_limit,  // the job reached its hard memory limit
  memory_high,   // the job was throttled above memory_high
  pids_limit,    // a fork was refused by pids_max
};
struct JobEvent {
  JobEventKind kind;
  std::uint64_t count = 1;  // how many happened since the last report (counters can jump by more than 1)
};
// "all-exited", "oom-kill", "memory-limit", "memory-high", "pids-limit".
std::string_view event_name(JobEventKind kind) noexcept;

// ---------------------------------------------------------------------------------------------------------
// Accounting

// What the job accounts for even without a limit on it (joining a v1 controller costs a cgroup per job).
struct JobAccounting {
  bool memory = false;
  bool pids = false;
  bool io = false;
  bool cpu_throttling = false;
};

// A limit that was asked for but not applied (JobOptions::best_effort): which, and why.
struct SkippedLimit {
  std::string property;  // its systemd name: "MemoryHigh"
  std::string reason;    // a whole sentence: "MemoryHigh= exists only on cgroup v2 (the memory controller is v1)"
};

// A limit that a cgroup enclosing the job sets (a container's, a Slurm task's, a systemd unit's): the job
// cannot use more than it, whatever its own limit says, and when it acts the job's own counters do not show
// it (its memory_limit_hits stay 0).
struct EnclosingLimit {
  std::string property;     // "MemoryMax" or "TasksMax"
  std::string cgroup;       // the cgroup that sets it, as its hierarchy names it: "/slurm/uid_0/job_7/step_0"
  std::uint64_t value = 0;  // bytes, or processes
  bool operator==(const EnclosingLimit&) const = default;
};

}  // namespace reins
