// A guard target made of processes found in /proc: one process, or a process and its descendants. Every
// member is held by a pidfd opened while it was verifiably a child of a member (read its parent pid, then
// confirm both still run), so a pid reused by a stranger is never adopted and never signalled.
#pragma once

#include <optional>
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
  // Holds the processes that joined since the last look: by their pids when few were handed out, else by
  // a complete scan.
  void find_new_members();
  struct Counters {
    std::optional<pid_t> last_pid;        // the last pid handed out in our pid namespace
    std::optional<std::uint64_t> forks;   // tasks created since boot
  };
  Counters read_counters();
  // Holds each of the pids first..last whose parent is a member.
  void adopt_new_pids(pid_t first, pid_t last);
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
  UniqueFd loadavg_;   // /proc/loadavg, whose last field is the last pid the kernel handed out
  UniqueFd stat_;      // /proc/stat, whose "processes" line counts the tasks created since boot
  Counters counters_;  // as read before the last look for new members
};

}  // namespace reins::procfs
