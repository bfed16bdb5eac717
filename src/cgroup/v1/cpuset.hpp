#pragma once

#include "cgroup/dir.hpp"

namespace reins::cgroup {

// A new v1 cpuset cgroup starts with empty cpus and mems, and joining it fails with ENOSPC. Copies the
// nearest non-empty ancestor's effective sets into it (crun does the same walk). `parent_dir` is the
// filesystem path of its parent; `stop_at` the hierarchy's mount point.
void init_v1_cpuset(const CgroupDir& dir, const std::string& parent_dir, const std::string& stop_at);

}  // namespace reins::cgroup
