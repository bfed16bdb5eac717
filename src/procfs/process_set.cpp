#include "procfs/process_set.hpp"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "pidfd/pidfd_poll.hpp"
#include "procfs/children.hpp"
#include "procfs/held_tree.hpp"
#include "procfs/proc_read.hpp"

namespace reins::procfs {
namespace {

// Forks racing the SIGKILL sweep are caught by stopping first; a tree that keeps growing while being stopped
// (a fork bomb) gets this many rounds before it is killed as far as it is known.
constexpr int kMaxStopRounds = 64;

std::string read_comm(pid_t pid) {
  std::vector<char> buffer;
  char path[64];
  std::size_t length = 0;
  if (read_whole_at(AT_FDCWD, proc_path(path, pid, "comm"), buffer, length) != 0) return {};
  std::string comm(buffer.data(), length);
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

}  // namespace

ProcessSet::ProcessSet(Process root, bool follow_descendants)
    : root_pid_(root.pid()), comm_(read_comm(root.pid())), follow_(follow_descendants) {
  if (pidfd::reaped(root)) comm_.clear();  // read from whatever had the pid by then
  pids_.insert(root_pid_);
  members_.push_back(std::move(root));
}

std::string ProcessSet::default_name() const {
  std::string who = comm_.empty() ? fmt::format("pid {}", root_pid_) : fmt::format("{} (pid {})", comm_, root_pid_);
  return follow_ ? "tree of " + who : who;
}

bool ProcessSet::refresh() {
  drop_exited();
  if (follow_ && !members_.empty()) adopt_children();
  return !members_.empty();
}

void ProcessSet::drop_exited() {
  pidfd::poll_exited(members_, polls_, exited_);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (exited_[i]) {
      pids_.erase(members_[i].pid());
      continue;
    }
    if (kept != i) members_[kept] = std::move(members_[i]);
    ++kept;
  }
  members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(kept), members_.end());
}

void ProcessSet::list_candidates(std::size_t first, std::size_t last,
                                 std::vector<std::pair<std::size_t, pid_t>>& out) {
  std::unordered_map<pid_t, std::vector<pid_t>> scanned;
  if (!children_files_exist()) scanned = children_by_parent();
  for (std::size_t i = first; i < last; ++i) {
    children_.clear();
    if (children_files_exist()) append_children(members_[i].pid(), buffer_, children_);
    else if (auto it = scanned.find(members_[i].pid()); it != scanned.end()) children_ = it->second;
    for (pid_t child : children_)
      if (!pids_.contains(child)) out.emplace_back(i, child);
  }
}

std::size_t ProcessSet::adopt_children() {
  std::size_t added = 0;
  std::vector<std::pair<std::size_t, pid_t>> candidates;
  // Level by level: the members that joined in one round are searched for children in the next.
  for (std::size_t first = 0; first < members_.size();) {
    std::size_t last = members_.size();
    candidates.clear();
    list_candidates(first, last, candidates);
    if (candidates.empty()) break;
    for (auto [parent, pid] : candidates) {
      if (pids_.contains(pid)) continue;  // listed twice while the tree changed
      auto child = open_child(pid, members_[parent].pid(), &members_[parent]);
      if (!child) continue;
      pids_.insert(pid);
      members_.push_back(std::move(*child));
      ++added;
    }
    first = last;
  }
  return added;
}

void ProcessSet::wake_fds(std::vector<pollfd>& out) const {
  // Only the root's exit is worth an immediate look; the others are seen at the next tick.
  if (!members_.empty() && members_.front().pid() == root_pid_) out.push_back({members_.front().pidfd(), POLLIN, 0});
}

std::size_t ProcessSet::send(int sig) {
  std::size_t sent = 0;
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {  // descendants before their parents
    try {
      if (it->signal(sig)) ++sent;
    } catch (const Error&) {
      // EPERM: not ours to signal. The breach reports how many got the signal.
    }
  }
  return sent;
}

std::size_t ProcessSet::signal_all(int sig) {
  refresh();
  return send(sig);
}

std::size_t ProcessSet::kill_all() {
  if (follow_) {
    // A process stopped cannot fork: once a round finds no new member, the tree is complete.
    for (int round = 0; round < kMaxStopRounds; ++round) {
      drop_exited();
      std::size_t added = members_.empty() ? 0 : adopt_children();
      if (round > 0 && added == 0) break;
      send(SIGSTOP);
    }
  } else {
    drop_exited();
  }
  std::size_t killed = send(SIGKILL);
  for (const auto& member : members_) pidfd::release_memory(member);
  return killed;
}

}  // namespace reins::procfs
