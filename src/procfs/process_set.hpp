// A guard target made of processes found in /proc: one process, or a process and its descendants. Every
// member is held by a pidfd opened while it was verifiably a child of a member (read its parent pid, then
// confirm both still run), so a pid reused by a stranger is never adopted and never signalled.
#pragma once

#include <chrono>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/guard_target.hpp"

namespace reins::procfs {

class ProcessSet final : public GuardTarget::Impl {
 public:
  // `root` must be held already (Process::open or a child). With follow_descendants, its children, their
  // children... join at each refresh(); a member that is reparented (its parent exited) stays.
  ProcessSet(Process root, bool follow_descendants);

  std::string default_name() const override;
  pid_t root_pid() const noexcept override { return root_pid_; }
  bool refresh() override;
  std::span<const guard::Member> members() const override { return members_; }
  void wake_fds(std::vector<pollfd>& out) const override;
  bool on_wake(int) override { return true; }
  std::size_t signal_all(int sig) override;
  std::size_t kill_all() override;

 private:
  void drop_exited();
  // Whether a process may have been created since the last complete scan (see refresh()).
  bool may_have_new_members();
  // Holds the verified children of every member not yet held; returns how many joined.
  std::size_t adopt_children();
  // Lists the children of members_[first, last) that are not members yet, as (parent index, pid).
  void list_candidates(std::size_t first, std::size_t last, std::vector<std::pair<std::size_t, pid_t>>& out);
  std::size_t send(int sig);

  pid_t root_pid_;
  std::string comm_;
  bool follow_;
  std::vector<guard::Member> members_;  // the root first, while it runs
  std::unordered_set<pid_t> pids_;
  std::vector<char> buffer_;
  std::vector<pid_t> children_;
  std::vector<pollfd> polls_;
  std::vector<char> exited_;
  UniqueFd loadavg_;           // /proc/loadavg, whose last field is the last pid the kernel handed out
  std::string last_pid_;       // as read before the last complete scan
  std::chrono::steady_clock::time_point last_scan_{};
};

}  // namespace reins::procfs
