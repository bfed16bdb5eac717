// Making controllers available to a job on cgroup2: they must be enabled in the parent's
// cgroup.subtree_control, which the kernel refuses (EBUSY) while the parent itself holds processes ("no
// internal processes", Documentation/admin-guide/cgroup-v2.rst). When the process in the way is reins
// itself, it moves into a leaf of its own, "reins-supervisor", as nsjail and isolate do. Controllers are
// enabled only in the job's parent, never higher: reins writes nothing above the cgroup it was given.
//
// Found on a real kernel (6.1, systemd-style delegation; docs/design/jobs.md): threaded controllers (cpu,
// pids, cpuset) CAN be enabled in a cgroup that holds processes, but that makes it a thread root and its
// new children "domain invalid", into which clone3(CLONE_INTO_CGROUP) and cgroup.procs fail with EOPNOTSUPP.
// So nothing is ever enabled in a parent that holds processes other than after reins moved itself out.
//
// A reins process whose own cgroup is a "reins-supervisor" leaf makes its jobs beside that leaf (see
// Layout), so a supervisor started by another (a test, a wrapper) that moved into the leaf works too.
// The move is undone when the last job of the process goes, if nothing else uses the parent by then.
#pragma once

#include <string>
#include <vector>

#include "cgroup/layout.hpp"
#include "reins/error.hpp"

namespace reins::cgroup {

inline constexpr const char* kSupervisorLeaf = "reins-supervisor";

// Why a cgroup cannot give a job what it needs. Each is what a systemd scope with Delegate=yes fixes.
enum class DelegationProblem {
  not_writable,   // owned by someone else (an ordinary user in her session scope): EACCES
  not_delegated,  // the controllers are not in its cgroup.controllers: ENOENT
  shared,         // other processes live in it (a login shell's scope, a service): EBUSY
};

class DelegationError : public Error {
 public:
  // what() is "<detail>; <hint>": what is wrong, then what to do about it.
  DelegationError(DelegationProblem problem, int err, const std::string& detail, const std::string& hint)
      : Error(err, detail + "; " + hint), problem_(problem), detail_(detail) {}
  DelegationProblem problem() const noexcept { return problem_; }
  // What is wrong, without the hint (a caller that knows better gives its own).
  const std::string& detail() const noexcept { return detail_; }

 private:
  DelegationProblem problem_;
  std::string detail_;
};

// The cgroup v2 names of the controllers in `set` ("memory", "pids"), in a fixed order.
std::vector<std::string> v2_names(ControllerSet set);

// The command that gives this user a delegated cgroup of her own by hand, to prefix reins with:
// "systemd-run --scope -p Delegate=yes" for root, "systemd-run --user --scope -p Delegate=yes" otherwise.
std::string own_cgroup_command();

// Whether h's parent is the hierarchy's real root, where processes may live beside enabled controllers. A
// cgroup namespace's root (systemd-nspawn, docker --cgroupns=private, unshare -C) shows as "/" but is not: it
// has cgroup.type, which the real root lacks.
bool is_real_root(const Hierarchy& h);

// Enables `wanted` in the subtree_control of h's parent; returns the controllers enabled there afterwards.
// Throws DelegationError naming the file, the controllers and why: checked in that order, not writable by us,
// not delegated, other processes present (ownership first: it is what a user must fix first).
// Call it only while holding a DelegationLease on h.
ControllerSet enable_v2_controllers(const Hierarchy& h, ControllerSet wanted);
// The controllers enabled in the subtree_control of h's parent now (none if it cannot be read).
ControllerSet enabled_v2_controllers(const Hierarchy& h);

// Held by every job made in a v2 hierarchy with controllers (process-wide count). When the last lease of
// the process goes and reins had moved itself into the supervisor leaf, it moves back and restores the
// parent's subtree_control, provided the leaf holds only this process and the parent no other cgroup.
class DelegationLease {
 public:
  explicit DelegationLease(const Hierarchy& h);
  ~DelegationLease();
  DelegationLease(const DelegationLease&) = delete;
  DelegationLease& operator=(const DelegationLease&) = delete;

  // Moves this process into the supervisor leaf now if it is the only process of h's parent (what a
  // caller that will start reins supervisors in this cgroup does first). Returns whether we are out of the
  // parent afterwards.
  bool enter_leaf();

 private:
  std::string parent_dir_;
  bool real_root_;
};

}  // namespace reins::cgroup
