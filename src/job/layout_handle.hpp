// What the public reins::CgroupLayout holds: a discovered cgroup::Layout. Tests build one over a chosen
// Layout (a fake tree, or v1_only) with CgroupLayout(std::make_shared<const CgroupLayout::Impl>(...)).
#pragma once

#include "cgroup/layout.hpp"
#include "reins/job.hpp"

namespace reins {

struct CgroupLayout::Impl {
  cgroup::Layout layout;
};

}  // namespace reins
