#include "cgroup/v2/delegation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cgroup/dir.hpp"
#include "reins/error.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

std::string plus_list(ControllerSet set) {
  std::string out;
  for (auto c : kAllControllers)
    if (set.has(c) && !v2_name(c).empty()) out += (out.empty() ? "+" : " +") + std::string(v2_name(c));
  return out;
}

ControllerSet minus(ControllerSet a, ControllerSet b) {
  ControllerSet out;
  for (auto c : kAllControllers)
    if (a.has(c) && !b.has(c)) out.add(c);
  return out;
}

// Whether reins is the only process in `dir`: only then does moving it out let controllers be enabled.
bool holds_only_us(const CgroupDir& dir) {
  std::string procs;
  if (dir.read_errno("cgroup.procs", procs) != 0) return false;
  auto pids = parse_pid_list(procs);
  return pids.size() == 1 && pids.front() == ::getpid();
}

void move_self_to_leaf(const CgroupDir& parent) {
  std::string leaf = parent.file(kSupervisorLeaf);
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("create cgroup", leaf);
  // The leaf is shared by every reins supervisor in this cgroup and stays: it is where they live.
  auto dir = CgroupDir::open(leaf, parent.cgroup_path() + "/" + kSupervisorLeaf);
  if (!dir) throw Error(ENOENT, "open cgroup", leaf);
  dir->write("cgroup.procs", "0");
}

}  // namespace

ControllerSet enabled_v2_controllers(const Hierarchy& h) noexcept {
  std::string text;
  if (sys::read_file_errno(AT_FDCWD, (h.parent_dir() + "/cgroup.subtree_control").c_str(), text) != 0) return {};
  return parse_v2_controllers(text);
}

ControllerSet enable_v2_controllers(const Hierarchy& h, ControllerSet wanted) {
  auto parent = CgroupDir::open(h.parent_dir(), h.parent);
  if (!parent) throw Error(ENOENT, "open cgroup", h.parent_dir());
  ControllerSet enabled = parse_v2_controllers(parent->read("cgroup.subtree_control"));
  ControllerSet missing = minus(wanted, enabled);
  if (missing.empty()) return enabled;
  ControllerSet offered = parse_v2_controllers(parent->read("cgroup.controllers"));
  if (ControllerSet absent = minus(missing, offered); !absent.empty())
    throw Error(ENOENT, fmt::format("controller(s) {} not delegated to {} (its cgroup.controllers does not list "
                                    "them; enable them in the parent, or use systemd's Delegate=yes)",
                                    plus_list(absent), parent->path()));
  std::string line = plus_list(missing);
  int err = parent->write_errno("cgroup.subtree_control", line);
  if (err == EBUSY && holds_only_us(*parent)) {
    move_self_to_leaf(*parent);
    err = parent->write_errno("cgroup.subtree_control", line);
  }
  if (err == EBUSY)
    throw Error(err, fmt::format("enable {} in {}: other processes live in that cgroup, and cgroup v2 allows "
                                 "controllers only above leaves; give reins a cgroup of its own",
                                 line, parent->file("cgroup.subtree_control")));
  if (err) throw Error(err, "write '" + line + "' to", parent->file("cgroup.subtree_control"));
  enabled.add(missing);
  return enabled;
}

}  // namespace reins::cgroup
