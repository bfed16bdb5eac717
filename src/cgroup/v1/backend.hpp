// A job's cgroups in v1 hierarchies, one per hierarchy it joined. On pure v1 it is also the core: membership
// through cgroup.procs, freezing through the freezer, CPU time through cpuacct, and "empty" by sampling,
// because v1 has no notification for it (release_agent is machine-wide and not ours to touch).
#pragma once

#include <string>
#include <vector>

#include "cgroup/backend.hpp"

namespace reins::cgroup {

struct V1Cgroup {
  ControllerSet controllers;  // what the hierarchy carries
  std::string key;            // its name in /proc/<pid>/cgroup, e.g. "freezer"
  CgroupDir dir;
};

class V1Backend final : public Backend {
 public:
  // The first cgroup is the core one (the freezer where there is one).
  explicit V1Backend(std::vector<V1Cgroup> cgroups) : cgroups_(std::move(cgroups)) {}

  Version version() const noexcept override { return Version::v1; }
  const CgroupDir* dir(Controller c) const noexcept override;
  std::vector<const CgroupDir*> dirs() const override;

  const CgroupDir& core_dir() const override { return cgroups_.front().dir; }
  std::string_view membership_key() const noexcept override { return cgroups_.front().key; }
  bool populated() const override { return !core_dir().pids_recursive().empty(); }
  bool wait_empty(std::chrono::steady_clock::time_point deadline) const override;
  bool set_frozen(bool frozen, std::chrono::steady_clock::time_point deadline) override;
  bool frozen() const override;
  bool kill_all() override { return false; }
  int clone_into_fd() const noexcept override { return -1; }
  void watch_populated(EventWatch& watch) const override;

  void read_cpu_usage(JobCpuStats& out) const override;
  void read_stats(JobStats& out) const override;
  std::optional<std::uint64_t> memory_current() const override;
  void watch_controllers(EventWatch& watch) const override;
  std::optional<UniqueFd> usage_threshold_fd(std::uint64_t bytes) const override;

  // Adds the cgroup of a hierarchy joined later (a limit on a new controller).
  void add(V1Cgroup cgroup) { cgroups_.push_back(std::move(cgroup)); }

 private:
  std::vector<V1Cgroup> cgroups_;
};

// How often v1 sources without a notification are re-read.
inline constexpr std::chrono::milliseconds kV1SampleInterval{50};

// Stats readers (v1/stats.cpp).
JobMemoryStats read_v1_memory(const CgroupDir& dir);
void read_v1_cpuacct(const CgroupDir& dir, JobCpuStats& out);
void read_v1_cpu_throttling(const CgroupDir& dir, JobCpuStats& out);
std::vector<JobIoDeviceStats> read_v1_blkio(const CgroupDir& dir);

// Registers an eventfd with the cgroup's cgroup.event_control for the open file `file_fd` plus `args` (v1
// only; see Documentation/admin-guide/cgroup-v1/memory.rst, "Memory thresholds" and "OOM Control").
UniqueFd register_v1_event(const CgroupDir& dir, int file_fd, std::string_view args);

}  // namespace reins::cgroup
