// Parsers for the two files that say where cgroups are: /proc/self/mountinfo (which hierarchies are mounted
// where, with which controllers) and /proc/self/cgroup (which cgroup we are in, per hierarchy). Pure
// functions over text, so they are unit-tested on captured files and fuzzed; malformed lines are skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cgroup/types.hpp"

namespace reins::cgroup {

struct CgroupMount {
  Version version = Version::v2;
  std::string root;                  // field 4: the cgroup the mount shows at its top ("/" normally)
  std::string mount_point;           // field 5, with mountinfo's octal escapes (\040 ...) decoded
  std::vector<std::string> options;  // super options: v1 controllers and "name=...", plus rw etc.
};

// Every cgroup and cgroup2 mount, in file order (a later mount on the same point hides an earlier one).
std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

struct CgroupMembership {
  unsigned hierarchy_id = 0;             // 0 is the v2 hierarchy
  std::vector<std::string> controllers;  // "memory", "cpu", "cpuacct", "name=systemd"; empty for v2
  std::string path;                      // "/process_api/ff24..." (may contain ':')
};

// "4:memory:/process_api/x", "2:cpu,cpuacct:/", "0::/".
std::vector<CgroupMembership> parse_proc_cgroup(std::string_view text);

// "N:ctrls:path" line lookup without allocating: the path of the v2 entry (ctrl_name empty) or of the v1
// entry listing ctrl_name. Used to check a process' membership from /proc/<pid>/cgroup.
std::string_view membership_path(std::string_view proc_cgroup, std::string_view ctrl_name) noexcept;

// Whether `path` is `ancestor` or lies below it ("/a/b" is within "/a", "/ab" is not).
bool path_within(std::string_view path, std::string_view ancestor) noexcept;

}  // namespace reins::cgroup
