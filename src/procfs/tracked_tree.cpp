#include "procfs/tracked_tree.hpp"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "pidfd/pidfd_poll.hpp"
#include "procfs/children.hpp"
#include "procfs/held_tree.hpp"
#include "procfs/proc_read.hpp"
#include "procfs/tree_parse.hpp"
#include "sys/fields.hpp"

namespace reins::procfs {
namespace {

// Forks racing the SIGKILL sweep are caught by stopping first; a tree that keeps growing while being stopped
// (a fork bomb) gets this many rounds before it is killed as far as it is known.
constexpr int kMaxStopRounds = 64;

std::string read_comm(pid_t pid) {
  std::vector<char> buffer;
  char path[64];
  auto length = read_whole_at(AT_FDCWD, proc_path(path, pid, "comm"), buffer);
  if (!length.ok()) return {};
  std::string comm(buffer.data(), *length);
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

int pidfd_of(const TrackedProcess& m) { return m.process.pidfd(); }

// The last field of /proc/loadavg ("0.00 0.01 0.05 1/123 4567"): the last pid handed out.
std::string_view last_field(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  auto space = text.rfind(' ');
  return space == std::string_view::npos ? text : text.substr(space + 1);
}

}  // namespace

TrackedProcess TrackedProcess::hold(Process process) {
  char path[64];
  UniqueFd statm(::open(proc_path(path, process.pid(), "statm"), O_RDONLY | O_CLOEXEC));
  TrackedProcess m{std::move(process), std::move(statm)};
  if (m.statm && !m.process.unreaped()) m.statm.reset();  // opened by number: keep it only if still ours
  return m;
}

TrackedTree::TrackedTree(Process root, bool follow_descendants)
    : root_pid_(root.pid()), comm_(read_comm(root.pid())), follow_(follow_descendants) {
  if (!root.unreaped()) comm_.clear();  // read from whatever had the pid by then
  pids_.insert(root_pid_);
  members_.push_back(TrackedProcess::hold(std::move(root)));
  loadavg_.reset(::open("/proc/loadavg", O_RDONLY | O_CLOEXEC));
  stat_.reset(::open("/proc/stat", O_RDONLY | O_CLOEXEC));
}

std::string TrackedTree::describe() const {
  std::string who = comm_.empty() ? fmt::format("pid {}", root_pid_) : fmt::format("{} (pid {})", comm_, root_pid_);
  return follow_ ? "tree of " + who : who;
}

bool TrackedTree::refresh() {
  drop_exited();
  if (follow_ && !members_.empty()) find_new_members();
  return !members_.empty();
}

TrackedTree::Counters TrackedTree::read_counters() {
  Counters c;
  if (loadavg_)
    if (auto length = pread_whole(loadavg_.get(), buffer_); length.ok())
      c.last_pid = parse_pid(last_field(std::string_view(buffer_.data(), *length)));
  if (stat_)
    if (auto length = pread_whole(stat_.get(), buffer_); length.ok())
      c.forks = sys::field_u64(std::string_view(buffer_.data(), *length), "processes");
  return c;
}

void TrackedTree::find_new_members() {
  // A child appears only by fork or clone, which hands out the next pid: the last pid handed out (the last
  // field of /proc/loadavg, counted for our pid namespace, which sees every pid of those below it) tells
  // which pids are new since the last look, and the tasks created since boot ("processes" in /proc/stat,
  // every namespace, never wrapping) bound how many: fewer than the pids there are, so the pid counter cannot
  // have gone all the way round. No new task: nobody can have joined. A few: looking at each new pid's
  // parent costs less than listing every member's children. Many, or the pid counter wrapped: a complete scan.
  const Counters now = read_counters();
  const Counters previous = std::exchange(counters_, now);
  if (now.last_pid && now.forks && previous.last_pid && previous.forks && *now.forks >= *previous.forks) {
    const std::uint64_t created = *now.forks - *previous.forks;
    if (created == 0) return;
    if (created <= members_.size() && *now.last_pid >= *previous.last_pid) {
      adopt_new_pids(*previous.last_pid + 1, *now.last_pid);
      return;
    }
  }
  adopt_children();
}

void TrackedTree::adopt_new_pids(pid_t first, pid_t last) {
  // Increasing pids are increasing ages: a new child's own new children come after it and find it a member.
  for (pid_t pid = first; pid <= last; ++pid) {
    auto parent_pid = read_parent(pid, buffer_);
    if (!parent_pid || !pids_.contains(*parent_pid) || pids_.contains(pid)) continue;
    auto parent = std::find_if(members_.begin(), members_.end(),
                               [&](const TrackedProcess& m) { return m.process.pid() == *parent_pid; });
    auto child = open_child(pid, *parent_pid, &parent->process);  // a thread's id fails here: not a process
    if (!child) continue;
    pids_.insert(pid);
    members_.push_back(TrackedProcess::hold(std::move(*child)));
  }
}

void TrackedTree::drop_exited() {
  pidfd::poll_exited(members_, pidfd_of, polls_, exited_);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (exited_[i]) {
      pids_.erase(members_[i].process.pid());
      continue;
    }
    if (kept != i) members_[kept] = std::move(members_[i]);
    ++kept;
  }
  members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(kept), members_.end());
}

void TrackedTree::list_candidates(std::size_t first, std::size_t last,
                                  std::vector<std::pair<std::size_t, pid_t>>& out) {
  std::unordered_map<pid_t, std::vector<pid_t>> scanned;
  if (!children_files_exist()) scanned = children_by_parent();
  for (std::size_t i = first; i < last; ++i) {
    children_.clear();
    pid_t pid = members_[i].process.pid();
    if (children_files_exist())
      append_children(pid, buffer_, children_);
    else if (auto it = scanned.find(pid); it != scanned.end())
      children_ = it->second;
    for (pid_t child : children_)
      if (!pids_.contains(child)) out.emplace_back(i, child);
  }
}

std::size_t TrackedTree::adopt_children() {
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
      const Process& parent_process = members_[parent].process;
      auto child = open_child(pid, parent_process.pid(), &parent_process);
      if (!child) continue;
      pids_.insert(pid);
      members_.push_back(TrackedProcess::hold(std::move(*child)));
      ++added;
    }
    first = last;
  }
  return added;
}

void TrackedTree::append_wake_fds(std::vector<pollfd>& out) const {
  // Only the root's exit is worth an immediate look; the others are seen at the next tick.
  if (!members_.empty() && members_.front().process.pid() == root_pid_)
    out.push_back({members_.front().process.pidfd(), POLLIN, 0});
}

std::size_t TrackedTree::send(int sig) {
  std::size_t sent = 0;
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {  // descendants before their parents
    // EPERM (not ours to signal) and ESRCH (gone) are not counted: the breach reports how many got it.
    if (it->process.signal_errno(sig) == 0) ++sent;
  }
  return sent;
}

std::size_t TrackedTree::signal_all(int sig) {
  drop_exited();
  if (follow_ && !members_.empty()) adopt_children();  // a complete scan, whatever the last pid says
  return send(sig);
}

std::size_t TrackedTree::kill_all() {
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
  for (const auto& member : members_) pidfd::release_memory(member.process);
  return killed;
}

}  // namespace reins::procfs
