// Setting and reading a job's limits through the knob table, on whichever backend holds each controller.
#pragma once

#include <string>
#include <vector>

#include "cgroup/job_cgroups.hpp"
#include "reins/job_types.hpp"

namespace reins::cgroup {

// The controllers the limits set need.
ControllerSet controllers_for(const JobLimits& limits);
// The limits the layout can hold. Without best_effort a limit it cannot hold throws reins::Error naming the
// limit and the controller; with it, the limit is dropped and described in `skipped`.
JobLimits supported_limits(const Layout& layout, const JobLimits& limits, bool best_effort,
                           std::vector<SkippedLimit>& skipped);
// Writes the limits (their controllers must be joined). A write the kernel refuses with EINVAL or EBUSY is
// retried once after the others: v1 checks pairs of files (memsw ≥ memory, cfs quota vs period) against the
// values in force. `fresh`: the cgroups were just made, so no limit is in force to be read first. Throws
// reins::Error naming the limit, the value and the file.
void apply_limits(const JobCgroups& job, const JobLimits& limits, bool best_effort, std::vector<SkippedLimit>& skipped,
                  bool fresh = false);
JobLimits read_limits(const JobCgroups& job);

}  // namespace reins::cgroup
