// Making controllers available to a job on cgroup2: they must be enabled in the parent's
// cgroup.subtree_control, which the kernel refuses (EBUSY) while the parent itself holds processes ("no
// internal processes", Documentation/admin-guide/cgroup-v2.rst). When the process in the way is reins
// itself, it moves into a leaf of its own, "reins-supervisor", as nsjail and isolate do. Controllers are
// enabled only in the job's parent, never higher: reins writes nothing above the cgroup it was given.
#pragma once

#include "cgroup/layout.hpp"

namespace reins::cgroup {

inline constexpr const char* kSupervisorLeaf = "reins-supervisor";

// Enables `wanted` in the subtree_control of h's parent; returns the controllers enabled there afterwards.
// Throws reins::Error naming the file, the controllers and why (not delegated, other processes present).
ControllerSet enable_v2_controllers(const Hierarchy& h, ControllerSet wanted);
// The controllers enabled in the subtree_control of h's parent now (none if it cannot be read).
ControllerSet enabled_v2_controllers(const Hierarchy& h) noexcept;

}  // namespace reins::cgroup
