#include "cgroup/layout.hpp"
#include "cgroup/v2/delegation.hpp"

#include <fcntl.h>

#include <algorithm>

#include <fmt/format.h>

#include "cgroup/mountinfo.hpp"
#include "reins/error.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

bool has_option(const CgroupMount& m, std::string_view name) {
  return std::find(m.options.begin(), m.options.end(), name) != m.options.end();
}

ControllerSet v1_controllers(const CgroupMount& m) {
  ControllerSet set;
  for (auto c : kAllControllers)
    if (has_option(m, v1_name(c))) set.add(c);
  return set;
}

std::string v1_label(const CgroupMount& m) {
  std::string label;
  for (const auto& o : m.options) {
    bool known = o.rfind("name=", 0) == 0 ||
                 std::any_of(kAllControllers.begin(), kAllControllers.end(), [&](auto c) { return v1_name(c) == o; });
    if (known) label += (label.empty() ? "" : ",") + o;
  }
  return label;
}

// Which of /proc/self/cgroup's lines belongs to mount m.
const CgroupMembership* membership_of(const CgroupMount& m, const std::vector<CgroupMembership>& lines) {
  for (const auto& l : lines) {
    if (m.version == Version::v2) {
      if (l.hierarchy_id == 0 && l.controllers.empty()) return &l;
      continue;
    }
    if (l.hierarchy_id == 0 || l.controllers.empty()) continue;
    if (std::all_of(l.controllers.begin(), l.controllers.end(), [&](const auto& c) { return has_option(m, c); }))
      return &l;
  }
  return nullptr;
}

ControllerSet v2_controllers(const std::string& parent_dir) {
  auto text = sys::read_file(AT_FDCWD, (parent_dir + "/cgroup.controllers").c_str());
  return text.ok() ? parse_v2_controllers(*text) : ControllerSet{};
}

// Drops mounts hidden by a later mount on the same point, and keeps one mount per hierarchy: the one that
// shows our cgroup, preferring the widest root.
std::vector<CgroupMount> visible_mounts(std::vector<CgroupMount> mounts) {
  std::vector<CgroupMount> out;
  for (size_t i = 0; i < mounts.size(); ++i) {
    bool hidden = std::any_of(mounts.begin() + static_cast<long>(i) + 1, mounts.end(),
                              [&](const auto& later) { return later.mount_point == mounts[i].mount_point; });
    if (!hidden) out.push_back(std::move(mounts[i]));
  }
  return out;
}

}  // namespace

std::string Hierarchy::dir_of(std::string_view cgroup_path) const {
  std::string_view rel = cgroup_path.substr(std::min(cgroup_path.size(), mount_root == "/" ? 0 : mount_root.size()));
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return rel.empty() ? mount_point : mount_point + "/" + std::string(rel);
}

std::string Hierarchy::child_path(std::string_view job) const {
  return (parent == "/" ? std::string() : parent) + "/" + std::string(job);
}

std::string cgroup2_path_of(pid_t pid) {
  const std::string file = fmt::format("/proc/{}/cgroup", pid);
  const std::string text = sys::read_file_or_throw(file);
  std::string_view path = membership_path(text, "");
  if (path.empty()) throw Error(ENOENT, "find the cgroup2 line in", file);
  return std::string(path);
}

Layout Layout::discover(const LayoutOptions& options) {
  return from_texts(sys::read_file_or_throw("/proc/self/mountinfo"), sys::read_file_or_throw("/proc/self/cgroup"),
                    options);
}

namespace {
// A supervisor that lives in the leaf reins moves into (v2/delegation.hpp) makes its jobs beside it.
std::string beside_supervisor_leaf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || std::string_view(path).substr(slash + 1) != kSupervisorLeaf) return path;
  return slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

void check_cgroup_root(std::string_view root) {
  bool ok = !root.empty() && root.front() == '/';
  for (std::string_view rest = root; ok && !rest.empty();) {
    auto slash = rest.find('/', 1);
    std::string_view part = rest.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1);
    ok = part != "." && part != ".." && std::none_of(part.begin(), part.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         });
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  if (!ok)
    throw InvalidArgument(fmt::format(
        "invalid cgroup root '{}': give an absolute path inside the cgroup hierarchies, without '.' or '..' "
        "components or control characters (for example /reins)",
        root));
}

Layout Layout::from_texts(std::string_view mountinfo, std::string_view proc_cgroup, const LayoutOptions& options) {
  if (!options.root.empty()) check_cgroup_root(options.root);
  Layout layout;
  layout.options_ = options;
  layout.uses_cgroup_kill_ = !options.without_cgroup_kill;
  auto lines = parse_proc_cgroup(proc_cgroup);
  for (auto& m : visible_mounts(parse_cgroup_mounts(mountinfo))) {
    Hierarchy h;
    h.version = m.version;
    h.name = m.version == Version::v2 ? "cgroup2" : v1_label(m);
    if (h.version == Version::v2 && options.v1_only) continue;
    if (h.version == Version::v1) {
      h.controllers = v1_controllers(m);
      if (h.controllers.empty()) continue;  // name=systemd, devices, net_cls...: nothing reins uses
    } else if (layout.unified()) {
      continue;
    }
    const auto* own = membership_of(m, lines);
    h.parent = options.root.empty() ? (own ? own->path : std::string()) : options.root;
    if (h.version == Version::v2 && options.root.empty()) h.parent = beside_supervisor_leaf(h.parent);
    if (h.parent.empty()) {
      layout.skipped_.push_back(fmt::format("{} at {}: not listed in /proc/self/cgroup", h.name, m.mount_point));
      continue;
    }
    if (!path_within(h.parent, m.root)) {
      layout.skipped_.push_back(
          fmt::format("{} at {}: cgroup {} is outside the mount's root {}", h.name, m.mount_point, h.parent, m.root));
      continue;
    }
    bool dup = std::any_of(layout.hierarchies_.begin(), layout.hierarchies_.end(),
                           [&](const auto& o) { return o.version == h.version && o.name == h.name; });
    if (dup) continue;  // the same hierarchy mounted twice (a bind mount): the first one will do
    h.mount_point = options.fs_prefix + m.mount_point;
    h.mount_root = m.root;
    if (h.version == Version::v2) h.controllers = v2_controllers(h.parent_dir());
    layout.hierarchies_.push_back(std::move(h));
  }
  if (layout.hierarchies_.empty()) {
    std::string why;
    for (const auto& s : layout.skipped_) why += "; " + s;
    throw Error(ENOENT,
                "no usable cgroup hierarchy is mounted (read /proc/self/mountinfo and /proc/self/cgroup" + why + ")");
  }
  const bool has_v1 = std::any_of(layout.hierarchies_.begin(), layout.hierarchies_.end(),
                                  [](const auto& h) { return h.version == Version::v1; });
  layout.mode_ = !layout.unified() ? Mode::v1 : has_v1 ? Mode::hybrid : Mode::v2;
  layout.core_ = 0;
  for (Controller pick : {Controller::cpuacct, Controller::freezer}) {  // later wins: freezer first
    for (size_t i = 0; i < layout.hierarchies_.size(); ++i)
      if (layout.hierarchies_[i].version == Version::v1 && layout.hierarchies_[i].controllers.has(pick))
        layout.core_ = i;
  }
  for (size_t i = 0; i < layout.hierarchies_.size(); ++i)
    if (layout.hierarchies_[i].version == Version::v2) layout.core_ = i;
  return layout;
}

const Hierarchy* Layout::unified() const noexcept {
  for (const auto& h : hierarchies_)
    if (h.version == Version::v2) return &h;
  return nullptr;
}

const Hierarchy* Layout::find(Controller c) const noexcept {
  const Hierarchy* u = unified();
  if (u && (c == Controller::cpuacct || c == Controller::freezer)) return nullptr;
  if (u && u->controllers.has(c)) return u;
  for (const auto& h : hierarchies_)
    if (h.version == Version::v1 && h.controllers.has(c)) return &h;
  return nullptr;
}

ControllerSet Layout::core_controllers() const noexcept {
  ControllerSet set;
  if (unified()) return set;
  for (auto c : {Controller::freezer, Controller::cpuacct})
    if (find(c)) set.add(c);
  return set;
}

std::string Layout::describe() const {
  std::string out = fmt::format("cgroup layout: {}\n", mode_name(mode_));
  for (size_t i = 0; i < hierarchies_.size(); ++i) {
    const auto& h = hierarchies_[i];
    out += fmt::format("  {:<12} {} at {}, jobs below {}{}\n", h.name, h.version == Version::v2 ? "v2" : "v1",
                       h.mount_point, h.parent, i == core_ ? " (core)" : "");
  }
  for (const auto& s : skipped_) out += "  skipped: " + s + "\n";
  return out;
}

ControllerSet parse_v2_controllers(std::string_view text) noexcept {
  ControllerSet set;
  while (!text.empty()) {
    auto end = text.find_first_of(" \n");
    std::string_view word = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    for (auto c : kAllControllers)
      if (!v2_name(c).empty() && v2_name(c) == word) set.add(c);
  }
  return set;
}

std::string_view mode_name(Layout::Mode m) noexcept {
  switch (m) {
    case Layout::Mode::v2:
      return "v2";
    case Layout::Mode::hybrid:
      return "hybrid";
    case Layout::Mode::v1:
      return "v1";
  }
  return "?";
}

}  // namespace reins::cgroup
