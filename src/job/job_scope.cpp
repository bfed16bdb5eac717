#include "job/job_scope.hpp"

#include <mutex>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "systemd/scope.hpp"

namespace reins::job {
namespace {

struct ScopeState {
  std::mutex mutex;
  std::string unit;  // set once, for the life of the process
};
ScopeState& scope_state() {
  static ScopeState s;
  return s;
}

// A layout of this process's own cgroups, which is what moves with it.
bool own_layout(const cgroup::Layout& layout) {
  const auto& o = layout.options();
  return o.root.empty() && o.fs_prefix.empty() && !o.v1_only;
}

}  // namespace

std::string process_scope() {
  auto& s = scope_state();
  std::lock_guard lock(s.mutex);
  return s.unit;
}

bool scope_may_help(const cgroup::Layout& layout, SystemdScope policy) {
  return policy != SystemdScope::never && own_layout(layout) && layout.mode() == cgroup::Layout::Mode::v2 &&
         systemd::reachable_manager().has_value();
}

cgroup::Layout enter_scope(const cgroup::Layout& layout, const std::string& why) {
  auto& s = scope_state();
  std::lock_guard lock(s.mutex);
  if (s.unit.empty()) {
    auto manager = systemd::reachable_manager();
    if (!manager)
      throw Error(ENOENT, fmt::format("{}; and no systemd manager to ask for a scope of its own ({})", why,
                                      systemd::built_with_sd_bus() ? "no /run/systemd/system, or no user bus"
                                                                   : "this reins is built without systemd support"));
    try {
      s.unit = systemd::move_self_into_scope(*manager, "reins: jobs of a supervisor").unit;
    } catch (const Error& e) {
      throw Error(e.errno_value(),
                  fmt::format("{}; and asking systemd for a scope of its own failed: {}", why, e.what()));
    }
  }
  return cgroup::Layout::discover(layout.options());
}

cgroup::Layout current_layout(const cgroup::Layout& layout) {
  if (!own_layout(layout) || process_scope().empty()) return layout;
  return cgroup::Layout::discover(layout.options());
}

}  // namespace reins::job
