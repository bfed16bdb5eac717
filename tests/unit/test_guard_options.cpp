// MemoryGuard's options are checked before any thread starts; metric names parse both ways. The target is
// this test process itself (no children in the unit lane), never signalled: no limit is set.
#include <gtest/gtest.h>
#include <unistd.h>

#include "reins/error.hpp"
#include "reins/guard.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

void expect_rejected(GuardOptions options) {
  EXPECT_THROW(MemoryGuard(GuardTarget::process(::getpid()), std::move(options)), InvalidArgument);
}

TEST(MemoryGuardOptions, BadValuesAreRejectedBeforeStarting) {
  GuardOptions o;
  o.interval = 0s;
  expect_rejected(o);
  o = {};
  o.grace = -1s;
  expect_rejected(o);
  o = {};
  o.gate_margin = 1.0;
  expect_rejected(o);
  o = {};
  o.gate_margin = -0.1;
  expect_rejected(o);
  o = {};
  o.walk_spacing = -1;
  expect_rejected(o);
  o = {};
  o.stats_interval = -1s;
  expect_rejected(o);
  o = {};
  o.metric = GuardMetric::cgroup;  // a process has no cgroup of its own
  expect_rejected(o);
}

TEST(MemoryGuardOptions, AGuardWithoutALimitMeasuresAndNamesItsTarget) {
  GuardOptions o;
  o.metric = GuardMetric::rss;
  MemoryGuard guard(GuardTarget::process(::getpid()), o);
  EXPECT_TRUE(guard.running());
  guard.cancel();
  auto stats = guard.stats();
  EXPECT_NE(stats.name.find(std::to_string(::getpid())), std::string::npos) << stats.name;
  EXPECT_EQ(guard.wait(0s)->end, GuardEnd::cancelled);
}

TEST(MemoryGuardOptions, MetricNamesRoundTrip) {
  for (auto m : {GuardMetric::pss, GuardMetric::rss, GuardMetric::uss, GuardMetric::cgroup})
    EXPECT_EQ(parse_guard_metric(guard_metric_name(m)), m);
  EXPECT_EQ(parse_guard_metric("PSS"), GuardMetric::pss);
  EXPECT_THROW(parse_guard_metric("vsz"), InvalidArgument);
}

TEST(MemoryGuardOptions, MissingTargetIsAnError) { EXPECT_THROW(GuardTarget::process(0x3fffffff), Error); }

}  // namespace
}  // namespace reins
