// What a job does with its cgroups in the hierarchies of one cgroup version. A job has one Backend per
// version it spans: on v2 one, on hybrid a V2Backend (the core) and a V1Backend (the controllers), on v1 one
// V1Backend. The job asks whichever backend holds what it needs; it never asks which version that is.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cgroup/dir.hpp"
#include "cgroup/events.hpp"
#include "cgroup/types.hpp"
#include "reins/fd.hpp"
#include "reins/job_types.hpp"

namespace reins::cgroup {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Version version() const noexcept = 0;
  // The job's cgroup that holds controller c here; nullptr if the job has none for c in this backend.
  virtual const CgroupDir* dir(Controller c) const noexcept = 0;
  // Every cgroup of the job in these hierarchies, the core first.
  virtual std::vector<const CgroupDir*> dirs() const = 0;

  // --- The core: used on the backend that holds membership ---------------------------------------------
  // The cgroup whose members are the job's members.
  virtual const CgroupDir& core_dir() const = 0;
  // How /proc/<pid>/cgroup names the core's hierarchy: "" for v2, a controller name for v1.
  virtual std::string_view membership_key() const noexcept = 0;
  virtual bool populated() const = 0;
  // Waits until the job is empty or the deadline passes; returns whether it is empty.
  virtual bool wait_empty(std::chrono::steady_clock::time_point deadline) const = 0;
  // Freezes or thaws; returns false when this backend has no freezer for the job. Throws reins::Error.
  virtual bool set_frozen(bool frozen, std::chrono::steady_clock::time_point deadline) = 0;
  virtual bool frozen() const = 0;
  // Kills every member at once if the kernel can (cgroup.kill); false when the caller must kill one by one.
  virtual bool kill_all() = 0;
  // A cgroup2 directory fd for clone3(CLONE_INTO_CGROUP), or -1.
  virtual int clone_into_fd() const noexcept = 0;
  // Where the core's "empty" notification comes from.
  virtual void watch_populated(EventWatch& watch) const = 0;
  // CPU time of everything that ever ran in the job (v2 cpu.stat, v1 cpuacct).
  virtual void read_cpu_usage(JobCpuStats& out) const = 0;

  // --- Statistics and notifications of the controllers held here ---------------------------------------
  // Fills the fields its controllers provide (memory, pids, io, CPU throttling).
  virtual void read_stats(JobStats& out) const = 0;
  // memory.current / memory.usage_in_bytes; nullopt without the memory controller here.
  virtual std::optional<std::uint64_t> memory_current() const = 0;
  // Adds the sources of memory and pids events (OOM kills, limit hits).
  virtual void watch_controllers(EventWatch& watch) const = 0;

  // --- Kernel wake-ups for memory guards (see Job::memory_threshold_fd, Job::memory_pressure_fd) ------
  // An eventfd readable each time the memory charge crosses `bytes`; nullopt where this version has no usage
  // threshold (v2) or the job has no memory controller here.
  virtual std::optional<UniqueFd> usage_threshold_fd(std::uint64_t /*bytes*/) const { return std::nullopt; }
  // A PSI trigger ("some STALL WINDOW", in microseconds) on the core cgroup's memory.pressure; nullopt where
  // this version has no pressure files or the kernel refuses the trigger.
  virtual std::optional<UniqueFd> pressure_trigger_fd(std::chrono::microseconds /*stall*/,
                                                      std::chrono::microseconds /*window*/) const {
    return std::nullopt;
  }
};

// Freezes a job's core for a scope and thaws it when the scope ends, however it ends. A job that was frozen
// before is left frozen, unless `thaw_after` is always (killing needs the thaw: v1's freezer holds SIGKILL
// until then). Where the job has no freezer nothing is frozen.
class FreezeScope {
 public:
  enum class Thaw { unless_frozen_before, always };
  FreezeScope(Backend& core, std::chrono::steady_clock::time_point deadline, Thaw thaw_after);
  FreezeScope(const FreezeScope&) = delete;
  FreezeScope& operator=(const FreezeScope&) = delete;
  // Thaws if this scope froze; on the error path only, so a failure there cannot hide the first error.
  ~FreezeScope();
  // Ends the scope now, reporting a failure to thaw (reins::Error).
  void thaw();

 private:
  Backend& core_;
  std::chrono::steady_clock::time_point deadline_;
  bool frozen_by_us_ = false;
};

}  // namespace reins::cgroup
