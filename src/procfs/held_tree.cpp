// Descendants held by pidfds: "read, verify, act". A pid read from procfs is opened as a pidfd, then its
// parent is read again and both pidfds are checked to be unreaped, so the pid still named that process.
#include "procfs/held_tree.hpp"

#include <unistd.h>

namespace reins::procfs {

std::optional<Process> open_child(pid_t pid, pid_t parent_pid, const Process* parent) {
  auto proc = Process::try_open(pid);
  if (!proc || parent_of(pid) != parent_pid || !proc->unreaped()) return std::nullopt;
  if (parent && !parent->unreaped()) return std::nullopt;
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
    if (p.signal_errno(sig) == 0) ++sent;
  return sent;
}

}  // namespace reins::procfs
