// Which of many held processes have exited, with one poll(2) over their pidfds.
#pragma once

#include <poll.h>

#include <span>
#include <vector>

#include "reins/process.hpp"

namespace reins::pidfd {

// Sets exited[i] to whether processes[i] has exited (its pidfd is readable: a zombie counts). `exited` is
// resized to match; `scratch` keeps its capacity between calls. Throws reins::Error if poll fails.
void poll_exited(std::span<const Process> processes, std::vector<pollfd>& scratch, std::vector<char>& exited);

// pidfd_send_signal(pidfd, 0) found no such process: it has been reaped (a zombie still "receives" it).
bool reaped(const Process& process) noexcept;

// process_mrelease(2): after SIGKILL, frees the process's memory now instead of when its last thread has
// exited. Best effort: false when the kernel lacks it or the process has no memory left to release.
bool release_memory(const Process& process) noexcept;

}  // namespace reins::pidfd
