// The arguments that process.cpp, job.cpp and run.cpp all take: spawn keywords, rlimits, job limits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "reins/job_types.hpp"
#include "reins/process.hpp"

namespace reins::python {

// The reins::Resource of an RLIMIT_* number, nullopt for one Linux does not have (resource.cpp's table).
std::optional<Resource> resource_of_native(int native) noexcept;

// {"nofile": 1024, "as": "1G", "cpu": (10, None)}: resource names (or RLIMIT_* numbers) to limits.
std::vector<RlimitSetting> rlimit_settings(py::handle rlimits);
// The keywords command_arg takes (process.cpp) and limits_arg takes (job.cpp): run() hands each its own, and
// the error for an unknown one lists them from here.
extern const std::vector<std::string_view> kSpawnKeywords;
extern const std::vector<std::string_view> kLimitKeywords;
bool among(std::string_view key, const std::vector<std::string_view>& keywords);
std::string keyword_list(const std::vector<std::string_view>& keywords);  // "env, cwd, stdin"

// Job limits from keywords (kLimitKeywords): bytes or "512M", "max" for explicitly none. TypeError for another.
JobLimits limits_arg(const py::dict& kw);

// A Command from argv and the spawn keywords (env, cwd, stdin/stdout/stderr fds, pass_fds, rlimits, ...);
// None leaves a keyword at its default. TypeError names the valid keywords.
Command command_arg(const std::vector<std::string>& argv, const py::kwargs& kw);

}  // namespace reins::python
