// A job's cgroup in the cgroup2 hierarchy: the core everywhere v2 is mounted (membership, cgroup.kill,
// cgroup.freeze, cgroup.events, CLONE_INTO_CGROUP, cpu.stat usage) plus the controllers enabled for it.
#pragma once

#include "cgroup/backend.hpp"

namespace reins::cgroup {

class V2Backend final : public Backend {
 public:
  // `controllers`: those enabled for the job (its parent's subtree_control lists them).
  // `use_kill`: end the job with cgroup.kill where the kernel has it (see LayoutOptions::without_cgroup_kill).
  V2Backend(CgroupDir dir, ControllerSet controllers, bool use_kill)
      : dir_(std::move(dir)), controllers_(controllers), use_kill_(use_kill) {}

  Version version() const noexcept override { return Version::v2; }
  const CgroupDir* dir(Controller c) const noexcept override { return controllers_.has(c) ? &dir_ : nullptr; }
  std::vector<const CgroupDir*> dirs() const override { return {&dir_}; }

  const CgroupDir& core_dir() const override { return dir_; }
  std::string_view membership_key() const noexcept override { return {}; }
  bool populated() const override;
  bool wait_empty(std::chrono::steady_clock::time_point deadline) const override;
  bool set_frozen(bool frozen, std::chrono::steady_clock::time_point deadline) override;
  bool frozen() const override;
  bool kill_all() override;
  int clone_into_fd() const noexcept override { return dir_.fd(); }
  void watch_populated(EventWatch& watch) const override;

  void read_cpu_usage(JobCpuStats& out) const override;
  void read_stats(JobStats& out) const override;
  std::optional<std::uint64_t> memory_current() const override;
  void watch_controllers(EventWatch& watch) const override;
  std::optional<UniqueFd> pressure_trigger_fd(std::chrono::microseconds stall,
                                              std::chrono::microseconds window) const override;

  ControllerSet controllers() const noexcept { return controllers_; }
  void add_controllers(ControllerSet more) noexcept { controllers_.add(more); }

 private:
  CgroupDir dir_;
  ControllerSet controllers_;
  bool use_kill_;
};

// Stats readers for one v2 cgroup (v2/stats.cpp).
void read_v2_cpu(const CgroupDir& dir, bool with_throttling, JobCpuStats& out);
JobMemoryStats read_v2_memory(const CgroupDir& dir);
std::vector<JobIoDeviceStats> read_v2_io(const CgroupDir& dir);

}  // namespace reins::cgroup
