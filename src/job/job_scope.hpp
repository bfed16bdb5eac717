// When and how Job::create asks systemd for a delegated scope (src/systemd) instead of failing: once per
// process, which then lives in that scope; every later layout of the process is discovered from there.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cgroup/layout.hpp"
#include "reins/job.hpp"
#include "reins/process.hpp"

namespace reins::job {

// The unit this process moved into, or "" if it has not.
std::string process_scope();

// Whether a scope may be asked for a job in `layout`: the policy allows it, the layout is this process's own
// pure v2 one (no explicit root, no test tree), the build has sd-bus and a manager runs.
bool scope_may_help(const cgroup::Layout& layout, SystemdScope policy);

// The controllers a scope for a job with `options` delegates: what its limits and statistics use, and memory
// and pids always (systemd accounts for both by default, so delegating them costs nothing).
cgroup::ControllerSet delegated_for(const JobOptions& options);

// The limits of `options` that `layout` supports (cgroup::supported_limits). A controller missing from a scope
// the user's manager made is not fixed by another scope: the error then says what is (an administrator
// delegating more to user@.service).
JobLimits limits_in_scope(const cgroup::Layout& layout, const JobOptions& options, std::vector<SkippedLimit>& skipped);

// Moves this process into a scope of its own with `controllers` delegated unless it already did, and returns
// the layout discovered from there. Throws reins::Error (naming what systemd answered) prefixed with `why`,
// the reason a scope was needed.
cgroup::Layout enter_scope(const cgroup::Layout& layout, cgroup::ControllerSet controllers, const std::string& why);

// `layout`, or, if this process has moved into a scope since it was discovered, the layout discovered anew
// with the same options.
cgroup::Layout current_layout(const cgroup::Layout& layout);

// Named jobs that must outlive this process (JobOptions::outlive_process, `reins job create`) cannot live in
// our scope, which ends with us. On a systemd host each gets a scope of its own, "reins-job-NAME.scope",
// kept alive by a keeper process (`sleep infinity`, in its leaf "reins-keeper") until the job is removed; the
// job is the scope's child NAME. Scopes go where the manager puts transient units: system.slice for root,
// user@UID.service/app.slice for a user.
inline constexpr const char* kKeeperLeaf = "reins-keeper";

// Whether named scopes are looked for and made for `layout` (as scope_may_help, with the default policy).
bool named_scopes_apply(const cgroup::Layout& layout);

// Starts the scope of job `name` and returns the layout whose root is its cgroup (where the job is then made).
// Its keeper is detached once `keep` is called on the returned handle; until then a failure ends it.
struct NamedScope {
  cgroup::Layout layout;
  std::string unit;
  std::string dir;  // the scope's cgroup directory
  Process keeper;
};
NamedScope start_named_scope(const cgroup::Layout& own, const std::string& name, cgroup::ControllerSet controllers);

// The layout of job `name`'s scope if it exists (with its directory), else nullopt.
std::optional<std::pair<cgroup::Layout, std::string>> find_named_scope(const cgroup::Layout& own,
                                                                       const std::string& name);

// The names of the jobs in named scopes.
std::vector<std::string> named_scope_jobs(const cgroup::Layout& own);

// Ends the keeper of a named scope (SIGKILL through cgroup.kill, or its pidfd): systemd then removes the scope.
void end_named_scope(const std::string& scope_dir) noexcept;

}  // namespace reins::job
