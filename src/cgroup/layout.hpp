// Where cgroups are on this machine, discovered once from /proc/self/mountinfo and /proc/self/cgroup and then
// passed around as a value (no function-static cache, so tests build their own, also over a fake tree).
//
//   v2      one cgroup2 hierarchy holds the core (membership, cgroup.kill, cgroup.events, cgroup.freeze,
//           CLONE_INTO_CGROUP, cpu.stat) and every controller enabled in it.
//   hybrid  a cgroup2 hierarchy (the core, maybe a few controllers) beside v1 hierarchies holding the rest.
//   v1      v1 hierarchies only; the core is emulated with the freezer, cpuacct and cgroup.procs.
//
// Jobs are made below a parent cgroup in each hierarchy: by default our own cgroup there (delegation
// friendly, and the only place reins may create anything), or an explicit root.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "cgroup/types.hpp"

namespace reins::cgroup {

struct Hierarchy {
  Version version = Version::v2;
  ControllerSet controllers;  // v1: mounted here; v2: listed in the parent's cgroup.controllers
  std::string name;           // "cgroup2", or the v1 options: "memory", "cpu,cpuacct"
  std::string mount_point;    // filesystem path of the mount
  std::string mount_root;     // the cgroup shown at mount_point, normally "/"
  std::string parent;         // the cgroup (hierarchy path) under which jobs are made

  // Filesystem path of the cgroup `cgroup_path` (which must lie within mount_root).
  std::string dir_of(std::string_view cgroup_path) const;
  std::string parent_dir() const { return dir_of(parent); }
  // The hierarchy path of a job named `job` below the parent.
  std::string child_path(std::string_view job) const;
};

struct LayoutOptions {
  std::string root;       // explicit parent cgroup, e.g. "/reins", in every hierarchy; empty: our own cgroups
  std::string fs_prefix;  // prepended to every mount point: tests point discovery at a fake tree
  // Ignore the cgroup2 mount and drive everything through v1 (core included), as on a pure v1 machine:
  // how the v1 paths are tested on a hybrid machine's real kernel.
  bool v1_only = false;
  // Never write cgroup.kill, as on kernels 5.3 to 5.13 that lack it: jobs are ended by freezing them and
  // SIGKILLing each member through a pidfd. How that fallback is tested on a kernel that has cgroup.kill.
  bool without_cgroup_kill = false;
};

class Layout {
 public:
  enum class Mode { v2, hybrid, v1 };

  // Reads /proc/self/mountinfo and /proc/self/cgroup. Throws reins::Error (ENOENT) when no usable cgroup
  // hierarchy is mounted, naming what was looked at.
  static Layout discover(const LayoutOptions& options = {});
  // The same from captured text. Reads v2 cgroup.controllers below fs_prefix (absent: no controllers).
  static Layout from_texts(std::string_view mountinfo, std::string_view proc_cgroup, const LayoutOptions& options);

  Mode mode() const noexcept { return mode_; }
  const std::vector<Hierarchy>& hierarchies() const noexcept { return hierarchies_; }
  // The cgroup2 hierarchy, or nullptr on v1.
  const Hierarchy* unified() const noexcept;
  // The hierarchy that does membership, kill, freeze and "empty" events: cgroup2 where mounted, else the v1
  // freezer (else cpuacct, else the first).
  const Hierarchy& core() const noexcept { return hierarchies_[core_]; }
  // Where a job gets controller c: cgroup2 if it offers c, else c's v1 hierarchy; nullptr if nowhere.
  // cpuacct and freezer are answered only on v1 (on v2 they are part of the core).
  const Hierarchy* find(Controller c) const noexcept;
  // Controllers a job always joins so that the core works: on v1 the freezer and cpuacct (where mounted).
  ControllerSet core_controllers() const noexcept;
  // Hierarchies that were mounted but could not be used, with the reason (for error messages).
  const std::vector<std::string>& skipped() const noexcept { return skipped_; }
  // One line per hierarchy: "memory v1 /sys/fs/cgroup/memory parent /process_api/x".
  std::string describe() const;
  // Whether jobs may use cgroup.kill where the kernel has it (LayoutOptions::without_cgroup_kill).
  bool uses_cgroup_kill() const noexcept { return uses_cgroup_kill_; }
  // What it was discovered with: discovering again with them finds where this process lives now.
  const LayoutOptions& options() const noexcept { return options_; }

 private:
  LayoutOptions options_;
  Mode mode_ = Mode::v2;
  bool uses_cgroup_kill_ = true;
  std::vector<Hierarchy> hierarchies_;
  size_t core_ = 0;
  std::vector<std::string> skipped_;
};

std::string_view mode_name(Layout::Mode m) noexcept;
// An explicit root (LayoutOptions::root) must be absolute and stay inside the hierarchies: no '.' or '..'
// component (a root of "/.." would reach the cgroup mount's parent directory), no control characters.
// Throws InvalidArgument quoting it.
void check_cgroup_root(std::string_view root);
// The cgroup2 path process `pid` is in now, from /proc/PID/cgroup. Throws reins::Error when it cannot be read
// or has no cgroup2 line. (Meaningful about that process only while it is known to be alive: a child.)
std::string cgroup2_path_of(pid_t pid);
// The controllers reins uses among those a v2 cgroup.controllers / cgroup.subtree_control text lists.
ControllerSet parse_v2_controllers(std::string_view text) noexcept;

}  // namespace reins::cgroup
