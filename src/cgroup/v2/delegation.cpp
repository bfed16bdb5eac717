#include "cgroup/v2/delegation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include <fmt/format.h>

#include "cgroup/dir.hpp"
#include "reins/error.hpp"
#include "sys/dir_stream.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

std::string plus_list(ControllerSet set, char sign = '+') {
  std::string out;
  for (const auto& name : v2_names(set)) out += (out.empty() ? "" : " ") + (sign + name);
  return out;
}

ControllerSet minus(ControllerSet a, ControllerSet b) {
  ControllerSet out;
  for (auto c : kAllControllers)
    if (a.has(c) && !b.has(c)) out.add(c);
  return out;
}

// The process-wide state of the move into the supervisor leaf; every access holds `mutex`, so jobs made
// by several threads at once enable controllers and move (or move back) one at a time.
struct State {
  std::mutex mutex;
  int leases = 0;
  bool moved = false;
  ControllerSet enabled_before;  // the parent's subtree_control before we moved out
};
State& state() {
  static State s;
  return s;
}

std::vector<pid_t> procs_of(const std::string& dir) {
  auto text = sys::read_file(AT_FDCWD, (dir + "/cgroup.procs").c_str());
  return text.ok() ? parse_pid_list(*text) : std::vector<pid_t>{};
}

// Whether this process is the only one in `dir`. Read as text: a process of an outer pid namespace is listed
// as 0 (reins init as PID 1 under unshare --pid shares its cgroup with the shell it cannot see).
bool holds_only_us(const std::string& dir) {
  auto text = sys::read_file(AT_FDCWD, (dir + "/cgroup.procs").c_str());
  return text.ok() && *text == std::to_string(::getpid()) + "\n";
}

// Whether `dir` has a child cgroup other than the supervisor leaf.
bool has_other_children(const std::string& dir) {
  bool found = false;
  int err = sys::for_each_dir_entry(dir.c_str(), [&](const sys::DirEntry& e) {
    if (e.is_dir() && e.name != kSupervisorLeaf) found = true;
  });
  return found || err != 0;  // unreadable: assume others are there
}

// Moves this process (its whole thread group: cgroup.procs) into <parent>/reins-supervisor. Caller holds
// the state's mutex.
void move_self_to_leaf(const std::string& parent_dir) {
  std::string leaf = parent_dir + "/" + kSupervisorLeaf;
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("create cgroup", leaf);
  std::string before =
      sys::read_file(AT_FDCWD, (parent_dir + "/cgroup.subtree_control").c_str()).value_or_none().value_or("");
  sys::write_file(AT_FDCWD, (leaf + "/cgroup.procs").c_str(), "0")
      .or_throw("move reins itself into", leaf + "/cgroup.procs");
  auto& s = state();
  if (!s.moved) s.enabled_before = parse_v2_controllers(before);
  s.moved = true;
}

// Undoes move_self_to_leaf when nothing else needs it. Caller holds the mutex. Best effort: on any
// refusal things stay as they are (the leaf is then where this process lives until it exits).
void move_back(const std::string& parent_dir) noexcept {
  auto& s = state();
  std::string leaf = parent_dir + "/" + kSupervisorLeaf;
  if (!holds_only_us(leaf) || has_other_children(parent_dir)) return;
  auto now = sys::read_file(AT_FDCWD, (parent_dir + "/cgroup.subtree_control").c_str());
  if (!now.ok()) return;
  std::string off = plus_list(minus(parse_v2_controllers(*now), s.enabled_before), '-');
  if (!off.empty() && !sys::write_file(AT_FDCWD, (parent_dir + "/cgroup.subtree_control").c_str(), off).ok()) return;
  if (!sys::write_file(AT_FDCWD, (parent_dir + "/cgroup.procs").c_str(), "0").ok()) return;
  ::rmdir(leaf.c_str());
  s.moved = false;
}

}  // namespace

ControllerSet enabled_v2_controllers(const Hierarchy& h) {
  auto text = sys::read_file(AT_FDCWD, (h.parent_dir() + "/cgroup.subtree_control").c_str());
  return text.ok() ? parse_v2_controllers(*text) : ControllerSet{};
}

std::vector<std::string> v2_names(ControllerSet set) {
  std::vector<std::string> out;
  for (auto c : kAllControllers)
    if (set.has(c) && !v2_name(c).empty()) out.emplace_back(v2_name(c));
  return out;
}

std::string own_cgroup_command() {
  return ::geteuid() == 0 ? "systemd-run --scope -p Delegate=yes" : "systemd-run --user --scope -p Delegate=yes";
}

bool is_real_root(const Hierarchy& h) {
  return h.parent == "/" && ::access((h.parent_dir() + "/cgroup.type").c_str(), F_OK) != 0;
}

ControllerSet enable_v2_controllers(const Hierarchy& h, ControllerSet wanted) {
  std::lock_guard lock(state().mutex);
  auto parent = CgroupDir::open(h.parent_dir(), h.parent);
  if (!parent) throw Error(ENOENT, "open cgroup", h.parent_dir());
  ControllerSet enabled = parse_v2_controllers(parent->read("cgroup.subtree_control"));
  ControllerSet missing = minus(wanted, enabled);
  if (missing.empty()) return enabled;
  std::string line = plus_list(missing);
  const std::string control = parent->file("cgroup.subtree_control");
  if (::access(control.c_str(), W_OK) != 0 && (errno == EACCES || errno == EPERM))
    throw DelegationError(DelegationProblem::not_writable, EACCES,
                          fmt::format("enable {} in {}: that cgroup is not ours to change (uid {} may not write it)",
                                      line, control, ::geteuid()),
                          fmt::format("give reins a cgroup of its own: {} reins ...", own_cgroup_command()));
  ControllerSet offered = parse_v2_controllers(parent->read("cgroup.controllers"));
  if (ControllerSet absent = minus(missing, offered); !absent.empty())
    throw DelegationError(DelegationProblem::not_delegated, ENOENT,
                          fmt::format("controller(s) {} not delegated to {} (its cgroup.controllers does not list "
                                      "them)",
                                      plus_list(absent), parent->path()),
                          fmt::format("enable them in its parent, or run reins in a cgroup that has them: {} reins ...",
                                      own_cgroup_command()));
  // The real root may hold processes beside enabled controllers; any other cgroup may not (and threaded
  // controllers enabled there anyway would make the job cgroups unusable: see the header). A cgroup
  // namespace's root is not the real root, whatever /proc/self/cgroup calls it.
  if (!is_real_root(h) && !procs_of(parent->path()).empty()) {
    if (!holds_only_us(parent->path()))
      throw DelegationError(DelegationProblem::shared, EBUSY,
                            fmt::format("enable {} in {}: other processes live in that cgroup, and cgroup v2 allows "
                                        "controllers only above leaves",
                                        line, control),
                            fmt::format("give reins a cgroup of its own: {} reins ... (or --cgroup-root with a "
                                        "delegated cgroup)",
                                        own_cgroup_command()));
    move_self_to_leaf(parent->path());
  }
  parent->write("cgroup.subtree_control", line);
  enabled.add(missing);
  return enabled;
}

DelegationLease::DelegationLease(const Hierarchy& h) : parent_dir_(h.parent_dir()), real_root_(is_real_root(h)) {
  std::lock_guard lock(state().mutex);
  ++state().leases;
}

DelegationLease::~DelegationLease() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (--s.leases == 0 && s.moved) move_back(parent_dir_);
}

bool DelegationLease::enter_leaf() {
  std::lock_guard lock(state().mutex);
  if (real_root_ || procs_of(parent_dir_).empty()) return true;
  if (!holds_only_us(parent_dir_)) return false;
  move_self_to_leaf(parent_dir_);
  return true;
}

}  // namespace reins::cgroup
