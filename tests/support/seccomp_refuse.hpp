// Makes chosen system calls fail, in this process and everything it starts from then on, as a container
// engine's seccomp profile does (Docker's default answers clone3 with ENOSYS). Tests use it to run reins'
// fallback paths on purpose, on a kernel that has every feature (crun's no_openat2 lane is the model).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reins::test {

struct Refusal {
  std::string call;  // "clone3", "pidfd_open", "close_range", ..., or "clone_pidfd": clone(2) with CLONE_PIDFD
  int err = 0;       // the errno the call gets
};

// "clone3:ENOSYS,clone_pidfd:EINVAL". Throws std::invalid_argument for an unknown call or errno name.
std::vector<Refusal> parse_refusals(std::string_view text);

// Installs a seccomp filter (after PR_SET_NO_NEW_PRIVS) that answers each refused call with its errno and
// allows everything else. For good: a filter cannot be removed. Throws std::runtime_error if the kernel
// refuses the filter.
void refuse_syscalls(const std::vector<Refusal>& refusals);

// The forced-fallback lane: REINS_TEST_REFUSE (the parse_refusals form) in the environment installs the
// filter when a test program starts; the refusals in force, empty when none.
const std::vector<Refusal>& refusals_in_force();

}  // namespace reins::test
