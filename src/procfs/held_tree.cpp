// Descendants held by pidfds: "read, verify, act". A pid read from procfs is opened as a pidfd, then its
// parent is read again and both pidfds are checked to be unreaped, so the pid still named that process.
#include "procfs/held_tree.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace reins::procfs {
namespace {

// Whether the process a pidfd holds has not been reaped yet (signal 0 reaches zombies; EPERM means it exists).
bool unreaped(const Process& p) noexcept {
  return ::syscall(SYS_pidfd_send_signal, p.pidfd(), 0, nullptr, 0) == 0 || errno == EPERM;
}

std::optional<Process> open_unchecked(pid_t pid) {
  try {
    return Process::open(pid);
  } catch (const Error& e) {
    if (e.errno_value() == ESRCH) return std::nullopt;
    throw;
  }
}

}  // namespace

std::optional<Process> open_child(pid_t pid, pid_t parent_pid, const Process* parent) {
  auto proc = open_unchecked(pid);
  if (!proc || parent_of(pid) != parent_pid || !unreaped(*proc)) return std::nullopt;
  if (parent && !unreaped(*parent)) return std::nullopt;
  return proc;
}

std::vector<Process> open_descendants() {
  std::vector<Process> found;
  // Each entry: a pid to look at and the index in `found` of its parent (kSelf: the calling process).
  constexpr size_t kSelf = static_cast<size_t>(-1);
  std::vector<std::pair<pid_t, size_t>> pending;
  const pid_t self = ::getpid();
  for (pid_t c : children_of(self)) pending.emplace_back(c, kSelf);
  while (!pending.empty()) {
    auto [pid, parent_index] = pending.back();
    pending.pop_back();
    const Process* parent = parent_index == kSelf ? nullptr : &found[parent_index];
    auto proc = open_child(pid, parent ? parent->pid() : self, parent);
    if (!proc) continue;
    found.push_back(std::move(*proc));
    size_t index = found.size() - 1;
    for (pid_t c : children_of(pid)) pending.emplace_back(c, index);
  }
  return found;
}

std::size_t signal_each(const std::vector<Process>& processes, int sig) noexcept {
  std::size_t sent = 0;
  for (const auto& p : processes)
    if (::syscall(SYS_pidfd_send_signal, p.pidfd(), sig, nullptr, 0) == 0) ++sent;
  return sent;
}

}  // namespace reins::procfs
