// The Command and rlimit arguments that process.cpp, job.cpp and run.cpp all take.
#pragma once

#include <string>
#include <vector>

#include "common.hpp"
#include "reins/process.hpp"

namespace reins::python {

// {"nofile": 1024, "as": "1G", "cpu": (10, None)}: resource names (or RLIMIT_* numbers) to limits.
std::vector<RlimitSetting> rlimit_settings(py::handle rlimits);
// A Command from argv and the spawn keywords (env, cwd, stdin/stdout/stderr fds, pass_fds, rlimits, ...);
// None leaves a keyword at its default. TypeError names the valid keywords.
Command command_arg(const std::vector<std::string>& argv, const py::kwargs& kw);

}  // namespace reins::python
