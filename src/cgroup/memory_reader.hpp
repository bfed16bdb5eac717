// Reading a cgroup's memory files. The public functions are declared in reins/memory.hpp; where this
// process's own memory cgroup is comes from the one layout discovery (cgroup/layout.hpp).
#pragma once

#include <optional>
#include <string>

#include "cgroup/layout.hpp"
#include "cgroup/memory_parse.hpp"

namespace reins::cgroup {

// The directory of our own cgroup in the hierarchy that holds the memory controller, per `layout`.
std::optional<std::string> own_memory_dir(const Layout& layout);

// memory_headroom(cgroup, system) with /proc/meminfo read now (the cgroup alone where it cannot be read).
MaybeBytes headroom_now(const CgroupMemory* cgroup);

}  // namespace reins::cgroup
