// A reins-testproc child started inside a job, with its stdout on a pipe, waited on until it prints "ready".
#pragma once

#include <string>
#include <vector>

#include "reins/job.hpp"
#include "support/support.hpp"

namespace reins::test {

// (Not support/ready_child.hpp's ReadyChild: one name, one class, in a binary that links both.)
struct JobChild {
  Process process;
  UniqueFd out;        // the rest of its stdout
  std::string before;  // what it printed before "ready"
};

// Spawns `reins-testproc ARGS...` in `job` and reads its stdout until the "ready" line (or EOF).
JobChild spawn_ready(Job& job, const std::vector<std::string>& args);
// Whether pid is in the cgroup whose hierarchy path is `cgroup_path`, in the hierarchy /proc/<pid>/cgroup
// lists with `key` ("" for v2).
std::string proc_cgroup_line(pid_t pid);

}  // namespace reins::test
