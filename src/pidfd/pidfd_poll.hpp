// Which of many held processes have exited, with one poll(2) over their pidfds.
#pragma once

#include <poll.h>

#include <vector>

#include "reins/process.hpp"

namespace reins::pidfd {

// Polls `fds` (POLLIN, no wait) and sets ready[i] to whether fds[i] reported anything. Throws reins::Error.
void poll_now(std::vector<pollfd>& fds, std::vector<char>& ready);

// Sets exited[i] to whether the process whose pidfd is pidfd_of(items[i]) has exited (its pidfd is
// readable: a zombie counts). `scratch` keeps its capacity between calls.
template <typename Items, typename PidfdOf>
void poll_exited(const Items& items, PidfdOf pidfd_of, std::vector<pollfd>& scratch, std::vector<char>& exited) {
  scratch.clear();
  for (const auto& item : items) scratch.push_back({pidfd_of(item), POLLIN, 0});
  poll_now(scratch, exited);
}

// process_mrelease(2): after SIGKILL, frees the process's memory now instead of when its last thread has
// exited. Best effort: false when the kernel lacks it or the process has no memory left to release.
bool release_memory(const Process& process) noexcept;

}  // namespace reins::pidfd
