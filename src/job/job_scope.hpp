// When and how Job::create asks systemd for a delegated scope (src/systemd) instead of failing: once per
// process, which then lives in that scope; every later layout of the process is discovered from there.
#pragma once

#include <string>

#include "cgroup/layout.hpp"
#include "reins/job.hpp"

namespace reins::job {

// The unit this process moved into, or "" if it has not.
std::string process_scope();

// Whether a scope may be asked for a job in `layout`: the policy allows it, the layout is this process's own
// pure v2 one (no explicit root, no test tree), the build has sd-bus and a manager runs.
bool scope_may_help(const cgroup::Layout& layout, SystemdScope policy);

// Moves this process into a delegated scope of its own unless it already did, and returns the layout
// discovered from there. Throws reins::Error (naming what systemd answered) prefixed with `why`, the reason a
// scope was needed.
cgroup::Layout enter_scope(const cgroup::Layout& layout, const std::string& why);

// `layout`, or, if this process has moved into a scope since it was discovered, the layout discovered anew
// with the same options.
cgroup::Layout current_layout(const cgroup::Layout& layout);

}  // namespace reins::job
