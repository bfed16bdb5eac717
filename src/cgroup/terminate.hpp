// Signalling a job's members one by one, safely: each pid is first held by a pidfd, then its membership is
// re-read from /proc/<pid>/cgroup, then the pidfd is checked to still be alive (so the read was about the
// process we hold and not one that reused the pid), and only then is the signal sent through the pidfd.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "cgroup/backend.hpp"
#include "reins/process.hpp"

namespace reins::cgroup {

// `pid` held by a pidfd if it is a member of the cgroup `cgroup_path` (or one below it) of the hierarchy that
// /proc/PID/cgroup names by `membership_key` ("" for cgroup2, "memory" for v1) now; nullopt if it is gone or
// elsewhere.
std::optional<Process> hold_in(std::string_view membership_key, const std::string& cgroup_path, pid_t pid);
// Waits until every held process has exited or the deadline passes.
void wait_exits(std::vector<Process>& procs, std::chrono::steady_clock::time_point deadline);
// The same for the core's cgroup.
std::optional<Process> hold_member(const Backend& core, pid_t pid);

// Sends `sig` to every current member of the core's cgroup (and the cgroups below it). Returns how many
// received it.
std::size_t signal_members(const Backend& core, int sig);

// Kills every member without cgroup.kill: freeze, SIGKILL each member, thaw (v1 holds a frozen task's
// SIGKILL until thaw), wait for those to exit, and repeat until a pass finds nobody. Throws reins::Error
// (ETIMEDOUT) listing who is left at the deadline.
void kill_members(Backend& core, std::chrono::steady_clock::time_point deadline);

}  // namespace reins::cgroup
