#include "cgroup/backend.hpp"

#include "reins/error.hpp"

namespace reins::cgroup {

FreezeScope::FreezeScope(Backend& core, std::chrono::steady_clock::time_point deadline, Thaw thaw_after)
    : core_(core), deadline_(deadline) {
  if (thaw_after == Thaw::unless_frozen_before && core_.frozen()) return;
  frozen_by_us_ = core_.set_frozen(true, deadline_);
}

FreezeScope::~FreezeScope() {
  if (!frozen_by_us_) return;
  try {
    core_.set_frozen(false, deadline_);
  } catch (const Error&) {
    // Only reached while another error unwinds (thaw() ends the normal path): that one is reported, and a
    // job left frozen shows as frozen in `reins job stat`.
  }
}

void FreezeScope::thaw() {
  if (!frozen_by_us_) return;
  frozen_by_us_ = false;
  core_.set_frozen(false, deadline_);
}

}  // namespace reins::cgroup
