#include "pidfd/pidfd_poll.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "reins/error.hpp"

namespace reins::pidfd {

void poll_now(std::vector<pollfd>& fds, std::vector<char>& ready) {
  ready.assign(fds.size(), 0);
  if (fds.empty()) return;
  int rc;
  do rc = ::poll(fds.data(), fds.size(), 0);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) throw_errno("poll", "pidfds");
  for (std::size_t i = 0; i < fds.size(); ++i) ready[i] = fds[i].revents != 0;
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
