// The limits set above a job: by the cgroup reins was started in (a container's, a Slurm task's, a systemd
// unit's) or any cgroup above it that the mount shows. A job's own limit cannot raise them: `-m 100M` under a
// Slurm step with --mem=50M gets 50 MiB, and its OOM is the step's, so reins says so before and after.
#pragma once

#include <vector>

#include "cgroup/layout.hpp"
#include "reins/job_types.hpp"

namespace reins::cgroup {

// For MemoryMax and TasksMax: the lowest limit set on a jobs' parent cgroup in `layout` or an ancestor of it
// within the mount (the mount's root included: a container's own cgroup is its namespace's root). Limits
// that cannot be read are left out; a hierarchy without the controller gives none.
std::vector<EnclosingLimit> enclosing_limits(const Layout& layout);

// The OOM kills counted in the jobs' parent cgroup of the memory hierarchy (v2 memory.events oom_kill,
// hierarchical; v1 memory.oom_control oom_kill, its own members only), or nullopt.
std::optional<std::uint64_t> parent_oom_kills(const Layout& layout);

}  // namespace reins::cgroup
