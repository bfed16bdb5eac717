// The cgroups of one job across the hierarchies of a Layout, and the backends that drive them: creating
// them (only in the hierarchies the job needs), opening them by name, joining more controllers later,
// moving a process into all of them, and removing them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/layout.hpp"
#include "cgroup/v1/backend.hpp"
#include "cgroup/v2/backend.hpp"
#include "cgroup/v2/delegation.hpp"

namespace reins::cgroup {

using Deadline = std::chrono::steady_clock::time_point;

class JobCgroups {
 public:
  // Makes the job's cgroups: the core, plus one per hierarchy that holds a controller in `wanted`, and where
  // possible in `optional` (statistics only: a failure there just leaves the controller out). Throws
  // reins::Error (naming the controller, or the path and errno); nothing is left behind then.
  // `owned`: marked as owned by this process from the start (see set_owned).
  static JobCgroups create(const Layout& layout, const std::string& name, ControllerSet wanted,
                           ControllerSet optional = {}, bool owned = false);
  // Opens a job's existing cgroups; nullopt when its core cgroup does not exist. A core cgroup without reins'
  // marker (made by hand or by another tool) is refused (EPERM, saying how to adopt it) unless `adopt`; where
  // the file system keeps no user xattrs (v1 cgroupfs) jobs cannot be told apart and every name is opened.
  static std::optional<JobCgroups> open(const Layout& layout, const std::string& name, bool adopt = false);
  // The names of the jobs below the layout's core parent (cgroups marked by create()).
  static std::vector<std::string> list(const Layout& layout);
  // Ends (kills what is in them) and removes the jobs whose owner (see set_owned) is gone; returns their
  // names. Never throws for one job: a job whose owner lives, or one it cannot judge, is left as it is.
  static std::vector<std::string> remove_abandoned(const Layout& layout, Deadline deadline);

  const std::string& name() const noexcept { return name_; }
  // Whether a statistics-only controller was left out because of a DelegationError (the parent is shared,
  // not ours, or lacks it), which a delegated cgroup of our own would fix.
  bool accounting_refused() const noexcept { return accounting_refused_; }
  const Layout& layout() const noexcept { return layout_; }
  Backend& core() const noexcept { return v2_ ? static_cast<Backend&>(*v2_) : static_cast<Backend&>(*v1_); }
  // The backend whose cgroup holds controller c, or nullptr when the job has not joined c.
  Backend* holding(Controller c) const noexcept;
  std::vector<Backend*> backends() const;
  // Every cgroup of the job, the core first.
  std::vector<const CgroupDir*> dirs() const;
  std::vector<std::string> paths() const;

  // Joins more controllers: creates their cgroups and moves the job's members along (frozen meanwhile).
  void join(ControllerSet wanted, Deadline deadline);
  // Moves process `pid` (all its threads) into every cgroup of the job; see Job::assign.
  void move_in(pid_t pid, Deadline deadline);
  // Marks the job as owned by this process, which ends it before exiting (or unmarks it: released). A job
  // whose owner died unmarked without ending it is abandoned. Best effort, like the job marker.
  void set_owned(bool owned) const noexcept;
  // SIGKILLs, through pidfds after checking membership, the processes in the job's v1 cgroups that are not in
  // its core (one that wrote itself into another cgroup2 cgroup: the core's kill does not reach it), and
  // waits for them until `deadline`. Returns how many it killed.
  std::size_t kill_strays(Deadline deadline);
  // Removes every cgroup of the job (members must be gone), the core last and only if all the others went:
  // a job is removed whole or kept whole, still listed and marked. Returns 0 or the errno of the first
  // failure, with `failed` set to the path.
  int remove(Deadline deadline, std::string& failed) noexcept;

 private:
  JobCgroups(const Layout& layout, std::string name) : layout_(layout), name_(std::move(name)) {}
  static JobCgroups create_unchecked(const Layout& layout, const std::string& name, ControllerSet wanted,
                                     ControllerSet optional, bool owned);
  void create_v1(const Hierarchy& h);
  void fix_stragglers();
  const CgroupDir* dir_in(const Hierarchy& h) const noexcept;

  Layout layout_;
  std::string name_;
  bool accounting_refused_ = false;
  bool charge_move_asked_ = false;  // memory.move_charge_at_immigrate written (v1, at the first move_in)
  // Declared first, destroyed last: the move back out of the supervisor leaf needs the job's cgroup gone.
  std::unique_ptr<DelegationLease> lease_;
  // Declared before the backends' users: the job's EventWatch (in Job::Impl) is destroyed first.
  std::unique_ptr<V2Backend> v2_;
  std::unique_ptr<V1Backend> v1_;
};

// Checks a job name: one path component of letters, digits and ._-@:+ , at most 200 characters, not "."
// or "..". Throws InvalidArgument quoting it.
void check_job_name(const std::string& name);

}  // namespace reins::cgroup
