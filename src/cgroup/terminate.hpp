// Signalling a job's members one by one, safely: each pid is first held by a pidfd, then its membership is
// re-read from /proc/<pid>/cgroup, then the pidfd is checked to still be alive (so the read was about the
// process we hold and not one that reused the pid), and only then is the signal sent through the pidfd.
#pragma once

#include <chrono>

#include "cgroup/backend.hpp"

namespace reins::cgroup {

// Sends `sig` to every current member of the core's cgroup (and the cgroups below it). Returns how many
// received it.
std::size_t signal_members(const Backend& core, int sig);

// Kills every member without cgroup.kill: freeze, SIGKILL each member, thaw (v1 holds a frozen task's
// SIGKILL until thaw), wait for those to exit, and repeat until a pass finds nobody. Throws reins::Error
// (ETIMEDOUT) listing who is left at the deadline.
void kill_members(Backend& core, std::chrono::steady_clock::time_point deadline);

}  // namespace reins::cgroup
