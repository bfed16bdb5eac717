// The job part of running a command, shared by `reins run` (core/run.cpp) and `reins init` (core/init.cpp):
// making the command's job, and at the end killing what it left behind, reporting the job's figures and
// removing it (or keeping it when asked).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reins/job.hpp"
#include "reins/run.hpp"

namespace reins::supervise {

// A fresh job for the command (or the existing one named), or nullopt with the reason in `report` and `notes`
// when none can be made and no option needs one. Throws reins::Error when an option needs a job that cannot
// be made, naming those options.
std::optional<Job> make_run_job(const RunJobOptions& options, RunJobReport& report, std::vector<std::string>& notes);

// The warnings for enclosing limits below the job's own (RunJobReport::enclosing_limits, which this fills when
// statistics are gathered or a memory or pids limit is asked for):
// "the enclosing cgroup /slurm/.../step_0 allows 50.0 MiB (MemoryMax), below the 100 MiB asked for".
std::vector<std::string> enclosing_warnings(const Job& job, const RunJobOptions& options, RunJobReport& report);

// After the command has exited: kills what it left behind in the job (unless the job is kept), records the
// job's figures in `report` (and killed_by "oom" when the OOM killer ended it), then removes or releases it.
void finish_run_job(Job& job, const RunJobOptions& options, RunReport& report);

}  // namespace reins::supervise
