// Statistics read the same way on v1 and v2: the pids controller's files have the same names and syntax in
// both, and memory.stat is "key value" lines in both (with different keys).
#pragma once

#include <string_view>

#include "cgroup/dir.hpp"
#include "reins/job_types.hpp"

namespace reins::cgroup {

JobPidsStats read_pids(const CgroupDir& dir);
// Keeps every "key value" line of memory.stat in out.stat.
void keep_memory_stat(std::string_view text, JobMemoryStats& out);

}  // namespace reins::cgroup
