#include "cgroup/terminate.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <fmt/format.h>

#include "cgroup/mountinfo.hpp"
#include "reins/error.hpp"
#include "reins/process.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {

void wait_exits(std::vector<Process>& procs, std::chrono::steady_clock::time_point deadline) {
  std::vector<pollfd> fds;
  fds.reserve(procs.size());
  for (const auto& p : procs) fds.push_back({p.pidfd(), POLLIN, 0});
  size_t done = 0;
  while (done < fds.size()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (n < 0 && errno != EINTR) return;
    done = 0;
    for (auto& f : fds) {
      if (f.revents & (POLLIN | POLLHUP | POLLERR)) f.fd = -1;  // poll ignores negative fds from now on
      if (f.fd < 0) ++done;
    }
  }
}

std::optional<Process> hold_member(const Backend& core, pid_t pid) {
  return hold_in(core.membership_key(), core.core_dir().cgroup_path(), pid);
}

std::optional<Process> hold_in(std::string_view membership_key, const std::string& cgroup_path, pid_t pid) {
  std::optional<Process> proc = Process::try_open(pid);  // EMFILE and the like throw
  if (!proc) return std::nullopt;                        // exited already
  const std::string path = fmt::format("/proc/{}/cgroup", pid);
  auto text = sys::read_file(AT_FDCWD, path.c_str());
  if (text.error() == ENOENT || text.error() == ESRCH) return std::nullopt;  // exited and reaped meanwhile
  const std::string cgroups = std::move(text).or_throw("read", path);
  if (!path_within(membership_path(cgroups, membership_key), cgroup_path)) return std::nullopt;
  if (!proc->unreaped()) return std::nullopt;  // reaped after the read: the text may be another process'
  return proc;
}

std::size_t signal_members(const Backend& core, int sig) {
  std::size_t sent = 0;
  for (pid_t pid : core.core_dir().pids_recursive())
    if (auto proc = hold_member(core, pid); proc && proc->signal(sig)) ++sent;
  return sent;
}

void kill_members(Backend& core, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    std::vector<Process> killed;
    FreezeScope frozen(core, deadline, FreezeScope::Thaw::always);  // v1 delivers the SIGKILLs at the thaw
    for (pid_t pid : core.core_dir().pids_recursive())
      if (auto proc = hold_member(core, pid); proc && proc->signal(SIGKILL)) killed.push_back(std::move(*proc));
    frozen.thaw();
    if (killed.empty()) {
      // Nobody could be held (members exiting on their own): give them a moment, then look again.
      if (core.wait_empty(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(10)))) return;
    }
    wait_exits(killed, deadline);
    if (std::chrono::steady_clock::now() >= deadline) {
      auto left = core.core_dir().pids_recursive();
      if (left.empty()) return;
      throw Error(ETIMEDOUT, fmt::format("kill every member of {}: {} still there (first pid {})",
                                         core.core_dir().path(), left.size(), left.front()));
    }
  }
}

}  // namespace reins::cgroup
