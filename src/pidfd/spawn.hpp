// The one place children are created: clone3(CLONE_PIDFD [| CLONE_INTO_CGROUP]), then a child-side setup
// that allocates nothing and only makes system calls, then execve. Failures travel back over a close-on-exec
// pipe as {stage, errno}.
#pragma once

#include <string_view>
#include <vector>

#include "reins/process.hpp"

namespace reins::pidfd {

// Where the child must be before it runs any of the command's code.
struct Placement {
  int cgroup2_dirfd = -1;           // clone3 CLONE_INTO_CGROUP target (a cgroup2 directory fd), or -1
  std::vector<int> join_procs_fds;  // open cgroup.procs files (v1 or v2) the child writes "0" to before exec
};

struct SpawnOutcome {
  Process process;  // valid unless killed_at_birth
  // The child was killed by SIGKILL before it ran a single step. Seen with CLONE_INTO_CGROUP into a cgroup
  // whose cgroup.kill was used (a kernel bug, see docs/design.md); the caller retries another way.
  bool killed_at_birth = false;
  // The errno with which clone3 refused CLONE_INTO_CGROUP (EOPNOTSUPP, EBUSY, EINVAL, ENOSYS, EPERM...);
  // no child exists then and the caller retries by joining before exec (Placement::join_procs_fds).
  int into_cgroup_refused = 0;
};

// How children are made in this process (see spawn.cpp): the first path the kernel and any seccomp filter
// allow, found by the first spawns and then kept.
enum class SpawnPath { clone3, clone_pidfd, clone_then_pidfd_open };
SpawnPath spawn_path() noexcept;
std::string_view spawn_path_name(SpawnPath path) noexcept;

// Throws SpawnError / InvalidArgument / reins::Error as Process::spawn documents.
SpawnOutcome spawn(const Command& cmd, const Placement& placement);

// The child's steps and execve, in this process (see Process::exec_in_place).
[[noreturn]] void exec_in_place(const Command& cmd);

}  // namespace reins::pidfd
