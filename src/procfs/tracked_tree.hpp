// A set of processes kept up to date from /proc: one process, or a process and its descendants. Every
// member is held by a pidfd opened while it was verifiably a child of a member (read its parent pid, then
// confirm both still run), so a pid reused by a stranger is never adopted and never signalled. What the
// memory guard watches for a process or a tree (src/watch/tree_target.hpp), but knows nothing of guards.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "reins/fd.hpp"
#include "reins/process.hpp"

namespace reins::procfs {

// A member: held by its pidfd, with its /proc/PID/statm held open for cheap re-reads (an fd opened while the
// process ran stays bound to it, and reads ESRCH once it is gone).
struct TrackedProcess {
  Process process;
  UniqueFd statm;  // empty when it could not be kept open (out of fds): read by path then

  // Holds /proc/PID/statm of `process` if it still runs once the file is open.
  static TrackedProcess hold(Process process);
};

class TrackedTree {
 public:
  // `root` must be held already (Process::open or a child). With follow_descendants, its children, their
  // children... join at each refresh(); a member that is reparented (its parent exited) stays.
  TrackedTree(Process root, bool follow_descendants);

  // "tree of make (pid 42)", "sleep (pid 7)": what the set is, for messages.
  std::string describe() const;
  pid_t root_pid() const noexcept { return root_pid_; }
  // Drops the members that exited and holds the new ones. Returns false once no process is left.
  bool refresh();
  // The processes now held, the root first while it runs.
  std::span<const TrackedProcess> members() const { return members_; }
  // Appends the fds worth waking for at once: the root's pidfd while it runs (the others are seen at the
  // next refresh).
  void append_wake_fds(std::vector<pollfd>& out) const;
  // Sends `sig` to every member through its pidfd after a complete scan for new ones; returns how many got it.
  std::size_t signal_all(int sig);
  // Stops the tree (SIGSTOP, rescanning until no new member appears), SIGKILLs every member and hands their
  // memory back early (process_mrelease). Returns how many got SIGKILL.
  std::size_t kill_all();

 private:
  void drop_exited();
  // Holds the processes that joined since the last look: by their pids when few were handed out, else by
  // a complete scan.
  void find_new_members();
  struct Counters {
    std::optional<pid_t> last_pid;       // the last pid handed out in our pid namespace
    std::optional<std::uint64_t> forks;  // tasks created since boot
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
  std::vector<TrackedProcess> members_;  // the root first, while it runs
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
