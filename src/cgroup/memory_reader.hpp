// Reading a cgroup's memory files, and finding this process's own memory cgroup. Deliberately self-contained
// (the general cgroup layout discovery lives elsewhere under src/cgroup/): the public functions are declared
// in reins/memory.hpp; these are the pieces the tests check on their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cgroup/memory_parse.hpp"

namespace reins::cgroup {

// mountinfo writes ' ', '\t', '\n' and '\\' in paths as octal escapes ("\040"); this undoes them.
std::string unescape_mount_path(std::string_view escaped);

// The directory of the cgroup `path` (as /proc/self/cgroup names it) under `mount`. A mount of a subtree
// (root "/a") shows "/a/b" at mount_point + "/b"; a path outside the mount's root is taken as relative to it.
std::string cgroup_dir(const CgroupMount& mount, std::string_view path);

// own_memory_cgroup_dir() from the given texts of /proc/self/cgroup and /proc/self/mountinfo, and whether
// the memory controller is on the cgroup2 hierarchy (its root's cgroup.controllers lists "memory").
std::optional<std::string> memory_cgroup_dir(std::string_view proc_cgroup, std::string_view mountinfo,
                                             bool memory_on_v2);

}  // namespace reins::cgroup
