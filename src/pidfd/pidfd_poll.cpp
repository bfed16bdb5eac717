#include "pidfd/pidfd_poll.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "reins/error.hpp"

namespace reins::pidfd {

void poll_exited(std::span<const Process> processes, std::vector<pollfd>& scratch, std::vector<char>& exited) {
  scratch.clear();
  for (const auto& p : processes) scratch.push_back({p.pidfd(), POLLIN, 0});
  exited.assign(processes.size(), 0);
  if (scratch.empty()) return;
  int rc;
  do rc = ::poll(scratch.data(), scratch.size(), 0);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) throw_errno("poll", "pidfds");
  for (std::size_t i = 0; i < scratch.size(); ++i) exited[i] = scratch[i].revents != 0;
}

bool reaped(const Process& process) noexcept {
  return ::syscall(SYS_pidfd_send_signal, process.pidfd(), 0, nullptr, 0) != 0 && errno == ESRCH;
}

bool release_memory(const Process& process) noexcept {
#ifdef SYS_process_mrelease
  return ::syscall(SYS_process_mrelease, process.pidfd(), 0) == 0;
#else
  (void)process;
  return false;
#endif
}

}  // namespace reins::pidfd
